//! Bad input is counted per kind and skipped; it never panics and never costs a neighbour line.

mod common;

use std::path::Path;

use common::Tables;
use proptest::prelude::*;
use seqch_parse::{Agent, Parser, Prices, SkipReason};

const CLAUDE_GOOD: &[&str] = &[
    r#"{"type":"user","sessionId":"s1","timestamp":"2026-03-18T09:00:00.000Z","cwd":"/p","message":{"role":"user","content":"hi"}}"#,
    r#"{"type":"assistant","sessionId":"s1","timestamp":"2026-03-18T09:00:01.000Z","requestId":"r1","message":{"id":"m1","model":"claude-opus-4-6","stop_reason":null,"content":[{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"ls"}}],"usage":{"input_tokens":10,"cache_read_input_tokens":100,"cache_creation_input_tokens":5,"output_tokens":3}}}"#,
    r#"{"type":"assistant","sessionId":"s1","timestamp":"2026-03-18T09:00:02.000Z","requestId":"r1","message":{"id":"m1","model":"claude-opus-4-6","stop_reason":"tool_use","content":[],"usage":{"input_tokens":10,"cache_read_input_tokens":100,"cache_creation_input_tokens":5,"output_tokens":42}}}"#,
    r#"{"type":"user","sessionId":"s1","timestamp":"2026-03-18T09:00:03.000Z","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"a\nb\n","is_error":false}]}}"#,
];

const CODEX_GOOD: &[&str] = &[
    r#"{"timestamp":"2026-05-11T08:27:17.490Z","type":"session_meta","payload":{"id":"th-1","timestamp":"2026-05-11T08:26:55.042Z","cwd":"/p","cli_version":"0.125.0"}}"#,
    r#"{"timestamp":"2026-05-11T08:27:17.493Z","type":"turn_context","payload":{"model":"gpt-5.5","cwd":"/p"}}"#,
    r#"{"timestamp":"2026-05-11T08:27:22.767Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":100,"cached_input_tokens":40,"output_tokens":7,"reasoning_output_tokens":2,"total_tokens":107},"last_token_usage":{"input_tokens":100,"cached_input_tokens":40,"output_tokens":7,"reasoning_output_tokens":2,"total_tokens":107},"model_context_window":258400},"rate_limits":null}}"#,
    r#"{"timestamp":"2026-05-11T08:27:23.000Z","type":"response_item","payload":{"type":"function_call","name":"shell_command","arguments":"{\"command\":\"ls\"}","call_id":"c1"}}"#,
    r#"{"timestamp":"2026-05-11T08:27:24.000Z","type":"response_item","payload":{"type":"function_call_output","call_id":"c1","output":"Exit code: 1\nWall time: 0.2 seconds\nOutput:\nno"}}"#,
    r#"{"timestamp":"2026-05-11T08:27:30.000Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":300,"cached_input_tokens":140,"output_tokens":17,"reasoning_output_tokens":2,"total_tokens":317},"last_token_usage":{"input_tokens":200,"cached_input_tokens":100,"output_tokens":10,"reasoning_output_tokens":0,"total_tokens":210},"model_context_window":258400},"rate_limits":null}}"#,
];

