//! `seqch-tail run`: the ingest daemon. Watches both agents' log trees, feeds new complete lines
//! to the parser and the rows to the writer, and checkpoints each file's offset only after the
//! writer has acknowledged every row so far (inserted or durably spooled).
//!
//! Exactly once: on start, the parser's state is re-derived by feeding every file from 0 up to
//! its checkpoint into a `NullSink`; lines after the checkpoint are read again and their rows
//! emitted again with the same keys, which the tables (ReplacingMergeTree on the row ids) and
//! the views (over `FINAL`) absorb. So after `kill -9` at any moment and a restart, the tables
//! hold what one clean pass would have written.
//!
//! Files: identity is (device, inode) plus a hash of the first bytes, so a replaced file is read
//! from 0; a file that shrank is truncated and read from 0; a file that disappears keeps its
//! offset for `forget_after_ms` (default 5 minutes), so a rename round trip or a restore goes on
//! where it was, and is forgotten after that (its rows stay).
//!
//! # Measured (2026-11-25, 2 cores, release build, local ClickHouse 26.9)
//! - Backfill, `U=… CORPUS=/tmp/corpus1g python3 benches/scripts/backfill.py` (a corpus from
//!   `seqch-bench gen --mb 1024`: 499 files, 1,074 MB, 691 MB Claude + 336 MB Codex), best of
//!   three, all in one run, the corpus read into the page cache before every timed run (this
//!   machine gives cold cached pages back within seconds: half the corpus within 20 s, so runs
//!   measured before that was done read part of it from disk); `TAIL=<binary>` measures another
//!   build in the same conditions. This machine's speed drifts by 20–40 % within minutes (the
//!   same build's `run --once` took 1.25 to 1.75 s of CPU in one hour), so ratios measured
//!   together are what to compare, and means of alternating runs (`U=… CORPUS=… python3
//!   benches/scripts/alternate.py OLD NEW`, `WHAT=summary` for `summary`; the machine's idle
//!   core time from `/proc/stat`) show a change more steadily than a best of three.
//!
//!   Latest (2026-11-25, second round, `4363e32` → `67a2274`: the indexing thread hands a
//!   piece over mid-piece when the applying one would wait, a piece counts as applied from its
//!   last short line on, the indexing thread checks UTF-8 too when it is ahead, and the
//!   applying thread reads and applies a large read's first piece itself), 10 alternating
//!   runs each: `run --once` mean 1.021 → 0.905 s (median 0.974 → 0.878 s), idle core time
//!   0.33 → 0.23 s; `summary` 0.839 → 0.792 s (median 0.816 → 0.811 s), idle 0.33 → 0.21 s.
//!   (Before the last change, in another hour: 1.053 → 0.945 s and 0.845 → 0.784 s.)
//!   Best-of-three rounds alternating the two builds:
//!
//!   | build | `cat` | `run --once` into ClickHouse | `summary --json` | ccusage 20.0.24 `daily --json --offline` | run / ccusage | summary / ccusage |
//!   |---|---|---|---|---|---|---|
//!   | `4363e32` | 0.17 s | 1.11 s | 0.89 s | 1.89 s | 1.71× | 2.12× |
//!   | `67a2274` | 0.15 s | 0.83 s | 0.72 s | 1.88 s | 2.27× | 2.59× |
//!   | `4363e32` | 0.16 s | 1.00 s | 0.82 s | 2.18 s | 2.17× | 2.65× |
//!   | `67a2274` | 0.17 s | 1.01 s | 0.86 s | 1.81 s | 1.80× | 2.11× |
//!   | `4363e32` | 0.19 s | 0.88 s | 0.80 s | 1.90 s | 2.16× | 2.37× |
//!   | `cdcd555` | 0.18 s | 0.93 s | 0.76 s | 1.72 s | 1.85× | 2.28× |
//!   | `4363e32` | 0.19 s | 0.97 s | 0.91 s | 1.96 s | 2.01× | 2.16× |
//!   | `cdcd555` | 0.19 s | 1.09 s | 0.75 s | 1.86 s | 1.70× | 2.47× |
//!
//!   A best of three still moves by more than the change within an hour here (one build's
//!   `run --once` took 0.83 and 1.01 s in consecutive rounds, ccusage 1.72 to 2.18 s).
//!
//!   Earlier the same day (`f874399` → `4363e32`), alternating best-of-three rounds:
//!
//!   | build | `cat` | `run --once` into ClickHouse | `summary --json` | ccusage 20.0.24 `daily --json --offline` | run / ccusage | summary / ccusage |
//!   |---|---|---|---|---|---|---|
//!   | `f874399` | 0.17 s | 1.13 s | 0.86 s | 1.74 s | 1.54× | 2.02× |
//!   | after | 0.17 s | 0.97 s | 0.74 s | 1.82 s | 1.88× | 2.46× |
//!   | `f874399` | 0.17 s | 0.97 s | 0.93 s | 1.79 s | 1.85× | 1.92× |
//!   | after | 0.17 s | 0.95 s | 0.69 s | 1.91 s | 2.01× | 2.77× |
//!
//!   and alternating means, in a fast and in a slow hour: `run --once`, 8 runs each, 1.127 →
//!   0.962 s and 1.213 → 1.022 s, idle core time 0.51 → 0.31 s and 0.55 → 0.34 s; `summary`,
//!   10 runs each, 0.811 → 0.748 s and 1.024 → 0.909 s.
//!
//!   Goals: ≥ 2× faster than ccusage for `run --once` is reached in some rounds and not in
//!   others (1.6–2.3× over the rounds above, in which ccusage's own best of three moved
//!   between 1.6 and 2.2 s); within 3× of `cat` is not (4.4–6.5×: `cat` is the kernel's
//!   page-cache copy alone, which is also a tenth of seqch's own CPU).
//! - Where the time goes: the client's CPU is 1.2–1.3 s in a fast hour, the server's 0.2 s, on
//!   two cores: with the idle time down to about 0.25 s of core time per run, `run --once` is
//!   now bound by CPU. perf: the applying thread about 51 %, the reading and indexing thread
//!   44 %, the flusher 5 %; the indexer's scan (structure and string ends) 28 % of the
//!   process, the kernel's page-cache copy 12 %, UTF-8 checks 5.5 %, field lookups about 10 %.
//!   What was left idle was mostly placement and hand-offs. The reading thread is kept for the
//!   parser's life (one started per read ran on its starter's core for part of the read); it
//!   asks before every line whether the applying thread is waiting, and then hands the piece
//!   over as far as it is indexed (asked once a piece, the applying thread waited for most of
//!   a piece's indexing every time); a piece counts as applied from its last line on (when
//!   that line is short), so the next is there when the applying thread comes back for it
//!   instead of waking it a scheduler round-trip later; whichever thread is ahead checks the
//!   UTF-8 (the applying thread builds rows for the writer too, and is the busier in `run
//!   --once`); the applying thread reads and applies a read's first 32 KiB itself instead of
//!   waiting for the other thread to wake and read them (~30 ms a backfill). Also: a long
//!   string's escapes are counted in the indexer's scan (the applying thread measured each
//!   tool output in a second pass), the last eighth of a backfill (at most 32 MiB) goes in
//!   ordinary batches, so the end waits for a few rows rather than a bulk batch (66–84 →
//!   43–63 ms), and in bulk the flusher writes each batch into the buffer of the last one
//!   (zeroing fresh pages had been 5.7 % of the process's CPU).
//! - Before that, the same day: inserts read the batch through `input()` as plain types (the
//!   server parsed RowBinary into `LowCardinality` columns at a temporary column per value);
//!   the catch-up pass runs the writer in bulk ([`Writer::set_bulk`]: 7 INSERTs instead of
//!   about 20, and no merges); inserts leave collapsing to merges (`optimize_on_insert=0`);
//!   batches to a local server go uncompressed; tool-output heads decoded from 256 bytes up,
//!   prices looked up once per model, the summary aggregated without allocating keys, the
//!   keyed-secret regex skipped for texts without its words, Claude's call records boxed. That
//!   took `run --once` from 1.3–1.4× ccusage to 1.7–1.8×.
//! - Tried and dropped: reading in 64 KiB chunks and handing over whatever is read when the
//!   applying thread waits (its waits fell from about 110 to 70 ms a run, but the extra reads
//!   and hand-offs cost more CPU than that), a fixed ring of small read buffers instead of one
//!   per file (no difference in a C model of the copy), spinning up to 50–200 µs before
//!   blocking on the piece channels (idle time down, wall time within the noise), larger or
//!   more pieces ahead (1 MiB pieces were slower: a piece no longer stays in the cache between
//!   its copy and its scan), checking every line's UTF-8 on the indexing thread (slower for
//!   `run --once`, where the applying thread is not always the busier), counting decoded sizes in wider index nodes (every string paid for it), a
//!   first-byte check before key comparisons, batches held ten times longer whenever rows kept
//!   coming (merges came back).
//! - Earlier days: with simd-json's tape, `run --once` took 2.07–2.10 s and `summary`
//!   1.77–1.87 s beside ccusage's 1.70 s.
//! - Freshness (`U=… python3 benches/scripts/freshness.py`): append → queryable over 100
//!   appends, p50 0.527 s, p95 0.547 s, p99 0.560 s (goal: 1 s at p99; earlier days 0.546–0.550
//!   s at p99); the grace period (300 ms) and the writer's flush interval (200 ms) are most of it.
//! - Idle cost (`python3 benches/scripts/idle.py`): 10,000 tracked idle files, 1.6 % of one
//!   core, 23.9 MB RSS (earlier days 1.4–1.9 %, 22.6–23.9 MB; file events mark what to read; all
//!   files are checked every 3 s).
//! - Memory: a file is read at most 8 MiB at a time (a longer line whole), so RSS does not
//!   grow with a file's size.

