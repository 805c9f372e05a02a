//! Runs a Codex code review through the real `codex app-server` and records it.
//!
//! [`run`] finds the `codex` binary, spawns `codex app-server`, and speaks its newline-delimited
//! JSON-RPC on stdio ([`protocol`]): `initialize`, `account/read` (a clear error before anything
//! else when Codex needs a login it does not have), `thread/start` (persisted, read-only sandbox,
//! no approvals), then `review/start`. It answers every request the server sends (declining
//! approvals and elicitations), reports progress through a callback, enforces its own deadline
//! with `turn/interrupt` on the reviewer's turn, and asks `thread/read` when `turn/completed`
//! never comes. The findings are then read from the rollout files the thread wrote, with the
//! project's own parser, so they carry the ids the tailer would give them: written through a
//! [`seqch_writer::Writer`] now, they are not doubled when `seqch-tail run` reads the same files.
//!
//! `seqch-tail review` and libseqch's `seq_ch_review` are thin shells over this crate.

pub mod protocol;
mod session;

use std::path::{Path, PathBuf};
use std::time::Duration;

use seqch_parse::{Agent, Parser, Prices, Sink, sources};
use seqch_rows::{RateLimit, Review, ReviewFinding, Session, ToolCall, Turn};
use seqch_writer::{PushError, Writer};
use serde::Serialize;

pub use protocol::{Target, TurnStatus};

/// What to review and how.
#[derive(Debug, Clone)]
pub struct ReviewOptions {
    pub target: Target,
    /// The repository to review (the thread's working directory).
    pub project: PathBuf,
    /// The longest the review may take; then it is interrupted.
    pub timeout: Duration,
    /// The `codex` binary; `None`: `$SEQCH_CODEX_BIN`, then `codex` on `PATH`.
    pub codex_bin: Option<PathBuf>,
    /// Extra `-c key=value` overrides for `codex app-server`.
    pub codex_config: Vec<String>,
}

/// Why a review could not be run at all.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error(
        "the codex binary was not found ({0}); install it (npm install -g @openai/codex) or pass --codex-bin"
    )]
    CodexMissing(String),
    #[error(
        "codex is not logged in: run `codex login` (or configure a model provider with an API key)"
    )]
    NotLoggedIn,
    #[error("codex app-server: {0}")]
    Protocol(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
}

/// One finding, as printed and as in `agent.review_findings`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub priority: Option<u8>,
    pub confidence: f32,
    pub title: String,
    pub body: String,
    pub file: String,
    pub line_start: u32,
    pub line_end: u32,
}

/// A review's outcome: the stable JSON of `seqch-tail review --json` and `seq_ch_review`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReviewResult {
    /// `<thread>:<root turn>`, the id in `agent.reviews`.
    pub review_id: String,
    pub thread_id: String,
    pub reviewer_session_id: String,
    pub project: String,
    pub target_kind: String,
    pub target_value: String,
    /// `completed`, `interrupted`, `failed` or `timed_out`.
    pub status: String,
    pub error: String,
    pub verdict: String,
    pub confidence: Option<f32>,
    pub explanation: String,
    pub findings: Vec<Finding>,
    pub model: String,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost_usd: f64,
    pub dur_ms: u64,
    /// The parent thread's rollout file.
    pub rollout: String,
    /// Rows handed to the writer (0 without one).
    pub rows_written: u64,
}

impl ReviewResult {
    /// The process exit code of `seqch-tail review`: 0 no findings, 1 findings, 3 the review
    /// failed, was interrupted or timed out.
    pub fn exit_code(&self) -> i32 {
        match self.status.as_str() {
            "completed" if self.findings.is_empty() => 0,
            "completed" => 1,
            _ => 3,
        }
    }
}

/// Where `codex` is: the option, `$SEQCH_CODEX_BIN`, then `PATH`.
pub fn find_codex(option: Option<&Path>) -> Result<PathBuf, ReviewError> {
    let explicit = option
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("SEQCH_CODEX_BIN").map(PathBuf::from));
    if let Some(p) = explicit {
        return if p.is_file() {
            Ok(p)
        } else {
            Err(ReviewError::CodexMissing(p.display().to_string()))
        };
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|d| d.join("codex"))
        .find(|p| p.is_file())
        .ok_or_else(|| ReviewError::CodexMissing("not on PATH".into()))
}