/// Bad lines of every kind, with the reason each is counted under by the Claude and by the
/// Codex parser (`None`: a good line that is parsed, not skipped).
fn bad_lines() -> Vec<(Vec<u8>, Option<SkipReason>, Option<SkipReason>)> {
    use SkipReason::*;
    let mut v: Vec<(Vec<u8>, Option<SkipReason>, Option<SkipReason>)> = vec![
        (b"{\"type\":\"assistant\",".to_vec(), Some(MalformedJson), Some(MalformedJson)),
        (b"not json at all".to_vec(), Some(MalformedJson), Some(MalformedJson)),
        (b"[1,2,3]".to_vec(), Some(MalformedJson), Some(MalformedJson)),
        (b"\"a string\"".to_vec(), Some(MalformedJson), Some(MalformedJson)),
        (b"{\"type\":\"user\",\"sessionId\":\"s1\",\"x\":\"\xff\xfe\"}".to_vec(), Some(InvalidUtf8), Some(InvalidUtf8)),
        // Not UTF-8 and not closed: UTF-8 is looked at first.
        (b"{\"type\":\"user\",\"x\":\"\xe2\x82".to_vec(), Some(InvalidUtf8), Some(InvalidUtf8)),
        (br#"{"type":"brand-new-type","sessionId":"s1"}"#.to_vec(), Some(UnknownType), Some(UnknownType)),
        (
            br#"{"type":"assistant","sessionId":"s1","timestamp":"2026-03-18T09:00:04.000Z","message":{"id":"m9","usage":{"input_tokens":"ten"}}}"#.to_vec(),
            Some(BadField),
            Some(UnknownType),
        ),
        (br#"{"type":"assistant","sessionId":42,"timestamp":"2026-03-18T09:00:04.000Z"}"#.to_vec(), Some(BadField), Some(UnknownType)),
        (br#"{"type":"user","sessionId":"s1","timestamp":"yesterday"}"#.to_vec(), Some(BadField), Some(BadField)),
        (
            br#"{"timestamp":"2026-05-11T08:27:25.000Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":[1]}}}}"#.to_vec(),
            Some(UnknownType),
            Some(BadField),
        ),
        (br#"{"timestamp":"2026-05-11T08:27:25.000Z","type":"holographic_item","payload":{}}"#.to_vec(), Some(UnknownType), Some(UnknownType)),
    ];
    // A 5 MB line (a pasted image): valid JSON, parsed without trouble by Claude's parser.
    let big = format!(
        r#"{{"type":"user","sessionId":"s1","timestamp":"2026-03-18T09:00:00.500Z","message":{{"role":"user","content":[{{"type":"image","source":{{"data":"{}"}}}}]}}}}"#,
        "A".repeat(5 << 20)
    );
    v.push((big.into_bytes(), None, Some(UnknownType)));
    v
}

fn run(agent: Agent, name: &str, lines: &[Vec<u8>]) -> (Tables, Parser) {
    let mut parser = Parser::new(Prices::embedded());
    let id = parser.open(agent, Path::new(name));
    let mut bytes = Vec::new();
    for l in lines {
        bytes.extend_from_slice(l);
        bytes.push(b'\n');
    }
    let mut tables = Tables::default();
    let len = bytes.len() as u64;
    let fed = parser.feed_from(id, 0, &mut &bytes[..], len, &mut Vec::new(), &mut tables);
    assert_eq!(fed.expect("reading from memory").used, len);
    parser.finish(&mut tables);
    (tables, parser)
}

/// `run`, but fed one line per call: each line is indexed on the calling thread, where `run`
/// reads and indexes its multi-megabyte input ahead on a second thread.
fn run_line_by_line(agent: Agent, name: &str, lines: &[Vec<u8>]) -> (Tables, Parser) {
    let mut parser = Parser::new(Prices::embedded());
    let id = parser.open(agent, Path::new(name));
    let mut tables = Tables::default();
    let mut offset = 0;
    for l in lines {
        let mut bytes = l.clone();
        bytes.push(b'\n');
        assert_eq!(
            parser.feed(id, offset, &mut bytes, &mut tables),
            bytes.len()
        );
        offset += bytes.len() as u64;
    }
    parser.finish(&mut tables);
    (tables, parser)
}

/// Rows without `turn_id`, which for Codex is the line's byte offset and so moves when lines
/// are inserted before it.
fn without_ids(t: &Tables) -> Vec<String> {
    let mut v: Vec<String> = t
        .turns
        .values()
        .map(|r| r.split(", turn_id: ").next().unwrap_or_default().to_owned())
        .collect();
    v.sort();
    v
}

fn check(agent: Agent, name: &str, good: &[&str]) {
    let good: Vec<Vec<u8>> = good.iter().map(|l| l.as_bytes().to_vec()).collect();
    let (want, clean) = run(agent, name, &good);
    assert_eq!(clean.skipped().total(), 0);
    assert!(!want.turns.is_empty() && !want.tool_calls.is_empty());

    // Every bad line before every good line.
    let bad = bad_lines();
    let mut mixed = Vec::new();
    for g in &good {
        for (b, _, _) in &bad {
            mixed.push(b.clone());
        }
        mixed.push(g.clone());
    }
    let (got, parser) = run(agent, name, &mixed);
    let (one_by_one, sequential) = run_line_by_line(agent, name, &mixed);
    assert_eq!(got.turns, one_by_one.turns);
    assert_eq!(got.tool_calls, one_by_one.tool_calls);
    assert_eq!(got.sessions, one_by_one.sessions);
    assert_eq!(parser.skipped(), sequential.skipped());
    assert_eq!(without_ids(&got), without_ids(&want));
    assert_eq!(
        got.tool_calls.values().collect::<Vec<_>>(),
        want.tool_calls.values().collect::<Vec<_>>()
    );
    assert_eq!(got.sessions.len(), want.sessions.len());
    for reason in SkipReason::ALL {
        let per_good = bad
            .iter()
            .filter(|(_, claude, codex)| {
                (if agent == Agent::Claude {
                    *claude
                } else {
                    *codex
                }) == Some(reason)
            })
            .count();
        assert_eq!(
            parser.skipped().get(reason),
            (per_good * good.len()) as u64,
            "{agent:?} {reason:?}"
        );
    }
}

#[test]
fn claude_bad_lines_are_counted_and_skipped() {
    check(Agent::Claude, "s1.jsonl", CLAUDE_GOOD);
}

#[test]
fn codex_bad_lines_are_counted_and_skipped() {
    check(
        Agent::Codex,
        "rollout-2026-05-11T11-26-55-th-1.jsonl",
        CODEX_GOOD,
    );
}

#[test]
fn absurd_token_counts_saturate_instead_of_overflowing() {
    let max = u64::MAX;
    let claude = format!(
        r#"{{"type":"assistant","sessionId":"s1","timestamp":"2026-03-18T09:00:01.000Z","requestId":"r1","message":{{"id":"m1","model":"claude-opus-4-6","usage":{{"input_tokens":{max},"cache_read_input_tokens":{max},"cache_creation_input_tokens":{max},"cache_creation":{{"ephemeral_5m_input_tokens":{max},"ephemeral_1h_input_tokens":{max}}},"output_tokens":{max}}}}}}}"#
    );
    let (tables, parser) = run(Agent::Claude, "s1.jsonl", &[claude.into_bytes()]);
    assert_eq!(parser.skipped().total(), 0);
    assert_eq!(tables.turns.len(), 1);
    let codex = [
        CODEX_GOOD[0].to_owned(),
        format!(
            r#"{{"timestamp":"2026-05-11T08:27:22.767Z","type":"event_msg","payload":{{"type":"token_count","info":{{"total_token_usage":{{"input_tokens":{max},"output_tokens":{max},"total_tokens":{max}}},"last_token_usage":{{"input_tokens":{max},"output_tokens":{max},"total_tokens":{max}}}}},"rate_limits":{{"primary":{{"used_percent":1.0,"resets_in_seconds":{max}}}}}}}}}"#
        ),
    ];
    let lines: Vec<Vec<u8>> = codex.iter().map(|l| l.clone().into_bytes()).collect();
    let (tables, _) = run(
        Agent::Codex,
        "rollout-2026-05-11T11-26-55-th-1.jsonl",
        &lines,
    );
    assert_eq!(tables.turns.len(), 1);
}

#[test]
fn nulls_are_absent_fields() {
    let line = r#"{"type":"assistant","sessionId":"s1","timestamp":"2026-03-18T09:00:01.000Z","requestId":null,"cwd":null,"message":{"id":"m1","model":"claude-opus-4-6","stop_reason":null,"content":null,"usage":{"input_tokens":10,"cache_read_input_tokens":null,"cache_creation_input_tokens":null,"output_tokens":3,"cache_creation":null}}}"#;
    let (tables, parser) = run(Agent::Claude, "s1.jsonl", &[line.as_bytes().to_vec()]);
    assert_eq!(parser.skipped().total(), 0);
    assert_eq!(tables.turns.len(), 1);
    let turn = tables.turns.values().next().unwrap();
    assert!(
        turn.contains("input_tokens: 10,") && turn.contains("output_tokens: 3,"),
        "{turn}"
    );
}

#[test]
fn truncated_last_line_waits_and_is_reported_only_at_the_end_of_a_pass() {
    let mut parser = Parser::new(Prices::embedded());
    let id = parser.open(Agent::Claude, Path::new("s1.jsonl"));
    let full = format!("{}\n{}", CLAUDE_GOOD[0], &CLAUDE_GOOD[1][..40]);
    let mut bytes = full.clone().into_bytes();
    let used = parser.feed(id, 0, &mut bytes, &mut seqch_parse::NullSink);
    assert_eq!(used, CLAUDE_GOOD[0].len() + 1);
    assert_eq!(parser.skipped().total(), 0);
    parser.incomplete_tail(full.len() - used);
    assert_eq!(parser.skipped().get(SkipReason::IncompleteTail), 1);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Arbitrary bytes, and real lines with bytes flipped, cut or spliced, never panic.
    #[test]
    fn no_input_panics(
        noise in prop::collection::vec(any::<u8>(), 0..2000),
        pick in 0usize..10,
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let all: Vec<&str> = CLAUDE_GOOD.iter().chain(CODEX_GOOD).copied().collect();
        let mut line = all[pick % all.len()].as_bytes().to_vec();
        for (at, byte) in flips {
            let i = at.index(line.len());
            line[i] = byte;
        }
        line.truncate(cut.index(line.len() + 1));
        for agent in [Agent::Claude, Agent::Codex] {
            let lines = vec![noise.clone(), line.clone(), all[0].as_bytes().to_vec()];
            let _ = run(agent, "rollout-2026-05-11T11-26-55-x.jsonl", &lines);
        }
    }
}

/// Over a megabyte of short lines fed at once is indexed ahead on a second thread in sub-pieces
/// cut at line ends; with `\r\n`, blank and bad lines at every cut, it reads exactly as the
/// same bytes fed a line per call.
#[test]
fn short_lines_cut_into_sub_pieces_read_as_line_by_line() {
    let bad: Vec<Vec<u8>> = bad_lines()
        .into_iter()
        .map(|(l, _, _)| l)
        .filter(|l| l.len() < 1000)
        .collect();
    let ends: [&[u8]; 4] = [b"\n", b"\r\n", b"\n\n", b"\r\n\r\n"];
    let mut bytes = Vec::new();
    let (mut n, mut call) = (0, 0);
    while bytes.len() < 3 << 19 {
        call += 1;
        for good in CLAUDE_GOOD {
            let line = good
                .replace("\"m1\"", &format!("\"m{call}\""))
                .replace("\"r1\"", &format!("\"r{call}\""))
                .replace("\"t1\"", &format!("\"t{call}\""));
            bytes.extend_from_slice(line.as_bytes());
            bytes.extend_from_slice(ends[n % ends.len()]);
            bytes.extend_from_slice(&bad[n % bad.len()]);
            bytes.extend_from_slice(ends[(n / 4) % ends.len()]);
            n += 1;
        }
    }

    let read = |line_per_call: bool| {
        let mut parser = Parser::new(Prices::embedded());
        let id = parser.open(Agent::Claude, Path::new("s1.jsonl"));
        let mut tables = Tables::default();
        let mut all = bytes.clone();
        let mut at = 0;
        while at < all.len() {
            let end = if line_per_call {
                at + all[at..].iter().position(|&b| b == b'\n').unwrap() + 1
            } else {
                all.len()
            };
            at += parser.feed(id, at as u64, &mut all[at..end], &mut tables);
        }
        parser.finish(&mut tables);
        (tables, parser)
    };
    let (whole, whole_parser) = read(false);
    let (by_line, by_line_parser) = read(true);
    assert!(whole.tool_calls.len() > 1000, "{}", whole.tool_calls.len());
    assert_eq!(whole.turns, by_line.turns);
    assert_eq!(whole.tool_calls, by_line.tool_calls);
    assert_eq!(whole.sessions, by_line.sessions);
    assert_eq!(whole_parser.skipped(), by_line_parser.skipped());
    assert!(whole_parser.skipped().get(SkipReason::MalformedJson) > 1000);
}