use std::collections::{BTreeMap, HashSet};
use std::ffi::OsString;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Args;
use seqch_parse::sources::{self, LogFile};
use seqch_parse::{Agent, FileId, MAX_LINE_BYTES, NullSink, Parser, Prices, Sink, Summary};
use seqch_rows::{RateLimit, Session, ToolCall, Turn};
use seqch_writer::schema::Databases;
use seqch_writer::{LastError, Mode, PushError, Writer, WriterConfig};

use crate::checkpoint::{Checkpoints, FileCheckpoint, Identity};
use crate::server::ServerArgs;

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Process everything present, print a summary and exit.
    #[arg(long)]
    once: bool,
    /// On the first start, begin at the end of existing files instead of backfilling history
    /// (the choice is stored with the checkpoints).
    #[arg(long)]
    from_now: bool,
    /// Claude Code projects directory (repeatable; default: $CLAUDE_CONFIG_DIR/projects or ~/.claude/projects).
    #[arg(long = "claude-dir")]
    claude_dirs: Vec<PathBuf>,
    /// Codex sessions directory (default: $CODEX_HOME/sessions or ~/.codex/sessions).
    #[arg(long)]
    codex_dir: Option<PathBuf>,
    /// Checkpoints, spool and files (default: $XDG_STATE_HOME/seqch or ~/.local/state/seqch).
    #[arg(long, env = "SEQCH_STATE_DIR")]
    state_dir: Option<PathBuf>,
    /// Where rows go: http, file, mirror, off (default: http when a server is configured, else
    /// file: JSONEachRow files under the state directory).
    #[arg(long, value_parser = parse_mode)]
    mode: Option<Mode>,
    /// How often changed files are read [default: 100].
    #[arg(long)]
    poll_ms: Option<u64>,
    /// How often the directories are walked for new files and every file is checked [default: 3000].
    #[arg(long)]
    rescan_ms: Option<u64>,
    /// Calls still waiting for more lines are written after the files have been quiet this long
    /// [default: 300].
    #[arg(long)]
    grace_ms: Option<u64>,
    /// A file that disappears keeps its offset this long, in case it comes back (a rename
    /// round trip, a restore), then is forgotten; its rows stay [default: 300000].
    #[arg(long)]
    forget_after_ms: Option<u64>,
    #[command(flatten)]
    server: ServerArgs,
}

