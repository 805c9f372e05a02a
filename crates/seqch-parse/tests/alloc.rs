//! Parsing a line that starts no new call or tool call allocates nothing once the parser has
//! warmed up, and a cold first pass allocates far less than once per line.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::{Path, PathBuf};

use seqch_parse::{Agent, NullSink, Parser, Prices, Sink};
use seqch_rows::{ToolCall, Turn};

/// Counts new calls and tool calls without allocating.
#[derive(Default)]
struct Count(u64);

impl Sink for Count {
    fn turn(&mut self, _: &Turn<'_>, replaces: Option<&Turn<'_>>) {
        self.0 += u64::from(replaces.is_none());
    }
    fn tool_call(&mut self, _: &ToolCall<'_>) {
        self.0 += 1;
    }
}

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|a| a.set(a.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|a| a.set(a.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

fn fixture(rel: &str) -> (PathBuf, Vec<u8>) {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/cases")
        .join(rel);
    let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    (p, bytes)
}

const CLAUDE: &str = "claude-spotter-2.1.39-subagents/claude/projects/-home-USER-projects-spotter-worktrees-spotter-gqc/258c7280-ae70-4798-800f-63464d01a85d.jsonl";
const CODEX: &str = "codex-localpush-compaction/codex/sessions/2026/02/23/rollout-2026-02-23T12-54-34-019c8a59-e9dd-71f0-9ae3-4079fe9726a9.jsonl";

/// Feeds `bytes` in pieces of 256 KiB (each line indexed on this thread, see
/// `claude_lines_of_known_calls_allocate_nothing`).
fn feed_in_pieces(
    parser: &mut Parser,
    file: seqch_parse::FileId,
    bytes: &mut [u8],
    sink: &mut dyn Sink,
) {
    let mut at = 0;
    while at < bytes.len() {
        let end = (at + (256 << 10)).min(bytes.len());
        let used = parser.feed(file, at as u64, &mut bytes[at..end], sink);
        assert!(used > 0, "a line longer than a piece");
        at += used;
    }
}

#[test]
fn claude_lines_of_known_calls_allocate_nothing() {
    let (path, bytes) = fixture(CLAUDE);
    let lines = bytes.iter().filter(|b| **b == b'\n').count() as u64;
    let mut parser = Parser::new(Prices::embedded());
    // The redaction patterns compile once per process, on first use: not per line.
    let _ = seqch_rows::redact::redact("warm up: token=abc sk-ant-0123456789abcdef");

    let cold = parser.open(Agent::Claude, &path);
    let mut first = bytes.clone();
    let mut rows = Count::default();
    let before = allocations();
    feed_in_pieces(&mut parser, cold, &mut first, &mut rows);
    parser.finish(&mut rows);
    let first_pass = allocations() - before;
    // A cold pass allocates per new call or tool call (its key and strings), never per line.
    assert!(
        first_pass <= 8 * rows.0 + 200,
        "{first_pass} allocations for {} new calls and tool calls in {lines} lines",
        rows.0
    );

    // The same transcript again (a resume copy): every call and tool call is already known.
    // Fed with `Parser::feed`, every line is indexed on this thread: nothing allocates.
    let copy = parser.open(Agent::Claude, &path.with_file_name("copy.jsonl"));
    let mut again = bytes.clone();
    let before = allocations();
    feed_in_pieces(&mut parser, copy, &mut again, &mut NullSink);
    assert_eq!(
        allocations() - before,
        0,
        "steady-state allocations over {lines} lines"
    );

    // Fed whole (2.7 MB), the pieces are indexed ahead on a helper thread: starting it and
    // its two queues allocates a few times per call, never per line (measured on the second
    // such call, once the pieces' indexes have grown).
    let mut whole = 0;
    for name in ["copy2.jsonl", "copy3.jsonl"] {
        let copy = parser.open(Agent::Claude, &path.with_file_name(name));
        let mut again = bytes.clone();
        let before = allocations();
        parser.feed(copy, 0, &mut again, &mut NullSink);
        whole = allocations() - before;
    }
    assert!(
        whole <= 16,
        "{whole} allocations for one call over {lines} lines"
    );
}

#[test]
fn codex_lines_that_bill_nothing_allocate_nothing() {
    let (path, bytes) = fixture(CODEX);
    let mut parser = Parser::new(Prices::embedded());
    let file = parser.open(Agent::Codex, &path);
    let used = parser.feed(file, 0, &mut bytes.clone(), &mut NullSink);

    // After the file: repeats of its last cumulative totals, messages, reasoning and turn
    // contexts, as a live session writes between calls.
    let last_count = bytes
        .split(|b| *b == b'\n')
        .rfind(|l| {
            l.windows(13).any(|w| w == b"\"token_count\"")
                && l.windows(18).any(|w| w == b"total_token_usage\"")
        })
        .expect("a token_count line")
        .to_vec();
    let mut tail = Vec::new();
    for _ in 0..200 {
        tail.extend_from_slice(&last_count);
        tail.push(b'\n');
        tail.extend_from_slice(br#"{"timestamp":"2026-02-24T10:00:00.000Z","type":"event_msg","payload":{"type":"agent_message","message":"working on it \u2026 \"quoted\""}}"#);
        tail.push(b'\n');
        tail.extend_from_slice(br#"{"timestamp":"2026-02-24T10:00:00.000Z","type":"response_item","payload":{"type":"reasoning","summary":[{"type":"summary_text","text":"**Thinking**"}],"content":null,"encrypted_content":"gAAAAABo9"}}"#);
        tail.push(b'\n');
        tail.extend_from_slice(br#"{"timestamp":"2026-02-24T10:00:00.000Z","type":"turn_context","payload":{"cwd":"/redacted","model":"gpt-5.3-codex","summary":"auto"}}"#);
        tail.push(b'\n');
    }
    // Warm the buffers on one round, then count.
    let round = tail.len() / 200;
    parser.feed(
        file,
        used as u64,
        &mut tail[..round].to_vec(),
        &mut NullSink,
    );
    let mut rest = tail[round..].to_vec();
    let before = allocations();
    parser.feed(file, (used + round) as u64, &mut rest, &mut NullSink);
    assert_eq!(
        allocations() - before,
        0,
        "allocations over {} lines",
        199 * 4
    );
}