/// Runs the review; `progress` hears what happens (the current item, retries). The rows of the
/// thread's rollout files go to `writer` when there is one, and `flush_wait` is awaited.
pub fn run(
    options: &ReviewOptions,
    writer: Option<&Writer>,
    progress: &mut dyn FnMut(&str),
) -> Result<ReviewResult, ReviewError> {
    let codex = find_codex(options.codex_bin.as_deref())?;
    let outcome = session::review(&codex, options, progress)?;
    let mut result = ReviewResult {
        thread_id: outcome.thread.clone(),
        review_id: format!("{}:{}", outcome.thread, outcome.outer),
        project: options.project.display().to_string(),
        status: outcome.status.to_owned(),
        error: outcome.error.clone(),
        rollout: outcome.rollout.clone().unwrap_or_default(),
        ..Default::default()
    };
    let read = match &outcome.rollout {
        Some(path) => {
            progress("reading the rollout");
            record(Path::new(path), &outcome.thread, writer, &mut result)
        }
        None => false,
    };
    if !read && outcome.status == "completed" {
        // Never report "no findings" for a review whose findings were not read.
        result.status = "failed".into();
        result.error = format!(
            "the review completed but its rollout ({}) holds no result",
            outcome.rollout.as_deref().unwrap_or("not named by codex")
        );
    }
    // The deadline is the bridge's: the rollout calls it an interruption.
    if outcome.status == "timed_out" {
        result.status = "timed_out".into();
        result.error = outcome.error;
    }
    Ok(result)
}

/// Parses the thread's rollout and its reviewer's, fills `result` from the review rows, and
/// hands every row to `writer`. Whether the review was found.
fn record(parent: &Path, thread: &str, writer: Option<&Writer>, result: &mut ReviewResult) -> bool {
    let mut paths = vec![parent.to_path_buf()];
    if let Some(dir) = parent.parent() {
        paths.extend(reviewer_files(dir, thread));
    }
    let logs: Vec<_> = paths
        .into_iter()
        .map(|path| sources::LogFile {
            agent: Agent::Codex,
            path,
        })
        .collect();
    let mut parser = Parser::new(Prices::embedded());
    let mut sink = Recorder {
        writer,
        wanted: result.review_id.clone(),
        result,
        version: 0,
    };
    sources::scan(&logs, &mut parser, &mut sink);
    let found = sink.version > 0;
    if let Some(w) = writer {
        w.flush_wait(Duration::from_secs(60));
    }
    found
}

/// Rollouts in `dir` whose `session_meta` names `thread` as their parent.
fn reviewer_files(dir: &Path, thread: &str) -> Vec<PathBuf> {
    let needle = format!("\"parent_thread_id\":\"{thread}\"");
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            use std::io::BufRead;
            std::fs::File::open(p)
                .ok()
                .and_then(|f| std::io::BufReader::new(f).lines().next()?.ok())
                .is_some_and(|first| first.contains(&needle))
        })
        .collect()
}

/// Copies the review's rows into the result and every row into the writer.
struct Recorder<'a> {
    writer: Option<&'a Writer>,
    wanted: String,
    result: &'a mut ReviewResult,
    version: u32,
}

impl Recorder<'_> {
    fn push<R: Serialize + seqch_rows::Table>(&mut self, row: &R) {
        let Some(w) = self.writer else { return };
        loop {
            match w.push(row) {
                Ok(()) => {
                    self.result.rows_written += 1;
                    return;
                }
                Err(PushError::Full) => std::thread::sleep(Duration::from_millis(2)),
                Err(e) => {
                    tracing::error!("review row not written: {e}");
                    return;
                }
            }
        }
    }
}

impl Sink for Recorder<'_> {
    fn turn(&mut self, t: &Turn<'_>, _replaces: Option<&Turn<'_>>) {
        self.push(t);
    }
    fn tool_call(&mut self, c: &ToolCall<'_>) {
        self.push(c);
    }
    fn rate_limit(&mut self, r: &RateLimit<'_>) {
        self.push(r);
    }
    fn session(&mut self, s: &Session<'_>) {
        self.push(s);
    }
    fn review(&mut self, r: &Review<'_>) {
        self.push(r);
        if r.review_id != self.wanted || r.version < self.version {
            return;
        }
        self.version = r.version;
        let out = &mut *self.result;
        out.reviewer_session_id = r.reviewer_session_id.to_owned();
        out.target_kind = r.target_kind.to_owned();
        out.target_value = r.target_value.to_owned();
        out.status = r.status.to_owned();
        out.error = r.error.to_owned();
        out.verdict = r.verdict.to_owned();
        out.confidence = r.confidence;
        out.explanation = r.explanation.to_owned();
        out.model = r.model.to_owned();
        out.input_tokens = r.input_tokens;
        out.output_tokens = r.output_tokens;
        out.cost_usd = r.cost_usd;
        out.dur_ms = r.dur_ms;
    }
    fn review_finding(&mut self, f: &ReviewFinding<'_>) {
        self.push(f);
        if f.review_id == self.wanted {
            self.result.findings.push(Finding {
                priority: f.priority,
                confidence: f.confidence,
                title: f.title.to_owned(),
                body: f.body.to_owned(),
                file: f.file_path.to_owned(),
                line_start: f.line_start,
                line_end: f.line_end,
            });
        }
    }
}