/// What `run` uses: flags, then environment variables (both through clap), then the
/// configuration file, then defaults.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Effective {
    pub config_file: PathBuf,
    pub url: Option<String>,
    pub user: Option<String>,
    pub password: Option<String>,
    pub database_prefix: Option<String>,
    pub mode: Option<String>,
    pub claude_dirs: Vec<PathBuf>,
    pub codex_dir: PathBuf,
    pub state_dir: PathBuf,
    pub poll_ms: u64,
    pub rescan_ms: u64,
    pub grace_ms: u64,
    pub forget_after_ms: u64,
    pub handoff: crate::config::HandoffConfig,
}

impl RunArgs {
    pub fn effective(&self) -> Result<Effective> {
        let (config_file, f) = self.server.file()?;
        let server = self.server.over(&f);
        let mode = self
            .mode
            .map(|m| format!("{m:?}").to_lowercase())
            .or(f.mode);
        if let Some(m) = &mode {
            parse_mode(m).map_err(anyhow::Error::msg)?;
        }
        Ok(Effective {
            url: server.url,
            user: server.user,
            password: server.password,
            database_prefix: server.database_prefix,
            mode,
            claude_dirs: if self.claude_dirs.is_empty() {
                f.claude_dirs.unwrap_or_else(sources::default_claude_dirs)
            } else {
                self.claude_dirs.clone()
            },
            codex_dir: self
                .codex_dir
                .clone()
                .or(f.codex_dir)
                .unwrap_or_else(sources::default_codex_dir),
            state_dir: self
                .state_dir
                .clone()
                .or(f.state_dir)
                .unwrap_or_else(crate::state_cmd::default_state_dir),
            poll_ms: self.poll_ms.or(f.poll_ms).unwrap_or(100),
            rescan_ms: self.rescan_ms.or(f.rescan_ms).unwrap_or(3000),
            grace_ms: self.grace_ms.or(f.grace_ms).unwrap_or(300),
            forget_after_ms: self
                .forget_after_ms
                .or(f.forget_after_ms)
                .unwrap_or(300_000),
            handoff: f.handoff.clone().unwrap_or_default(),
            config_file,
        })
    }
}

/// `seqch-tail config`: the effective configuration of `run`, password masked.
pub fn print_config(args: &RunArgs, json: bool) -> Result<()> {
    let mut e = args.effective()?;
    if e.password.is_some() {
        e.password = Some("********".into());
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&e)?);
    } else {
        let exists = if e.config_file.exists() {
            ""
        } else {
            " (not present)"
        };
        println!("config file     {}{exists}", e.config_file.display());
        println!(
            "url             {}",
            e.url.as_deref().unwrap_or("(none: file mode)")
        );
        println!("user            {}", e.user.as_deref().unwrap_or(""));
        println!("password        {}", e.password.as_deref().unwrap_or(""));
        println!(
            "database prefix {}",
            e.database_prefix.as_deref().unwrap_or("")
        );
        println!(
            "mode            {}",
            e.mode
                .as_deref()
                .unwrap_or(if e.url.is_some() { "http" } else { "file" })
        );
        for d in &e.claude_dirs {
            println!("claude dir      {}", d.display());
        }
        println!("codex dir       {}", e.codex_dir.display());
        println!("state dir       {}", e.state_dir.display());
        println!(
            "poll / rescan / grace  {} / {} / {} ms",
            e.poll_ms, e.rescan_ms, e.grace_ms
        );
        println!("forget after    {} ms", e.forget_after_ms);
        println!(
            "handoff         {}",
            if e.handoff.enabled { "on" } else { "off" }
        );
    }
    Ok(())
}

fn parse_mode(s: &str) -> Result<Mode, String> {
    Mode::parse(s).ok_or_else(|| format!("unknown mode {s:?} (http, file, mirror, off)"))
}

