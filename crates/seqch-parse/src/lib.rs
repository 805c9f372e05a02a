//! Zero-copy parsers for Claude Code and Codex session logs, with exact token accounting.
//!
//! `seqch-parse` turns the JSON Lines that Claude Code (`~/.claude/projects/**.jsonl`) and Codex
//! (`~/.codex/sessions/**/rollout-*.jsonl`) write into the rows of `seqch-rows`: one
//! [`Turn`](seqch_rows::Turn) per billed model call, one [`ToolCall`](seqch_rows::ToolCall) per
//! tool execution, Codex [`RateLimit`](seqch_rows::RateLimit) snapshots and
//! [`Session`](seqch_rows::Session) snapshots. It is used by `seqch-tail` (the daemon and the
//! offline `summary`) and by anything else that needs the numbers.
//!
//! ```no_run
//! use seqch_parse::{Parser, Prices, Summary, sources};
//!
//! let files = sources::all_files(&[], None); // ~/.claude/projects, ~/.codex/sessions, …
//! let mut parser = Parser::new(Prices::embedded());
//! let mut summary = Summary::new(jiff::tz::TimeZone::UTC);
//! sources::scan(&files, &mut parser, &mut summary);
//! summary.write_json(parser.skipped(), parser.unpriced(), &mut std::io::stdout()).unwrap();
//! ```
//!
//! Lines are indexed in place (structure only: a string's end is found 64 bytes at a time, and
//! a string is unescaped only when it is read), and strings are borrowed from the line, so a
//! line that starts no new call or tool call allocates nothing (proved by a counting allocator in
//! `tests/alloc.rs`). Tool outputs are measured on their escaped bytes without being decoded.
//! A read of 128 KiB or more (a backfill) is read and indexed ahead on a second thread (started
//! once per parser, and lent the read's buffer for the call), up to 256 KiB at a time, while
//! the calling thread applies the lines already indexed, in order. The two share the work line
//! by line: the calling thread indexes the rest of a piece itself rather than wait for it, and
//! whichever thread is ahead checks the lines' UTF-8. The rows are the same either way
//! (`tests/bad_input.rs`, `tests/streaming.rs`, and `Parser::apply_piece`'s test).
//! Streaming, restarts and bad input are covered on [`Parser`]. The counting rules, which decide
//! every number, follow the performance notes.
//!
//! # Performance (measured 2026-11-25, 2-core x86_64)
//!
//! `SEQCH_BENCH_MB=64 cargo bench -p seqch-bench --bench parse` parses a generated 64 MiB corpus
//! (two thirds Claude, one third Codex, tool outputs from 50 B to 400 KB, an escape every ~20
//! bytes of text), each file fed whole, and, in the same run, a `serde_json::Value` baseline
//! that extracts the same fields:
//!
//! | | time | throughput | lines/s |
//! |---|---|---|---|
//! | seqch | 35.2 ms | 1.78 GiB/s | 1.07 M |
//! | `serde_json::Value` baseline | 217.7 ms | 294 MiB/s | 172 k |
//!
//! seqch is 6.2× the baseline (a second run: 40.8 against 227.0 ms, 5.6×; by lines 32.3
//! against 219.8 ms, 6.8×). Earlier the same day it was 42.5 against 235.5 ms (5.5×), and the
//! day before 66.1 against 215.5 ms (3.3×). What changed: the second thread is kept for the
//! parser's life (a thread started per read ran on its starter's core for part of the read);
//! before every line it asks whether the applying thread is waiting, and then hands the piece
//! over as far as it is indexed, the rest to be indexed where it is applied; whichever thread
//! is ahead checks the lines' UTF-8; the applying thread reads and applies a read's first
//! piece itself while the other wakes; and the string-end scan counts long strings' escapes,
//! so measuring a tool output is a lookup instead of a second pass. The parser issue's goal of
//! 1 GB/s is met on two cores, not on one.
//!
//! Against ccusage 20.0.24 (native) on the Claude part of a 211 MB generated corpus
//! (`cargo run --release -p seqch-bench -- gen --mb 200 --out /tmp/corpus`, 136 MB of Claude
//! logs), wall time of `seqch-tail summary --claude-dir /tmp/corpus/claude/projects --json` was
//! 0.25 s against 0.61 s for `CLAUDE_CONFIG_DIR=/tmp/corpus/claude ccusage daily --json
//! --offline` (2.4× faster), with identical totals: 11,990 calls, 12,173,743 output tokens,
//! 1,018,285,375 cache-read and 29,944,665 cache-write tokens, $1000.9098.
#![doc = include_str!("../COUNTING.md")]

mod claude;
mod codex;
mod json;
mod parser;
pub mod pricing;
mod review;
pub mod skipped;
pub mod sources;
pub mod summary;
pub mod time;

pub use parser::{Agent, Fed, FileId, MAX_LINE_BYTES, NullSink, Parser, Sink};
pub use pricing::Prices;
pub use skipped::{SkipReason, Skipped};
pub use summary::Summary;
