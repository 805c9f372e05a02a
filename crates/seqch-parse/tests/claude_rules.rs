//! The Claude rules no public fixture exercises, on small synthetic transcripts: the reading
//! order of a session's main and sub-agent files, ties between a call's streamed lines, a tool
//! call's start, and the context window of 1M-token models.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use seqch_parse::sources::{self, LogFile};
use seqch_parse::{Parser, Prices, Sink};
use seqch_rows::{ToolCall, Turn};

/// The last row of every turn and tool call, by id.
#[derive(Default)]
struct Rows {
    turns: BTreeMap<String, (String, u32, String, f64, u32, u64)>,
    tools: BTreeMap<String, (u64, u32)>,
}

impl Sink for Rows {
    fn turn(&mut self, t: &Turn<'_>, _replaces: Option<&Turn<'_>>) {
        self.turns.insert(
            t.turn_id.into(),
            (
                t.session_id.into(),
                t.output_tokens,
                t.stop_reason.into(),
                t.cost_usd,
                t.context_window,
                t.ts_ms,
            ),
        );
    }
    fn tool_call(&mut self, c: &ToolCall<'_>) {
        self.tools.insert(c.call_id.into(), (c.ts_ms, c.dur_ms));
    }
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("seqch-claude-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &Path, rel: &str, lines: &[String]) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
}

fn scan(dir: &Path) -> Rows {
    let files: Vec<LogFile> = sources::claude_files(&[dir.to_path_buf()]);
    let mut rows = Rows::default();
    sources::scan(&files, &mut Parser::new(Prices::embedded()), &mut rows);
    rows
}

/// An assistant line; `message` is the inside of `message` after its id and model.
fn assistant(ts: &str, sidechain: bool, request: &str, id: &str, message: &str) -> String {
    format!(
        r#"{{"type":"assistant","timestamp":"{ts}","sessionId":"S1","cwd":"/w","isSidechain":{sidechain},"uuid":"u-{ts}","requestId":"{request}","message":{{"id":"{id}","model":"claude-sonnet-4-6","role":"assistant",{message}}}}}"#
    )
}

fn user(ts: &str, sidechain: bool, content: &str) -> String {
    format!(
        r#"{{"type":"user","timestamp":"{ts}","sessionId":"S1","cwd":"/w","isSidechain":{sidechain},"uuid":"v-{ts}","message":{{"role":"user","content":{content}}}}}"#
    )
}

fn usage(input: u64, output: u64) -> String {
    format!(
        r#""content":[{{"type":"text","text":"hi"}}],"stop_reason":null,"usage":{{"input_tokens":{input},"output_tokens":{output}}}"#
    )
}

/// A `/btw` side question replays the parent's calls under new request ids in
/// `S1/subagents/agent-aside_question-*.jsonl`. `S1/...` sorts before `S1.jsonl` by path
/// component, but the main file must be read first for the replay to be recognised.
#[test]
fn a_side_question_replaying_the_parent_does_not_count_twice() {
    let dir = tmp("aside");
    write(
        &dir,
        "p/S1.jsonl",
        &[
            assistant(
                "2026-03-18T10:00:00.000Z",
                false,
                "req_1",
                "msg_A",
                &usage(1000, 100),
            ),
            user("2026-03-18T10:00:05.000Z", false, r#""next""#),
        ],
    );
    write(
        &dir,
        "p/S1/subagents/agent-aside_question-abc.jsonl",
        &[
            assistant(
                "2026-03-18T10:00:00.000Z",
                true,
                "req_2",
                "msg_A",
                &usage(1000, 100),
            ),
            user("2026-03-18T10:00:05.000Z", true, r#""next""#),
            assistant(
                "2026-03-18T10:01:00.000Z",
                true,
                "req_9",
                "msg_B",
                &usage(5, 50),
            ),
        ],
    );
    let rows = scan(&dir);
    let ids: Vec<&str> = rows.turns.keys().map(String::as_str).collect();
    assert_eq!(ids, ["msg_A:req_1", "msg_B:req_9"]);
}

/// Two lines of one call with equal output: the later wins, unless only the earlier is the
/// final one (a `stop_reason`), which carries the call's pricing (`speed`) and how it ended.
#[test]
fn a_tie_on_output_keeps_the_line_with_a_stop_reason() {
    let dir = tmp("tie");
    let body = |stop: &str, speed: &str| {
        format!(
            r#""content":[{{"type":"text","text":"hi"}}],"stop_reason":{stop},"usage":{{"input_tokens":10,"output_tokens":500{speed}}}"#
        )
    };
    let fast = r#","speed":"fast""#;
    write(
        &dir,
        "p/S1.jsonl",
        &[
            assistant(
                "2026-03-18T10:00:00.000Z",
                false,
                "r1",
                "m1",
                &body("null", ""),
            ),
            assistant(
                "2026-03-18T10:00:01.000Z",
                false,
                "r1",
                "m1",
                &body(r#""end_turn""#, fast),
            ),
            assistant(
                "2026-03-18T10:00:02.000Z",
                false,
                "r1",
                "m1",
                &body("null", ""),
            ),
            assistant(
                "2026-03-18T10:01:00.000Z",
                false,
                "r2",
                "m2",
                &body("null", ""),
            ),
            assistant(
                "2026-03-18T10:01:01.000Z",
                false,
                "r2",
                "m2",
                &body("null", fast),
            ),
        ],
    );
    let rows = scan(&dir);
    let (stop, cost) = (&rows.turns["m1:r1"].2, rows.turns["m1:r1"].3);
    assert_eq!(stop, "end_turn");
    // sonnet-4-6 has no fast multiplier: 10 × $3 + 500 × $15 per million.
    assert!((cost - 0.00753).abs() < 1e-12, "{cost}");
    // Neither is final: the later line wins.
    assert_eq!(rows.turns["m2:r2"].2, "");
}

/// A tool call starts with the first line of its message (the model's text or thinking before
/// the `tool_use` block are lines of their own).
#[test]
fn a_tool_call_starts_at_the_first_line_of_its_message() {
    let dir = tmp("toolstart");
    let tool_use = r#""content":[{"type":"tool_use","id":"toolu_1","name":"Bash","input":{"command":"ls"}}],"stop_reason":"tool_use","usage":{"input_tokens":10,"output_tokens":40}"#;
    write(
        &dir,
        "p/S1.jsonl",
        &[
            assistant("2026-03-18T10:00:00.000Z", false, "r1", "m1", &usage(10, 5)),
            assistant("2026-03-18T10:00:20.000Z", false, "r1", "m1", tool_use),
            user(
                "2026-03-18T10:00:21.000Z",
                false,
                r#"[{"type":"tool_result","tool_use_id":"toolu_1","content":"ok","is_error":false}]"#,
            ),
        ],
    );
    let rows = scan(&dir);
    assert_eq!(rows.turns["m1:r1"].5, 1_773_828_000_000);
    assert_eq!(rows.tools["toolu_1"], (1_773_828_000_000, 21_000));
}

#[test]
fn models_with_a_million_token_window_report_it() {
    let dir = tmp("window");
    write(
        &dir,
        "p/S1.jsonl",
        &[assistant(
            "2026-03-18T10:00:00.000Z",
            false,
            "r1",
            "m1",
            &usage(400_000, 5),
        )],
    );
    assert_eq!(scan(&dir).turns["m1:r1"].4, 1_000_000);
}