/// Keeps the memory files of the projects agents work in current: when a session starts there
/// (at once, carrying the other agent's latest session forward), and while sessions go on (at
/// most every [`Handoffs::EVERY`]), each time once the rows are acknowledged.
struct Handoffs {
    /// Sessions whose first activity is older than this (ms since the epoch) are history.
    since_ms: u64,
    seen: HashSet<(String, String)>,
    /// Projects where a session started: refreshed at the next checkpoint.
    started: std::collections::BTreeSet<String>,
    /// Projects with new activity: refreshed when their last refresh is old enough.
    active: std::collections::BTreeSet<String>,
    last: std::collections::HashMap<String, Instant>,
    source: seqch_brief::Source,
    tz: String,
    max_bytes: usize,
}

impl Handoffs {
    const EVERY: Duration = Duration::from_secs(60);

    fn saw(&mut self, s: &Session<'_>) {
        if s.project_path.is_empty() || s.ts_ms < self.since_ms {
            return;
        }
        let new = s.first_ts_ms >= self.since_ms
            && self
                .seen
                .insert((s.agent.to_owned(), s.session_id.to_owned()));
        if new {
            self.started.insert(s.project_path.to_owned());
        } else {
            self.active.insert(s.project_path.to_owned());
        }
    }

    /// Refreshes the briefs that are due (call once the rows are acknowledged). Only in a
    /// project that is a repository root or already has a memory file: an agent run in `~`
    /// must not plant a CLAUDE.md that every project below would read. A failure is logged:
    /// the daemon's job is ingest, not the brief.
    fn refresh(&mut self) {
        let now = Instant::now();
        let last = &self.last;
        let due_active: Vec<String> = self
            .active
            .iter()
            .filter(|p| {
                last.get(*p)
                    .is_none_or(|t| now.duration_since(*t) >= Self::EVERY)
            })
            .cloned()
            .collect();
        for p in &due_active {
            self.active.remove(p);
        }
        let due: std::collections::BTreeSet<String> = std::mem::take(&mut self.started)
            .into_iter()
            .chain(due_active)
            .collect();
        for project in due {
            let dir = Path::new(&project);
            let ours = ["CLAUDE.md", "AGENTS.md", ".git"]
                .iter()
                .any(|name| dir.join(name).exists());
            if !ours {
                tracing::debug!("handoff: {project} is no repository root here; skipped");
                continue;
            }
            self.last.insert(project.clone(), now);
            let options = seqch_brief::brief::BriefOptions::new(
                project.as_str(),
                jiff::Timestamp::now(),
                self.tz.as_str(),
            );
            match crate::context_cmd::refresh(&self.source, dir, &options, self.max_bytes) {
                Ok(changes) => tracing::info!("handoff: brief of {project}: {changes:?}"),
                Err(e) => tracing::warn!("handoff: brief of {project} not refreshed: {e:#}"),
            }
        }
    }
}

/// Hands rows to the writer, waiting while its queue is full (the log files are the durable
/// buffer, so the tailer slows down instead of dropping), and to the summary of `--once`.
struct Rows<'a> {
    writer: &'a Writer,
    summary: Option<&'a mut Summary>,
    handoffs: Option<&'a mut Handoffs>,
    /// Set while stopping: a full queue is then given up on (and checkpoints stay put).
    stop: &'a AtomicBool,
    gave_up: bool,
    /// Pushes refused as `Full` and retried: the writer counts each as refused, but none of
    /// them lost a row.
    retried_full: &'a mut u64,
}

impl Rows<'_> {
    fn push<R: serde::Serialize + seqch_rows::Table>(&mut self, row: &R) {
        loop {
            match self.writer.push(row) {
                Ok(()) => return,
                Err(PushError::Full) if !self.stop.load(Ordering::Relaxed) => {
                    *self.retried_full += 1;
                    std::thread::sleep(Duration::from_millis(2))
                }
                Err(e) => {
                    tracing::error!("row not written: {e}");
                    self.gave_up = true;
                    return;
                }
            }
        }
    }
}

impl Sink for Rows<'_> {
    fn turn(&mut self, t: &Turn<'_>, replaces: Option<&Turn<'_>>) {
        self.push(t);
        if let Some(s) = self.summary.as_deref_mut() {
            s.turn(t, replaces);
        }
    }
    fn tool_call(&mut self, c: &ToolCall<'_>) {
        self.push(c);
        if let Some(s) = self.summary.as_deref_mut() {
            s.tool_call(c);
        }
    }
    fn rate_limit(&mut self, r: &RateLimit<'_>) {
        self.push(r);
    }
    fn review(&mut self, r: &seqch_rows::Review<'_>) {
        self.push(r);
    }
    fn review_finding(&mut self, f: &seqch_rows::ReviewFinding<'_>) {
        self.push(f);
    }
    fn session(&mut self, s: &Session<'_>) {
        self.push(s);
        if let Some(h) = self.handoffs.as_deref_mut() {
            h.saw(s);
        }
        if let Some(sum) = self.summary.as_deref_mut() {
            sum.session(s);
        }
    }
}

struct Tracked {
    agent: Agent,
    id: FileId,
    identity: Identity,
    /// Just past the last complete line fed to the parser.
    offset: u64,
    /// When the file was first found missing (it is forgotten `forget_after` later).
    missing_since: Option<Instant>,
}

/// What a [`Tailer::pass`] did.
struct Pass {
    /// Bytes fed to the parser.
    fed: u64,
    /// Some file was forgotten: its checkpoint goes.
    forgot: bool,
}

struct Tailer {
    parser: Parser,
    /// By path, in byte order (as `sources` lists them): a session's main file is read before
    /// its sub-agent files. (A `PathBuf` key would order by component.)
    files: BTreeMap<OsString, Tracked>,
    claude_dirs: Vec<PathBuf>,
    codex_dir: PathBuf,
    /// How long a file that disappeared keeps its offset.
    forget_after: Duration,
    /// The last file that could not be read, for `status`.
    last_error: Option<LastError>,
    buf: Vec<u8>,
}

