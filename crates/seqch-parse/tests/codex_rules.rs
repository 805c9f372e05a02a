//! The Codex rules no public fixture exercises, on small synthetic rollouts: fork children
//! (with and without the parent file), token_usage_record, resets and repeats, ordinals,
//! archived sessions and `.jsonl.zst` files.

mod common;

use std::path::{Path, PathBuf};

use common::Tables;
use seqch_parse::sources::{self, LogFile};
use seqch_parse::{Agent, Parser, Prices, Summary};

fn tc(ts: &str, total: (u64, u64, u64), last: (u64, u64, u64)) -> String {
    let u = |(i, o, t): (u64, u64, u64)| {
        format!(
            r#"{{"input_tokens":{i},"cached_input_tokens":0,"output_tokens":{o},"reasoning_output_tokens":0,"total_tokens":{t}}}"#
        )
    };
    format!(
        r#"{{"timestamp":"{ts}","type":"event_msg","payload":{{"type":"token_count","info":{{"total_token_usage":{},"last_token_usage":{},"model_context_window":258400}},"rate_limits":null}}}}"#,
        u(total),
        u(last)
    )
}

fn meta(ts: &str, id: &str, extra: &str) -> String {
    format!(
        r#"{{"timestamp":"{ts}","type":"session_meta","payload":{{"id":"{id}","timestamp":"{ts}","cwd":"/w","cli_version":"0.130.0"{extra}}}}}"#
    )
}

fn ctx(ts: &str) -> String {
    format!(
        r#"{{"timestamp":"{ts}","type":"turn_context","payload":{{"cwd":"/w","model":"gpt-5.5"}}}}"#
    )
}

fn call(ts: &str, id: &str) -> [String; 2] {
    [
        format!(
            r#"{{"timestamp":"{ts}","type":"response_item","payload":{{"type":"function_call","name":"shell_command","arguments":"{{\"command\":\"ls\"}}","call_id":"{id}"}}}}"#
        ),
        format!(
            r#"{{"timestamp":"{ts}","type":"response_item","payload":{{"type":"function_call_output","call_id":"{id}","output":"Exit code: 0\nWall time: 0.1 seconds\nOutput:\nok"}}}}"#
        ),
    ]
}

