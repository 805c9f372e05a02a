//! Row types for every table seqch writes, one struct per ClickHouse table.
//!
//! This crate is the only thing the parser (`seqch-parse`) and the writer (`seqch-writer`) share,
//! the way ripgrep's `grep-matcher` sits between its searcher and its regex engines: the parser
//! produces these rows, the writer consumes them, and neither depends on the other.
//!
//! Rows borrow their strings (`&'a str`), so a row costs no allocation to build; whoever keeps
//! a row beyond the borrow (the writer's queue) encodes or copies it.
//!
//! Field order and names match the columns in `sql/migrations`: the first columns of each agent
//! table are exactly the deployed v1 columns (see `sql/README.md`), and what seqch adds comes
//! after them.
//!
//! # One meaning per token column, for both agents
//! - `input_tokens`: every prompt token of the call. Claude: `input_tokens +
//!   cache_creation_input_tokens + cache_read_input_tokens`; Codex: `input_tokens` (already
//!   includes cached tokens).
//! - `cached_tokens`: prompt tokens read from cache (Claude `cache_read_input_tokens`, Codex
//!   `cached_input_tokens`); a subset of `input_tokens`.
//! - `cache_write_tokens`: prompt tokens written to cache (Claude
//!   `cache_creation_input_tokens`, split into `cache_write_5m_tokens` and
//!   `cache_write_1h_tokens` for pricing; Codex `cache_write_input_tokens`); a subset of
//!   `input_tokens`.
//! - `output_tokens`: every generated token, reasoning included.
//! - `reasoning_tokens`: Codex `reasoning_output_tokens`; a subset of `output_tokens`.
//!
//! So `cached_tokens / input_tokens` is the cache-hit ratio for either agent.

pub mod redact;

use serde::Serialize;

#[cfg(feature = "clickhouse")]
use clickhouse::Row;

/// Where a row type is stored.
pub trait Table {
    /// The database the table lives in by default.
    const DATABASE: &'static str;
    /// The table name inside its database.
    const NAME: &'static str;
}

macro_rules! table {
    ($row:ident, $db:literal, $name:literal) => {
        impl Table for $row<'_> {
            const DATABASE: &'static str = $db;
            const NAME: &'static str = $name;
        }
    };
}

/// `agent.sessions`: the latest snapshot of one agent session (ReplacingMergeTree on `ts_ms`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "clickhouse", derive(Row))]
pub struct Session<'a> {
    /// Last activity, in ms since the epoch; the snapshot's version.
    pub ts_ms: u64,
    pub session_id: &'a str,
    pub agent: &'a str,
    /// The model of the session's latest call.
    pub model: &'a str,
    pub project_path: &'a str,
    pub git_branch: &'a str,
    pub git_commit: &'a str,
    pub dur_ms: u64,
    /// Billed model calls.
    pub turns: u32,
    pub total_input_tokens: u64,
    pub total_output_tokens: u64,
    pub total_cost_usd: f64,
    /// First activity, in ms since the epoch.
    pub first_ts_ms: u64,
    pub total_cached_tokens: u64,
    pub total_cache_write_tokens: u64,
    pub total_reasoning_tokens: u64,
    pub tool_calls: u32,
    pub failed_tool_calls: u32,
    /// The session this one was forked or spawned from (Codex), empty otherwise.
    pub parent_session_id: &'a str,
    /// How the session was started: `cli`, `vscode`, `exec`, `subagent:review`, … (empty if unknown).
    pub source: &'a str,
    pub cli_version: &'a str,
}
table!(Session, "agent", "sessions");