/// A file that exists but cannot be read (permissions, I/O): logged, kept for `status`, and
/// tried again on the next pass.
fn unreadable(path: &Path, e: &dyn std::fmt::Display) -> LastError {
    let message = format!("cannot read {}: {e}", path.display());
    tracing::warn!("{message}");
    LastError::now(message)
}

/// The most of a file read at a time: memory stays bounded whatever a file's size (a longer
/// line is read whole, up to the parser's limit).
const READ_CHUNK: usize = 8 << 20;
/// The last eighth of a backfill, up to this much, is sent in ordinary batches, not in bulk:
/// the wait for the server at its end is then for a few rows, not for a bulk batch of up to
/// `batch_bytes` per table (1 GB backfill: 66–84 ms of waiting at the end, 43–63 ms with this).
const BULK_TAIL_BYTES: u64 = 32 << 20;

/// Whether what is left of a backfill goes in bulk ([`Writer::set_bulk`]).
fn bulk_for(backfill: &crate::progress::Backfill) -> bool {
    backfill.remaining_bytes() > BULK_TAIL_BYTES.min(backfill.total_bytes() / 8)
}

/// Feeds a file's lines in `[from, to)` to the parser in pieces of at most [`READ_CHUNK`] (a
/// `.zst` file whole, decompressed). Returns the bytes fed: up to the end of the last complete
/// line, so the rest is read again, completed, next time.
fn feed_range(
    parser: &mut Parser,
    id: FileId,
    path: &Path,
    (from, to): (u64, u64),
    buf: &mut Vec<u8>,
    sink: &mut dyn Sink,
) -> std::io::Result<u64> {
    if sources::is_zst(path) {
        return Ok(sources::feed_zst(parser, id, path, from, buf, sink)?.used);
    }
    let mut f = std::fs::File::open(path)?;
    let (mut at, mut chunk) = (from, READ_CHUNK as u64);
    while at < to {
        let end = to.min(at + chunk);
        let fed = f
            .seek(SeekFrom::Start(at))
            .and_then(|_| parser.feed_from(id, at, &mut f, end - at, buf, sink));
        let fed = match fed {
            // What was fed stays fed: its rows are on their way.
            Err(_) if at > from => break,
            Err(e) => return Err(e),
            Ok(fed) => fed,
        };
        if fed.read == 0 {
            break; // shrank meanwhile: the next pass sees it
        }
        let used = fed.used;
        if used == 0 {
            if end == to {
                break; // an incomplete last line: the rest comes later
            }
            if chunk > MAX_LINE_BYTES as u64 {
                // Longer than the parser takes: skipped, without holding it whole.
                match next_line_start(&mut f, end, to, buf)? {
                    Some(next) => {
                        parser.oversized_line();
                        at = next;
                        chunk = READ_CHUNK as u64;
                        continue;
                    }
                    None => break,
                }
            }
            // A line longer than the piece: read it whole.
            chunk = (chunk * 2).min(MAX_LINE_BYTES as u64 + 1);
            continue;
        }
        at += used;
        chunk = READ_CHUNK as u64;
    }
    Ok(at - from)
}

/// Replaces `buf` with at most `len` bytes of `f` from `from` on (fewer at its end).
fn read_at(f: &mut std::fs::File, from: u64, len: u64, buf: &mut Vec<u8>) -> std::io::Result<()> {
    buf.clear();
    f.seek(SeekFrom::Start(from))?;
    f.take(len).read_to_end(buf)?;
    Ok(())
}

