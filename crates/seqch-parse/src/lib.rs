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
//! let mut files = sources::claude_files(&sources::default_claude_dirs());
//! files.extend(sources::codex_files(&sources::default_codex_dir()));
//! let mut parser = Parser::new(Prices::embedded());
//! let mut summary = Summary::new(jiff::tz::TimeZone::UTC);
//! sources::scan(&files, &mut parser, &mut summary);
//! summary.write_json(parser.skipped(), parser.unpriced(), &mut std::io::stdout()).unwrap();
//! ```
//!
//! Lines are parsed in place with simd-json into a reused tape, and strings are borrowed from
//! the line, so a line that starts no new call or tool call allocates nothing. Streaming,
//! restarts and bad input are covered on [`Parser`]. The counting rules, which decide every
//! number, follow.
#![doc = include_str!("../COUNTING.md")]

mod claude;
mod codex;
mod json;
mod parser;
pub mod pricing;
pub mod redact;
pub mod skipped;
pub mod sources;
pub mod summary;
pub mod time;

pub use parser::{Agent, FileId, MAX_LINE_BYTES, NullSink, Parser, Sink};
pub use pricing::Prices;
pub use skipped::{SkipReason, Skipped};
pub use summary::Summary;