/// `agent.turns`: one billed model call.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "clickhouse", derive(Row))]
pub struct Turn<'a> {
    pub ts_ms: u64,
    pub session_id: &'a str,
    /// Position of the call in its session, from 0.
    pub turn_index: u32,
    pub agent: &'a str,
    pub model: &'a str,
    pub input_tokens: u32,
    pub output_tokens: u32,
    pub cached_tokens: u32,
    pub reasoning_tokens: u32,
    pub dur_ms: u32,
    pub cost_usd: f64,
    pub stop_reason: &'a str,
    pub is_error: u8,
    pub context_window: u32,
    pub context_used_pct: f32,
    /// Stable identity of the call: Claude `message.id[:requestId]`, Codex
    /// `response_id` or `<thread>:<cumulative total>`; the replay key.
    pub turn_id: &'a str,
    pub cache_write_tokens: u32,
    pub cache_write_5m_tokens: u32,
    pub cache_write_1h_tokens: u32,
    pub project_path: &'a str,
}
table!(Turn, "agent", "turns");

/// `agent.tool_calls`: one tool execution with its outcome.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "clickhouse", derive(Row))]
pub struct ToolCall<'a> {
    pub ts_ms: u64,
    pub session_id: &'a str,
    /// `turn_index` of the model call that issued the tool call.
    pub turn_index: u32,
    pub agent: &'a str,
    pub tool_name: &'a str,
    /// Command, path, pattern or URL, at most 256 bytes, secrets redacted.
    pub input_summary: &'a str,
    pub dur_ms: u32,
    pub ok: u8,
    pub output_lines: u32,
    pub output_bytes: u32,
    /// The agent's id of the call (`toolu_…`, `call_…`); the replay key.
    pub call_id: &'a str,
    pub turn_id: &'a str,
    pub project_path: &'a str,
}
table!(ToolCall, "agent", "tool_calls");

/// `agent.rate_limits`: one Codex rate-limit window as seen at `ts_ms`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "clickhouse", derive(Row))]
pub struct RateLimit<'a> {
    pub ts_ms: u64,
    pub session_id: &'a str,
    pub agent: &'a str,
    /// `codex`, … (empty when the log does not say).
    pub limit_id: &'a str,
    /// `primary` or `secondary`.
    pub window: &'a str,
    pub used_percent: f64,
    pub window_minutes: u32,
    /// Unix seconds when the window resets; 0 when unknown.
    pub resets_at: u64,
    pub plan_type: &'a str,
}
table!(RateLimit, "agent", "rate_limits");

/// `agent.reviews`: one Codex code review (`/review`, `review/start`) and its outcome; the row
/// with the largest `version` wins (ReplacingMergeTree).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "clickhouse", derive(Row))]
pub struct Review<'a> {
    /// When the review ended (or, while it runs, its last event), in ms since the epoch.
    pub ts_ms: u64,
    /// `<parent thread id>:<root turn id>`: the same whoever reads the rollout.
    pub review_id: &'a str,
    /// The thread the review ran in (its parent session).
    pub session_id: &'a str,
    pub agent: &'a str,
    pub project_path: &'a str,
    /// `uncommittedChanges`, `baseBranch`, `commit` or `custom`.
    pub target_kind: &'a str,
    /// The branch, the commit (`sha title`) or the instructions; empty for uncommitted changes.
    pub target_value: &'a str,
    /// `completed`, `interrupted` or `failed`.
    pub status: &'a str,
    /// The failure's message (`failed`), empty otherwise.
    pub error: &'a str,
    /// `overall_correctness` (`patch is correct` / `patch is incorrect`); empty without output.
    pub verdict: &'a str,
    /// `overall_confidence_score`, 0 to 1; NULL without output.
    pub confidence: Option<f32>,
    /// `overall_explanation`, secrets redacted.
    pub explanation: &'a str,
    pub findings: u32,
    pub started_ms: u64,
    pub dur_ms: u64,
    /// The reviewer sub-session (`source = subagent:review`); empty until it is known.
    pub reviewer_session_id: &'a str,
    /// The reviewer's model and what its calls used and cost.
    pub model: &'a str,
    pub input_tokens: u64,
    pub cached_tokens: u64,
    pub output_tokens: u64,
    pub reasoning_tokens: u64,
    pub cost_usd: f64,
    /// Grows with every fact learned about the review (its end, each reviewer call), so the
    /// most complete row wins whatever order rows arrive in.
    pub version: u32,
}
table!(Review, "agent", "reviews");