/// Just past the next `\n` at or after `from` (before `to`), reading a piece at a time.
fn next_line_start(
    f: &mut std::fs::File,
    mut from: u64,
    to: u64,
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<u64>> {
    while from < to {
        read_at(f, from, (to - from).min(READ_CHUNK as u64), buf)?;
        if buf.is_empty() {
            break;
        }
        if let Some(i) = memchr::memchr(b'\n', buf) {
            return Ok(Some(from + i as u64 + 1));
        }
        from += buf.len() as u64;
    }
    Ok(None)
}

/// Just past the last complete line of a file's first `len` bytes, reading only its end.
fn last_line_end(path: &Path, len: u64) -> std::io::Result<u64> {
    let mut f = std::fs::File::open(path)?;
    let mut buf = Vec::new();
    let mut window = READ_CHUNK as u64;
    loop {
        let from = len.saturating_sub(window);
        read_at(&mut f, from, len - from, &mut buf)?;
        if let Some(i) = memchr::memrchr(b'\n', &buf) {
            return Ok(from + i as u64 + 1);
        }
        if from == 0 {
            return Ok(0);
        }
        window *= 2;
    }
}

impl Tailer {
    fn discover(&self) -> Vec<LogFile> {
        let mut files = sources::claude_files(&self.claude_dirs);
        files.extend(sources::codex_files(&self.codex_dir));
        files.retain(|f| !self.files.contains_key(f.path.as_os_str()));
        files
    }

    /// Starts tracking files: from their checkpoint (re-deriving the parser's state from the
    /// lines before it), from their end (`--from-now` on a first start), or from 0. Returns
    /// the bytes they hold past that point, and how many files have such bytes.
    fn track(
        &mut self,
        found: Vec<LogFile>,
        checkpoints: &Checkpoints,
        prime_to_end: bool,
    ) -> (u64, usize) {
        let mut unread = (0, 0);
        let ids: Vec<FileId> = found
            .iter()
            .map(|f| self.parser.open(f.agent, &f.path))
            .collect();
        for (f, id) in found.into_iter().zip(ids) {
            let Ok((identity, len)) = Identity::of(&f.path) else {
                continue;
            };
            // A compressed file is cold: read once, whole; its offset is its compressed length.
            let zst = sources::is_zst(&f.path);
            let start = match checkpoints.files.get(&f.path) {
                Some(c) if c.identity.same_file(&identity) && c.offset <= len => c.offset,
                _ if prime_to_end && zst => len,
                _ if prime_to_end => last_line_end(&f.path, len).unwrap_or(0),
                _ => 0,
            };
            if start > 0 {
                // Re-derives the parser's state (dedup, open calls) from the lines before it.
                let range = (0, if zst { u64::MAX } else { start });
                let _ = feed_range(
                    &mut self.parser,
                    id,
                    &f.path,
                    range,
                    &mut self.buf,
                    &mut NullSink,
                );
            }
            if len > start {
                unread = (unread.0 + (len - start), unread.1 + 1);
            }
            self.files.insert(
                f.path.into_os_string(),
                Tracked {
                    agent: f.agent,
                    id,
                    identity,
                    offset: start,
                    missing_since: None,
                },
            );
        }
        unread
    }

    /// Reads what the files gained (all of them, or only `only`), telling `progress` how far
    /// each file read advanced (in its own bytes, compressed for a `.zst`), and forgets the files
    /// missing for `forget_after`.
    fn pass(
        &mut self,
        sink: &mut dyn Sink,
        only: Option<&HashSet<PathBuf>>,
        progress: &mut dyn FnMut(u64),
    ) -> Pass {
        let mut fed = 0;
        let mut gone = Vec::new();
        let now = Instant::now();
        for (path, t) in self.files.iter_mut() {
            let path = Path::new(path);
            if only.is_some_and(|o| !o.contains(path)) {
                continue;
            }
            let Ok(meta) = std::fs::metadata(path) else {
                let since = *t.missing_since.get_or_insert(now);
                if now.duration_since(since) >= self.forget_after {
                    gone.push(path.as_os_str().to_owned());
                }
                continue;
            };
            t.missing_since = None;
            let len = meta.len();
            if len == t.offset {
                continue;
            }
            let (identity, len) = match Identity::of(path) {
                Ok(found) => found,
                Err(e) => {
                    self.last_error = Some(unreadable(path, &e));
                    continue;
                }
            };
            if !t.identity.same_file(&identity) || len < t.offset {
                // Replaced or truncated: a new file under the old name, read from 0.
                t.id = self.parser.open(t.agent, path);
                t.offset = 0;
            }
            t.identity = identity;
            if len <= t.offset {
                continue;
            }
            let range = (t.offset, len);
            let used = match feed_range(&mut self.parser, t.id, path, range, &mut self.buf, sink) {
                Ok(used) => used,
                Err(e) => {
                    self.last_error = Some(unreadable(path, &e));
                    continue;
                }
            };
            // Progress is in the file's own bytes, as the backfill's total is (a `.zst` file's
            // `used` counts its decompressed bytes).
            let advanced = if sources::is_zst(path) {
                len - t.offset
            } else {
                used
            };
            t.offset += advanced;
            fed += used;
            progress(advanced);
        }
        let forgot = !gone.is_empty();
        for path in gone {
            self.files.remove(&path);
        }
        Pass { fed, forgot }
    }

    fn checkpoints(&self, from_now: bool) -> Checkpoints {
        Checkpoints {
            version: 1,
            from_now,
            files: self
                .files
                .iter()
                .map(|(p, t)| {
                    (
                        PathBuf::from(p),
                        FileCheckpoint {
                            identity: t.identity,
                            offset: t.offset,
                        },
                    )
                })
                .collect(),
        }
    }
}

/// The counters `seqch-tail status` shows (best effort: a status that cannot be written only
/// leaves `status` without counters).
fn save_status(
    state_dir: &Path,
    mode: Mode,
    target: &str,
    writer: &Writer,
    read_error: Option<&LastError>,
) {
    let last_error = [writer.last_error(), read_error.cloned()]
        .into_iter()
        .flatten()
        .max_by_key(|e| e.unix_ms);
    let status = crate::state_cmd::DaemonStatus {
        pid: std::process::id(),
        updated_unix_ms: crate::state_cmd::unix_ms(std::time::SystemTime::now()),
        mode: format!("{mode:?}").to_lowercase(),
        target: target.to_owned(),
        writer: writer.stats(),
        last_error,
    };
    if let Ok(bytes) = serde_json::to_vec(&status) {
        let tmp = state_dir.join("status.json.tmp");
        if std::fs::write(&tmp, bytes).is_ok() {
            let _ = std::fs::rename(&tmp, state_dir.join("status.json"));
        }
    }
}

/// A file event: the paths it names, and whether it may mean a new file or lost events.
type Hint = (Vec<PathBuf>, bool);

/// Watches the log trees and forwards their events as hints.
fn watch(
    tailer: &Tailer,
    hints: crossbeam_channel::Sender<Hint>,
) -> Option<notify::RecommendedWatcher> {
    use notify::{EventKind, RecursiveMode, Watcher};
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let hint = match event {
            Ok(e) => {
                let rescan = e.need_rescan()
                    || matches!(
                        e.kind,
                        EventKind::Create(_)
                            | EventKind::Modify(notify::event::ModifyKind::Name(_))
                    );
                (e.paths, rescan)
            }
            Err(_) => (Vec::new(), true),
        };
        let _ = hints.send(hint);
    })
    .map_err(|e| tracing::warn!("file events unavailable, polling only: {e}"))
    .ok()?;
    let archived = tailer
        .codex_dir
        .parent()
        .map(|p| p.join("archived_sessions"));
    for dir in tailer
        .claude_dirs
        .iter()
        .chain([&tailer.codex_dir])
        .chain(archived.as_ref())
    {
        if dir.exists()
            && let Err(e) = watcher.watch(dir, RecursiveMode::Recursive)
        {
            tracing::warn!("cannot watch {}: {e}; polling it", dir.display());
        }
    }
    Some(watcher)
}