/// Parent: two calls (100/10 and 100/10) and one tool call.
fn parent() -> Vec<String> {
    let [c, o] = call("2026-01-01T09:00:02.000Z", "c1");
    vec![
        meta("2026-01-01T09:00:00.000Z", "parent-1", r#","source":"cli""#),
        ctx("2026-01-01T09:00:00.500Z"),
        tc("2026-01-01T09:00:01.000Z", (100, 10, 110), (100, 10, 110)),
        c,
        o,
        tc("2026-01-01T09:00:03.000Z", (200, 20, 220), (100, 10, 110)),
    ]
}

/// A fork child: its own header, the parent's history re-stamped within its first second, then
/// one call of its own (50/5) continuing the parent's cumulative totals.
fn child() -> Vec<String> {
    let mut lines = vec![meta(
        "2026-01-01T10:00:00.100Z",
        "child-1",
        r#","forked_from_id":"parent-1","source":"cli""#,
    )];
    for (i, l) in parent().iter().enumerate() {
        // Codex writes the copied items with the same serializer: only the envelope's
        // timestamp changes.
        let old = &l[14..38];
        lines.push(l.replacen(old, &format!("2026-01-01T10:00:00.{:03}Z", 200 + i), 1));
    }
    lines.push(ctx("2026-01-01T10:00:05.000Z"));
    lines.push(tc("2026-01-01T10:00:06.000Z", (250, 25, 275), (50, 5, 55)));
    lines
}

/// [`child`] with `change(i, line)` applied to its copies of the parent's lines (its lines
/// 1 to `parent().len()`).
fn child_with_copies(change: impl Fn(usize, String) -> String) -> Vec<String> {
    let copies = 1..=parent().len();
    child()
        .into_iter()
        .enumerate()
        .map(|(i, l)| if copies.contains(&i) { change(i, l) } else { l })
        .collect()
}

fn write(dir: &Path, rel: &str, lines: &[String]) -> PathBuf {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    p
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("seqch-codex-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn scan(files: &[LogFile]) -> (Tables, Summary) {
    let mut parser = Parser::new(Prices::embedded());
    let mut tables = Tables::default();
    sources::scan(files, &mut parser, &mut tables);
    let mut parser = Parser::new(Prices::embedded());
    let mut summary = Summary::new(jiff::tz::TimeZone::UTC);
    sources::scan(files, &mut parser, &mut summary);
    (tables, summary)
}

fn turns_of(t: &Tables, session: &str) -> Vec<(String, String)> {
    t.turns
        .iter()
        .filter(|((_, s, _), _)| s == session)
        .map(|((_, _, id), row)| {
            let tokens = row
                .split("input_tokens: ")
                .nth(1)
                .unwrap()
                .split(", cached")
                .next()
                .unwrap()
                .to_owned();
            (id.clone(), tokens)
        })
        .collect()
}

/// The `input_tokens, output_tokens` of a session's turns, by turn id.
fn tokens_of(t: &Tables, session: &str) -> Vec<String> {
    turns_of(t, session)
        .into_iter()
        .map(|(_, tokens)| tokens)
        .collect()
}

const PARENT: &str = "sessions/2026/01/01/rollout-2026-01-01T09-00-00-parent-1.jsonl";
const CHILD: &str = "sessions/2026/01/01/rollout-2026-01-01T10-00-00-child-1.jsonl";

#[test]
fn fork_children_bill_only_their_own_work_with_or_without_the_parent() {
    for with_parent in [true, false] {
        let dir = tmp(if with_parent { "fork-p" } else { "fork-np" });
        if with_parent {
            write(&dir, PARENT, &parent());
        }
        write(&dir, CHILD, &child());
        let files = sources::codex_files(&dir.join("sessions"));
        let (tables, summary) = scan(&files);
        let child_turns = turns_of(&tables, "child-1");
        assert_eq!(
            child_turns.len(),
            1,
            "with parent: {with_parent}: {child_turns:?}"
        );
        assert_eq!(child_turns[0].1, "50, output_tokens: 5");
        assert!(
            !tables.tool_calls.keys().any(|(_, s, _)| s == "child-1"),
            "inherited tool call counted"
        );
        let session = summary
            .sessions()
            .into_iter()
            .find(|s| s.session_id == "child-1")
            .unwrap();
        assert_eq!(session.first_ts, "2026-01-01T10:00:00.100Z");
        assert_eq!(session.totals.calls, 1);
        if with_parent {
            assert_eq!(turns_of(&tables, "parent-1").len(), 2);
        }
    }
}

#[test]
fn fork_history_longer_than_a_second_is_matched_against_the_parent() {
    let dir = tmp("fork-slow");
    write(&dir, PARENT, &parent());
    // The replay took more than a second to write: the burst rule alone would bill it.
    let lines = child_with_copies(|i, l| l.replace("10:00:00.2", &format!("10:00:0{i}.2")));
    write(&dir, CHILD, &lines);
    let (tables, _) = scan(&sources::codex_files(&dir.join("sessions")));
    assert_eq!(turns_of(&tables, "child-1").len(), 1);
}

/// A child written by a newer Codex than its parent re-serializes the copied lines (fields
/// added or dropped between versions), so their bytes differ from the parent's: the copies,
/// written in the child's first second, are still its inherited history.
#[test]
fn fork_history_reserialized_by_another_version_is_still_inherited() {
    let dir = tmp("fork-version");
    write(&dir, PARENT, &parent());
    let lines = child_with_copies(|_, l| {
        l.replace(
            r#""cli_version":"0.130.0""#,
            r#""cli_version":"0.130.0","history_mode":null"#,
        )
        .replace(
            r#""model_context_window":258400"#,
            r#""model_context_window":258400,"context_length":null"#,
        )
    });
    write(&dir, CHILD, &lines);
    let (tables, _) = scan(&sources::codex_files(&dir.join("sessions")));
    assert_eq!(tokens_of(&tables, "child-1"), ["50, output_tokens: 5"]);
}

/// After a fork, the child's first response can come before its own `turn_context`: it is
/// priced with the parent's model, the last one the child's copied history names.
#[test]
fn a_fork_child_answering_before_its_turn_context_has_its_parents_model() {
    let dir = tmp("fork-model");
    write(&dir, PARENT, &parent());
    let mut lines = child();
    let own_context = lines.len() - 2;
    lines.remove(own_context);
    write(&dir, CHILD, &lines);
    let (tables, _) = scan(&sources::codex_files(&dir.join("sessions")));
    let row = tables
        .turns
        .iter()
        .find(|((_, s, _), _)| s == "child-1")
        .map(|(_, row)| row.clone())
        .unwrap();
    assert!(row.contains(r#"model: "gpt-5.5""#), "{row}");
}

/// Since Aug 2026 a resumed thread continues in a new file `…-<thread>_<session>.jsonl` whose
/// `history_base` points into the thread's earlier file, and whose counts carry that file's
/// totals on: only the new response is billed, with or without the earlier file.
#[test]
fn a_resumed_thread_s_new_file_bills_only_its_own_responses() {
    for with_earlier in [true, false] {
        let dir = tmp(if with_earlier {
            "resume-e"
        } else {
            "resume-ne"
        });
        if with_earlier {
            write(&dir, PARENT, &parent());
        }
        let resumed = vec![
            meta(
                "2026-01-03T09:00:00.000Z",
                "parent-1",
                r#","history_base":{"thread_id":"parent-1","end_ordinal_exclusive":6,"end_byte_offset":1234}"#,
            ),
            ctx("2026-01-03T09:00:00.500Z"),
            tc("2026-01-03T09:00:05.000Z", (700, 70, 770), (500, 50, 550)),
            tc("2026-01-03T09:00:09.000Z", (800, 80, 880), (100, 10, 110)),
        ];
        write(
            &dir,
            "sessions/2026/01/03/rollout-2026-01-03T09-00-00-parent-1_s2.jsonl",
            &resumed,
        );
        let (tables, _) = scan(&sources::codex_files(&dir.join("sessions")));
        let mut tokens = tokens_of(&tables, "parent-1");
        tokens.sort();
        let mut want = vec!["500, output_tokens: 50", "100, output_tokens: 10"];
        if with_earlier {
            want.extend(["100, output_tokens: 10", "100, output_tokens: 10"]);
        }
        want.sort();
        assert_eq!(tokens, want, "with the earlier file: {with_earlier}");
        // The files' byte offsets overlap: their turns' ids must not.
        assert!(
            tables
                .turns
                .keys()
                .any(|(_, _, id)| id.starts_with("parent-1_s2@"))
        );
    }
}

/// A resumed thread's file whose first count has no usable `last` (an estimate) cannot tell
/// its own usage from the earlier file's: it bills nothing there, and counts on from it.
#[test]
fn a_resumed_thread_s_file_without_a_usable_last_bills_only_what_follows() {
    let dir = tmp("resume-estimate");
    write(
        &dir,
        "sessions/2026/01/03/rollout-2026-01-03T09-00-00-parent-1_s3.jsonl",
        &[
            meta(
                "2026-01-03T09:00:00.000Z",
                "parent-1",
                r#","history_base":{"thread_id":"parent-1"}"#,
            ),
            ctx("2026-01-03T09:00:00.500Z"),
            tc("2026-01-03T09:00:05.000Z", (700, 70, 770), (0, 0, 940)),
            tc("2026-01-03T09:00:09.000Z", (800, 80, 880), (100, 10, 110)),
        ],
    );
    let (tables, _) = scan(&sources::codex_files(&dir.join("sessions")));
    assert_eq!(tokens_of(&tables, "parent-1"), ["100, output_tokens: 10"]);
}

/// Codex 0.40 wrote rate limits flat, and its first release named the second window's
/// percentage `weekly_used_percent`.
#[test]
fn flat_rate_limits_of_0_40_with_either_name() {
    let dir = tmp("flat-limits");
    let limits = |second: &str| {
        format!(
            r#"{{"timestamp":"2026-01-04T09:00:0{}.000Z","type":"event_msg","payload":{{"type":"token_count","info":null,"rate_limits":{{"primary_used_percent":12.5,"{second}":40.0,"primary_to_secondary_ratio_percent":30.0,"primary_window_minutes":300,"secondary_window_minutes":10080}}}}}}"#,
            if second == "weekly_used_percent" {
                1
            } else {
                2
            }
        )
    };
    write(
        &dir,
        "sessions/2026/01/04/rollout-2026-01-04T09-00-00-flat-1.jsonl",
        &[
            meta("2026-01-04T09:00:00.000Z", "flat-1", ""),
            limits("weekly_used_percent"),
            limits("secondary_used_percent"),
        ],
    );
    let (tables, _) = scan(&sources::codex_files(&dir.join("sessions")));
    let windows: Vec<(u64, String, bool)> = tables
        .rate_limits
        .iter()
        .map(|((_, ts, window), row)| {
            let weekly =
                row.contains("used_percent: 40.0") && row.contains("window_minutes: 10080");
            (*ts, window.clone(), weekly)
        })
        .collect();
    let t = 1_767_517_200_000;
    assert_eq!(
        windows,
        [
            (t + 1000, "primary".into(), false),
            (t + 1000, "secondary".into(), true),
            (t + 2000, "primary".into(), false),
            (t + 2000, "secondary".into(), true),
        ]
    );
}

/// Guardian reviews run on `codex-auto-review`, a pseudo-model: it is priced as the newest of
/// its fallbacks released by the call's day (gpt-5.4 on 2026-04-01: 2.5 / 15 per million).
#[test]
fn an_auto_review_call_is_priced_as_the_model_it_ran_on() {
    let dir = tmp("auto-review");
    write(
        &dir,
        "sessions/2026/04/01/rollout-2026-04-01T09-00-00-guard-1.jsonl",
        &[
            meta("2026-04-01T09:00:00.000Z", "guard-1", ""),
            r#"{"timestamp":"2026-04-01T09:00:00.500Z","type":"turn_context","payload":{"cwd":"/w","model":"codex-auto-review"}}"#.to_owned(),
            tc("2026-04-01T09:00:05.000Z", (100_000, 10_000, 110_000), (100_000, 10_000, 110_000)),
        ],
    );
    let (tables, _) = scan(&sources::codex_files(&dir.join("sessions")));
    let row = tables.turns.values().next().unwrap();
    assert!(row.contains(r#"model: "codex-auto-review""#), "{row}");
    let cost: f64 = row
        .split("cost_usd: ")
        .nth(1)
        .and_then(|r| r.split(',').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!((cost - 0.4).abs() < 1e-12, "{row}");
}

#[test]
fn repeats_resets_and_ordinals() {
    let dir = tmp("reset");
    let lines = vec![
        meta("2026-01-02T09:00:00.000Z", "r-1", ""),
        ctx("2026-01-02T09:00:00.100Z"),
        r#"{"timestamp":"2026-01-02T09:00:00.200Z","type":"event_msg","payload":{"type":"token_count","info":null,"rate_limits":{"primary":{"used_percent":4.0,"window_minutes":300,"resets_at":1767348000}}}}"#.to_owned(),
        tc("2026-01-02T09:00:01.000Z", (100, 10, 110), (100, 10, 110)),
        tc("2026-01-02T09:00:02.000Z", (100, 10, 110), (100, 10, 110)), // stale repeat
        tc("2026-01-02T09:00:03.000Z", (100, 10, 110), (0, 0, 940_499)), // compaction estimate
        tc("2026-01-02T09:00:04.000Z", (0, 0, 258_400), (0, 0, 258_290)), // context-window fill
        tc("2026-01-02T09:00:05.000Z", (50, 5, 258_455), (50, 5, 55)),
        r#"{"timestamp":"2026-01-02T09:00:06.000Z","ordinal":7,"type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":80,"output_tokens":8,"total_tokens":258488},"last_token_usage":{"input_tokens":999,"output_tokens":1,"total_tokens":1000}},"rate_limits":null}}"#.to_owned(),
    ];
    write(
        &dir,
        "sessions/2026/01/02/rollout-2026-01-02T09-00-00-r-1.jsonl",
        &lines,
    );
    let (tables, summary) = scan(&sources::codex_files(&dir.join("sessions")));
    let mut got: Vec<String> = turns_of(&tables, "r-1")
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    got.sort();
    // 100/10; nothing for the repeat, the estimate and the fill; 50/5 after the fill; and for
    // the last line `total − previous` (30/3), since its `last` does not add up.
    assert_eq!(
        got,
        [
            "100, output_tokens: 10",
            "30, output_tokens: 3",
            "50, output_tokens: 5"
        ]
    );
    assert_eq!(tables.rate_limits.len(), 1);
    assert_eq!(summary.usage()[0].totals.calls, 3);
}

#[test]
fn token_usage_records_replace_token_count_billing_and_dedupe_across_files() {
    let dir = tmp("records");
    let record = |ts: &str, thread: &str, resp: &str, i: u64, o: u64| {
        format!(
            r#"{{"timestamp":"{ts}","type":"token_usage_record","payload":{{"thread_id":"{thread}","turn_id":"t","session_id":"{thread}","root_turn_id":"t","response_id":"{resp}","usage":{{"input_tokens":{i},"cached_input_tokens":0,"output_tokens":{o},"reasoning_output_tokens":0,"total_tokens":{}}},"turn_token_usage":{{}},"thread_token_usage":{{}},"attribution":{{"model":"gpt-5.4"}}}}}}"#,
            i + o
        )
    };
    let a = vec![
        meta("2026-01-03T09:00:00.000Z", "rec-1", ""),
        ctx("2026-01-03T09:00:00.100Z"),
        // Before any record, a token_count bills; the record for the same response then
        // supersedes it instead of counting it twice.
        tc("2026-01-03T09:00:01.000Z", (100, 10, 110), (100, 10, 110)),
        record("2026-01-03T09:00:01.001Z", "rec-1", "resp_1", 100, 10),
        tc("2026-01-03T09:00:02.000Z", (300, 30, 330), (200, 20, 220)),
        record("2026-01-03T09:00:02.001Z", "rec-1", "resp_2", 200, 20),
    ];
    // Another file carrying a copy of resp_2 (as compaction or a fork can).
    let b = vec![
        meta("2026-01-03T11:00:00.000Z", "rec-2", ""),
        record("2026-01-03T11:00:01.000Z", "rec-1", "resp_2", 200, 20),
    ];
    write(
        &dir,
        "sessions/2026/01/03/rollout-2026-01-03T09-00-00-rec-1.jsonl",
        &a,
    );
    write(
        &dir,
        "sessions/2026/01/03/rollout-2026-01-03T11-00-00-rec-2.jsonl",
        &b,
    );
    let (tables, summary) = scan(&sources::codex_files(&dir.join("sessions")));
    let mut ids: Vec<String> = tables.turns.keys().map(|(_, _, id)| id.clone()).collect();
    ids.sort();
    assert_eq!(ids, ["rec-1:resp_1", "rec-1:resp_2"]);
    let usage = summary.usage();
    assert_eq!(usage.len(), 1);
    assert_eq!(usage[0].model, "gpt-5.4");
    assert_eq!(
        (usage[0].totals.input_tokens, usage[0].totals.output_tokens),
        (300, 30)
    );
}

#[test]
fn archived_and_compressed_copies_count_once() {
    let dir = tmp("places");
    let one = |id: &str| {
        vec![
            meta("2026-01-04T09:00:00.000Z", id, ""),
            ctx("2026-01-04T09:00:00.100Z"),
            tc("2026-01-04T09:00:01.000Z", (100, 10, 110), (100, 10, 110)),
        ]
    };
    let name = |id: &str| format!("rollout-2026-01-04T09-00-00-{id}.jsonl");
    // A: active and archived copies. B: only archived, compressed. C: plain and compressed.
    write(
        &dir,
        &format!("sessions/2026/01/04/{}", name("a-1")),
        &one("a-1"),
    );
    write(
        &dir,
        &format!("archived_sessions/{}", name("a-1")),
        &one("a-1"),
    );
    let zst = |rel: &str, lines: &[String]| {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let bytes = zstd::encode_all((lines.join("\n") + "\n").as_bytes(), 3).unwrap();
        std::fs::write(p, bytes).unwrap();
    };
    zst(
        &format!("archived_sessions/{}.zst", name("b-1")),
        &one("b-1"),
    );
    write(
        &dir,
        &format!("sessions/2026/01/04/{}", name("c-1")),
        &one("c-1"),
    );
    zst(
        &format!("sessions/2026/01/04/{}.zst", name("c-1")),
        &one("c-1"),
    );

    let files = sources::codex_files(&dir.join("sessions"));
    let rel: Vec<String> = files
        .iter()
        .map(|f| {
            f.path
                .strip_prefix(&dir)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        rel,
        [
            format!("archived_sessions/{}.zst", name("b-1")),
            format!("sessions/2026/01/04/{}", name("a-1")),
            format!("sessions/2026/01/04/{}", name("c-1")),
        ]
    );
    assert!(files.iter().all(|f| f.agent == Agent::Codex));
    let (tables, _) = scan(&files);
    let mut sessions: Vec<&str> = tables.turns.keys().map(|(_, s, _)| s.as_str()).collect();
    sessions.sort();
    assert_eq!(sessions, ["a-1", "b-1", "c-1"]);
}

#[test]
fn lines_without_a_timestamp_take_the_last_one_or_are_counted() {
    let dir = tmp("nots");
    let no_ts = |line: String| line.replacen(r#""timestamp":"2026-01-05T09:00:02.000Z","#, "", 1);
    let lines = vec![
        no_ts(tc("2026-01-05T09:00:02.000Z", (10, 1, 11), (10, 1, 11))), // nothing before it: skipped
        meta("2026-01-05T09:00:00.000Z", "t-1", ""),
        ctx("2026-01-05T09:00:00.100Z"),
        no_ts(tc(
            "2026-01-05T09:00:02.000Z",
            (100, 10, 110),
            (100, 10, 110),
        )), // takes 09:00:00.100
    ];
    write(
        &dir,
        "sessions/2026/01/05/rollout-2026-01-05T09-00-00-t-1.jsonl",
        &lines,
    );
    let files = sources::codex_files(&dir.join("sessions"));
    let mut parser = Parser::new(Prices::embedded());
    let mut tables = Tables::default();
    sources::scan(&files, &mut parser, &mut tables);
    assert_eq!(
        parser
            .skipped()
            .get(seqch_parse::SkipReason::MissingTimestamp),
        1
    );
    let turns: Vec<&String> = tables.turns.values().collect();
    assert_eq!(turns.len(), 1);
    assert!(
        turns[0].contains("ts_ms: 1767603600100,") && turns[0].contains("input_tokens: 100,"),
        "{}",
        turns[0]
    );
}