/// `agent.review_findings`: one finding of a review.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "clickhouse", derive(Row))]
pub struct ReviewFinding<'a> {
    pub ts_ms: u64,
    pub review_id: &'a str,
    pub session_id: &'a str,
    pub agent: &'a str,
    pub project_path: &'a str,
    /// Position in the review's list, from 0.
    pub idx: u32,
    /// 0 (most urgent) to 3; NULL when the reviewer gave none.
    pub priority: Option<u8>,
    pub confidence: f32,
    pub title: &'a str,
    /// Secrets redacted.
    pub body: &'a str,
    pub file_path: &'a str,
    pub line_start: u32,
    pub line_end: u32,
}
table!(ReviewFinding, "agent", "review_findings");

/// `seq.mem_events` (v1; written into the database given to `seq_ch_writer_create`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "clickhouse", derive(Row))]
pub struct MemEvent<'a> {
    pub ts_ms: u64,
    pub dur_us: u64,
    pub ok: bool,
    pub session_id: &'a str,
    pub event_id: &'a str,
    pub content_hash: &'a str,
    pub name: &'a str,
    pub subject: Option<&'a str>,
}
table!(MemEvent, "seq", "mem_events");

/// `seq.trace_events` (v1; written into the database given to `seq_ch_writer_create`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "clickhouse", derive(Row))]
pub struct TraceEvent<'a> {
    pub ts_us: i64,
    pub app: &'a str,
    pub pid: u32,
    pub tid: u64,
    pub level: &'a str,
    pub kind: &'a str,
    pub name: &'a str,
    pub message: &'a str,
    pub dur_us: i64,
}
table!(TraceEvent, "seq", "trace_events");

/// `seq.context` (v1): what the user had in front of them, for correlating with agent work.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "clickhouse", derive(Row))]
pub struct Context<'a> {
    pub ts_ms: u64,
    pub dur_ms: u64,
    pub app: &'a str,
    pub bundle_id: &'a str,
    pub window_title: &'a str,
    pub url: &'a str,
    pub afk: u8,
}
table!(Context, "seq", "context");

/// `hive.supersteps` (v1). `status` is the `Enum8` value: 0 started, 1 finished,
/// 2 interrupted, 3 error.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "clickhouse", derive(Row))]
pub struct Superstep<'a> {
    pub ts_ms: u64,
    pub thread_id: &'a str,
    pub graph_name: &'a str,
    pub graph_version: u32,
    pub step_index: u32,
    pub frontier_count: u32,
    pub writes: u32,
    pub dur_us: u64,
    pub status: i8,
}
table!(Superstep, "hive", "supersteps");

/// `hive.model_invocations` (v1).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "clickhouse", derive(Row))]
pub struct ModelInvocation<'a> {
    pub ts_ms: u64,
    pub thread_id: &'a str,
    pub node_id: &'a str,
    pub graph_name: &'a str,
    pub provider: &'a str,
    pub model: &'a str,
    pub input_tokens: u32,
    pub output_tokens: u32,
    pub dur_us: u64,
    pub ttft_us: u64,
    pub tool_calls: u16,
    pub ok: u8,
    pub error_msg: &'a str,
}
table!(ModelInvocation, "hive", "model_invocations");

/// `hive.tool_calls` (v1).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "clickhouse", derive(Row))]
pub struct HiveToolCall<'a> {
    pub ts_ms: u64,
    pub thread_id: &'a str,
    pub node_id: &'a str,
    pub tool_name: &'a str,
    pub input_json: &'a str,
    pub output_json: &'a str,
    pub dur_us: u64,
    pub ok: u8,
}
table!(HiveToolCall, "hive", "tool_calls");