pub fn run(args: &RunArgs) -> Result<()> {
    let eff = args.effective()?;
    let state_dir = eff.state_dir.clone();
    let checkpoint_path = state_dir.join("checkpoints.json");
    let saved = Checkpoints::load(&checkpoint_path)?;
    let first_start = saved.is_none();
    let checkpoints = saved.unwrap_or_default();
    let from_now = if first_start {
        args.from_now
    } else {
        checkpoints.from_now
    };

    let mut config = WriterConfig::from_env();
    config.spool_dir = state_dir.join("spool/tail");
    config.file_dir = state_dir.join("files");
    if let Some(url) = &eff.url {
        config.url = url.clone();
        config.mode = Mode::Http;
    }
    if let Some(mode) = eff.mode.as_deref().and_then(Mode::parse) {
        config.mode = mode;
    }
    config.user = eff.user.clone().or(config.user);
    config.password = eff.password.clone().or(config.password);
    config.databases = eff
        .database_prefix
        .as_deref()
        .map_or_else(Databases::default, Databases::prefixed);
    let (mode, url, files_dir) = (config.mode, config.url.clone(), config.file_dir.clone());
    let mut handoffs = match (eff.handoff.enabled, mode.sends()) {
        (false, _) => None,
        (true, false) => {
            tracing::warn!("handoff is on but rows do not go to ClickHouse (mode {mode:?}): off");
            None
        }
        (true, true) => Some(Handoffs {
            since_ms: jiff::Timestamp::now().as_millisecond().max(0) as u64,
            seen: HashSet::new(),
            started: Default::default(),
            active: Default::default(),
            last: Default::default(),
            source: seqch_brief::Source::new(&config),
            tz: eff
                .handoff
                .tz
                .clone()
                .unwrap_or_else(crate::config::system_time_zone),
            max_bytes: eff
                .handoff
                .max_bytes
                .unwrap_or(crate::context_cmd::DEFAULT_MAX_BYTES),
        }),
    };
    let target = match mode {
        Mode::Http => format!("ClickHouse at {url}"),
        Mode::Mirror => format!("ClickHouse at {url} and {}", files_dir.display()),
        Mode::File => format!("JSONEachRow files in {}", files_dir.display()),
        Mode::Off => "nowhere (mode off)".into(),
    };
    let writer = Writer::new(config).context("starting the writer")?;

    let mut tailer = Tailer {
        parser: Parser::new(Prices::embedded()),
        files: BTreeMap::new(),
        claude_dirs: eff.claude_dirs.clone(),
        codex_dir: eff.codex_dir.clone(),
        forget_after: Duration::from_millis(eff.forget_after_ms),
        last_error: None,
        buf: Vec::new(),
    };
    let found = tailer.discover();
    // The first pass reads everything already there: that is the backfill shown.
    let mut backfill = match tailer.track(found, &checkpoints, first_start && from_now) {
        (0, _) => None,
        (bytes, files) => Some(crate::progress::Backfill::start(bytes, files)),
    };
    writer.set_bulk(backfill.as_ref().is_some_and(bulk_for));

    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(signal, stop.clone()).context("installing signal handlers")?;
    }
    let reload = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGHUP, reload.clone())
        .context("installing signal handlers")?;

    // File events are hints that shorten the wait; the polling and rescans below stay the
    // source of truth (events get lost, coalesced, or never come on some filesystems).
    let (hint_tx, hints) = crossbeam_channel::unbounded::<Hint>();
    let watcher = (!args.once).then(|| watch(&tailer, hint_tx)).flatten();
    // With events, the files they name are read at once and every file is checked only at each
    // rescan (cheap with thousands of idle files); without, every file is checked at each poll.
    let full_every_for = |e: &Effective| {
        Duration::from_millis(if watcher.is_some() {
            e.rescan_ms
        } else {
            e.poll_ms
        })
    };
    let mut full_every = full_every_for(&eff);
    let mut last_full = Instant::now() - full_every;
    let mut dirty_paths: HashSet<PathBuf> = HashSet::new();

    let mut summary = args.once.then(|| {
        let zone = jiff::tz::TimeZone::get(&crate::config::system_time_zone());
        Summary::new(zone.unwrap_or(jiff::tz::TimeZone::UTC))
    });
    let started = Instant::now();
    let timings = |e: &Effective| {
        (
            Duration::from_millis(e.poll_ms),
            Duration::from_millis(e.rescan_ms),
            Duration::from_millis(e.grace_ms),
        )
    };
    let (mut poll, mut rescan, mut grace) = timings(&eff);
    let (mut last_read, mut last_rescan, mut last_checkpoint) =
        (Instant::now(), Instant::now(), Instant::now());
    let (mut quiet_flushed, mut dirty) = (false, true);
    let refused_at_start = writer.stats().refused;
    let mut retried_full = 0;
    let mut lost = false;
    loop {
        if reload.swap(false, Ordering::Relaxed) {
            // SIGHUP: directories and timings apply now; server settings need a restart.
            match args.effective() {
                Ok(new) => {
                    (poll, rescan, grace) = timings(&new);
                    full_every = full_every_for(&new);
                    tailer.claude_dirs = new.claude_dirs.clone();
                    tailer.codex_dir = new.codex_dir.clone();
                    tailer.forget_after = Duration::from_millis(new.forget_after_ms);
                    if (
                        &new.url,
                        &new.user,
                        &new.password,
                        &new.mode,
                        &new.database_prefix,
                    ) != (
                        &eff.url,
                        &eff.user,
                        &eff.password,
                        &eff.mode,
                        &eff.database_prefix,
                    ) {
                        tracing::warn!(
                            "configuration reloaded; server settings change only on restart"
                        );
                    } else {
                        tracing::info!("configuration reloaded from {}", new.config_file.display());
                    }
                    last_rescan = Instant::now() - rescan;
                }
                Err(e) => tracing::error!("configuration not reloaded: {e:#}"),
            }
        }
        let mut rows = Rows {
            writer: &writer,
            summary: summary.as_mut(),
            handoffs: handoffs.as_mut(),
            stop: &stop,
            gave_up: false,
            retried_full: &mut retried_full,
        };
        let full = args.once || last_full.elapsed() >= full_every;
        let pass = match backfill.as_mut() {
            Some(b) => tailer.pass(&mut rows, (!full).then_some(&dirty_paths), &mut |bytes| {
                b.file_done(bytes, writer.stats().pushed);
                if !bulk_for(b) {
                    writer.set_bulk(false);
                }
            }),
            None => tailer.pass(&mut rows, (!full).then_some(&dirty_paths), &mut |_| {}),
        };
        if let Some(b) = backfill.take() {
            b.finish(writer.stats().pushed);
            writer.set_bulk(false);
        }
        dirty_paths.clear();
        if full {
            last_full = Instant::now();
        }
        let now = Instant::now();
        if pass.fed > 0 {
            last_read = now;
            quiet_flushed = false;
            dirty = true;
        }
        dirty |= pass.forgot;
        let done = args.once || stop.load(Ordering::Relaxed);
        if done || (!quiet_flushed && now - last_read >= grace) {
            tailer.parser.finish(&mut rows);
            quiet_flushed = true;
        } else {
            tailer.parser.flush_sessions(&mut rows);
        }
        lost |= rows.gave_up;
        if (dirty && now - last_checkpoint >= Duration::from_secs(1)) || done {
            // Checkpoints only move once every row so far is inserted or spooled, and never
            // past a row that was refused: after a loss they stay put, and a restart re-reads
            // from the last good one.
            lost |= writer.stats().refused > refused_at_start + retried_full;
            if lost {
                tracing::error!(
                    "rows were refused (spool or disk full?); checkpoints stay put until a restart"
                );
            } else if writer.flush_wait(Duration::from_secs(60)) {
                tailer.checkpoints(from_now).save(&checkpoint_path)?;
                save_status(
                    &state_dir,
                    mode,
                    &target,
                    &writer,
                    tailer.last_error.as_ref(),
                );
                if let Some(h) = handoffs.as_mut() {
                    h.refresh();
                }
                last_checkpoint = now;
                dirty = false;
            } else {
                tracing::warn!("the writer did not acknowledge within 60 s; checkpoints kept");
            }
        }
        if done {
            break;
        }
        // Wait for the next poll, or less when a file event comes; a creation or an overflowed
        // event queue asks for a rescan now.
        let mut rescan_now = false;
        let wait = if !quiet_flushed {
            poll.min(grace)
        } else {
            poll
        };
        if let Ok((paths, r)) = hints.recv_timeout(wait) {
            rescan_now = r;
            dirty_paths.extend(paths);
            while let Ok((paths, r)) = hints.try_recv() {
                rescan_now |= r;
                dirty_paths.extend(paths);
            }
        }
        if rescan_now || now - last_rescan >= rescan {
            let found = tailer.discover();
            tailer.track(found, &Checkpoints::default(), false);
            last_rescan = now;
        }
    }
    let closed = writer.close(Duration::from_secs(30));
    let stats = writer.stats();
    if let Some(summary) = summary {
        crate::summary_cmd::print_tables(
            &summary,
            crate::summary_cmd::By::Day,
            &mut std::io::stdout(),
        )?;
        println!(
            "\n{} files in {:.1} s: {} rows written to {target} ({} inserted, {} spooled, {} refused)",
            tailer.files.len(),
            started.elapsed().as_secs_f64(),
            stats.inserted.max(stats.filed),
            stats.inserted,
            stats.spooled,
            stats.refused,
        );
        let skipped = tailer.parser.skipped().by_reason();
        if !skipped.is_empty() {
            println!("skipped lines: {skipped:?}");
        }
    }
    if args.once {
        // The process ends next: freeing the parser's tables (every call seen) entry by entry
        // would only delay it.
        std::mem::forget(tailer);
    }
    anyhow::ensure!(
        closed,
        "the writer did not finish within 30 s: rows may remain only in the spool"
    );
    Ok(())
}
