//! The parser: state shared across every file of a scan (global dedup, sessions, prices), the
//! line loop, and the [`Sink`] that receives rows.

use std::collections::BTreeMap;

use foldhash::{HashMap, HashMapExt};
use std::io::Read;
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};

use seqch_rows::{RateLimit, Review, ReviewFinding, Session, ToolCall, Turn};

use crate::json::{BadField, IndexedPiece, JsonScratch, LineIndex, LineWork};
use crate::pricing::{ModelPrice, Prices};
use crate::skipped::{SkipReason, Skipped};
use crate::{claude, codex};

/// Lines longer than this are skipped as `oversized` (base64 images and huge tool outputs stay
/// well below it; a line this long is a broken writer).
pub const MAX_LINE_BYTES: usize = 256 << 20;

/// Which agent wrote a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Agent {
    Claude,
    Codex,
}

impl Agent {
    pub fn as_str(self) -> &'static str {
        match self {
            Agent::Claude => "claude",
            Agent::Codex => "codex",
        }
    }
}

/// Receives the rows a parser produces. Every method has an empty default.
pub trait Sink {
    /// A billed model call. `replaces` is the row emitted earlier under the same `turn_id`
    /// when a later line raised the call's counts (keyed tables replace it; running totals
    /// subtract it).
    fn turn(&mut self, turn: &Turn<'_>, replaces: Option<&Turn<'_>>) {
        let _ = (turn, replaces);
    }
    fn tool_call(&mut self, call: &ToolCall<'_>) {
        let _ = call;
    }
    fn rate_limit(&mut self, limit: &RateLimit<'_>) {
        let _ = limit;
    }
    /// The latest snapshot of a session whose totals changed.
    fn session(&mut self, session: &Session<'_>) {
        let _ = session;
    }
    /// A Codex review, again whenever something new is known about it (a larger `version`).
    fn review(&mut self, review: &Review<'_>) {
        let _ = review;
    }
    /// A finding of a review, once, when the review's output is read.
    fn review_finding(&mut self, finding: &ReviewFinding<'_>) {
        let _ = finding;
    }
}

/// A sink that drops everything (for re-deriving parser state after a restart).
pub struct NullSink;
impl Sink for NullSink {}

/// A file registered with [`Parser::open`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileId(pub(crate) u32);

/// The 128-bit hash that stands for a key (call, tool call, record) in dedup sets.
pub(crate) fn key_hash(s: &str) -> u128 {
    xxhash_rust::xxh3::xxh3_128(s.as_bytes())
}

/// Index of an interned string; `Sym(0)` is the empty string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) struct Sym(pub(crate) u32);

/// Strings that repeat across lines (session ids, models, paths), stored once.
pub(crate) struct Interner {
    strings: Vec<Box<str>>,
    index: HashMap<Box<str>, u32>,
}

impl Interner {
    fn new() -> Self {
        let mut i = Self {
            strings: Vec::new(),
            index: HashMap::new(),
        };
        i.intern("");
        i
    }

    /// The symbol of `s` if it was interned.
    pub(crate) fn find(&self, s: &str) -> Option<Sym> {
        self.index.get(s).map(|&n| Sym(n))
    }

    pub(crate) fn intern(&mut self, s: &str) -> Sym {
        if let Some(&n) = self.index.get(s) {
            return Sym(n);
        }
        let n = self.strings.len() as u32;
        self.strings.push(s.into());
        self.index.insert(s.into(), n);
        Sym(n)
    }

    pub(crate) fn get(&self, sym: Sym) -> &str {
        &self.strings[sym.0 as usize]
    }
}

/// Running totals of one session.
#[derive(Debug, Clone, Default)]
pub(crate) struct SessionAgg {
    pub(crate) agent: Option<Agent>,
    pub(crate) id: Sym,
    pub(crate) first_ts: Option<u64>,
    pub(crate) last_ts: u64,
    pub(crate) model: Sym,
    pub(crate) project: Sym,
    pub(crate) branch: Sym,
    pub(crate) commit: Sym,
    pub(crate) parent: Sym,
    pub(crate) source: Sym,
    pub(crate) cli_version: Sym,
    pub(crate) turns: u32,
    pub(crate) input: u64,
    pub(crate) output: u64,
    pub(crate) cached: u64,
    pub(crate) cache_write: u64,
    pub(crate) reasoning: u64,
    pub(crate) cost: f64,
    pub(crate) tool_calls: u32,
    pub(crate) failed_tool_calls: u32,
    pub(crate) next_turn_index: u32,
    /// Timestamps that chose `project`, `branch` and `model`, so that the choice does not depend
    /// on the order files are read in.
    project_ts: Option<u64>,
    branch_ts: Option<u64>,
    model_key: Option<(u64, u32)>,
    dirty: bool,
}

impl SessionAgg {
    pub(crate) fn touch(&mut self, ts: u64) {
        self.first_ts = Some(self.first_ts.map_or(ts, |f| f.min(ts)));
        self.last_ts = self.last_ts.max(ts);
        self.dirty = true;
    }

    pub(crate) fn mark(&mut self) {
        self.dirty = true;
    }

    /// The project is the `cwd` of the earliest line that has one (an undated line only counts
    /// while no dated line has given one).
    pub(crate) fn set_project(&mut self, project: Sym, ts: Option<u64>) {
        let earlier = match (ts, self.project_ts) {
            (_, None) if self.project.0 == 0 => true,
            (Some(t), None) => {
                self.project_ts = Some(t);
                self.project = project;
                return;
            }
            (Some(t), Some(p)) => t < p,
            (None, _) => false,
        };
        if earlier {
            self.project = project;
            self.project_ts = ts.or(self.project_ts);
        }
    }

    /// The branch is the `gitBranch` of the latest line that has one.
    /// The model the session is configured with, until a call says which model answered.
    pub(crate) fn set_configured_model(&mut self, model: Sym) {
        if self.model_key.is_none() && self.model != model {
            self.model = model;
            self.dirty = true;
        }
    }

    pub(crate) fn set_branch(&mut self, branch: Sym, ts: Option<u64>) {
        let later = match (ts, self.branch_ts) {
            (Some(t), Some(b)) => t >= b,
            (Some(_), None) => true,
            (None, b) => b.is_none(),
        };
        if later {
            self.branch = branch;
            self.branch_ts = ts.or(self.branch_ts);
        }
    }
}

/// The numbers of one model call, before they become a [`Turn`] row.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct TurnValues {
    pub(crate) ts_ms: u64,
    pub(crate) session: u32,
    pub(crate) turn_index: u32,
    pub(crate) model: Sym,
    pub(crate) input: u64,
    pub(crate) output: u64,
    pub(crate) cached: u64,
    pub(crate) reasoning: u64,
    pub(crate) cache_write: u64,
    pub(crate) cache_write_5m: u64,
    pub(crate) cache_write_1h: u64,
    pub(crate) cost: f64,
    pub(crate) priced: bool,
    pub(crate) stop_reason: Sym,
    pub(crate) is_error: bool,
    pub(crate) context_window: u32,
    pub(crate) context_used_pct: f32,
    pub(crate) dur_ms: u32,
}

/// One tool execution, before it becomes a [`ToolCall`] row.
pub(crate) struct ToolValues<'a> {
    pub(crate) ts_ms: u64,
    pub(crate) session: u32,
    pub(crate) turn_index: u32,
    pub(crate) tool_name: &'a str,
    pub(crate) input_summary: &'a str,
    pub(crate) dur_ms: u64,
    pub(crate) ok: bool,
    pub(crate) output_lines: u64,
    pub(crate) output_bytes: u64,
    pub(crate) call_id: &'a str,
    pub(crate) turn_id: &'a str,
}

/// What every file's handler shares: strings, sessions, prices and counters.
pub(crate) struct Shared {
    pub(crate) strings: Interner,
    sessions: Vec<SessionAgg>,
    session_index: HashMap<(Agent, Sym), u32>,
    pub(crate) prices: Prices,
    /// Per interned model name, its price once looked up (a lookup tries several spellings).
    model_prices: HashMap<Sym, Option<ModelPrice>>,
    pub(crate) unpriced: BTreeMap<String, u64>,
    pub(crate) reviews: crate::review::Reviews,
}

fn sat32(n: u64) -> u32 {
    n.min(u64::from(u32::MAX)) as u32
}

impl Shared {
    /// The price of an interned model name.
    pub(crate) fn price(&mut self, model: Sym) -> Option<&ModelPrice> {
        let (prices, strings) = (&self.prices, &self.strings);
        self.model_prices
            .entry(model)
            .or_insert_with(|| prices.get(strings.get(model)).cloned())
            .as_ref()
    }

    pub(crate) fn session(&mut self, agent: Agent, id: &str) -> u32 {
        let sym = self.strings.intern(id);
        if let Some(&i) = self.session_index.get(&(agent, sym)) {
            return i;
        }
        let i = self.sessions.len() as u32;
        self.sessions.push(SessionAgg {
            agent: Some(agent),
            id: sym,
            ..Default::default()
        });
        self.session_index.insert((agent, sym), i);
        i
    }

    pub(crate) fn agg(&mut self, session: u32) -> &mut SessionAgg {
        &mut self.sessions[session as usize]
    }

    /// Hands a turn to the sink and updates its session's totals. `replaces` is the earlier
    /// emission of the same call, if any.
    pub(crate) fn emit_turn(
        &mut self,
        v: &TurnValues,
        turn_id: &str,
        replaces: Option<&TurnValues>,
        sink: &mut dyn Sink,
    ) {
        if replaces.is_none() && !v.priced && v.input.saturating_add(v.output) > 0 {
            let model = self.strings.get(v.model);
            *self.unpriced.entry(model.to_string()).or_default() += 1;
        }
        let s = &mut self.sessions[v.session as usize];
        if let Some(old) = replaces {
            s.input = s.input.saturating_sub(old.input);
            s.output = s.output.saturating_sub(old.output);
            s.cached = s.cached.saturating_sub(old.cached);
            s.cache_write = s.cache_write.saturating_sub(old.cache_write);
            s.reasoning = s.reasoning.saturating_sub(old.reasoning);
            s.cost -= old.cost;
        } else {
            s.turns += 1;
        }
        s.input = s.input.saturating_add(v.input);
        s.output = s.output.saturating_add(v.output);
        s.cached = s.cached.saturating_add(v.cached);
        s.cache_write = s.cache_write.saturating_add(v.cache_write);
        s.reasoning = s.reasoning.saturating_add(v.reasoning);
        s.cost += v.cost;
        // The session's model is that of its latest call (by time, then turn index).
        if s.model_key.is_none_or(|k| (v.ts_ms, v.turn_index) >= k) {
            s.model_key = Some((v.ts_ms, v.turn_index));
            s.model = v.model;
        }
        s.dirty = true;
        let (agent, id, project) = (s.agent, s.id, s.project);
        let row = |v: &TurnValues| Turn {
            ts_ms: v.ts_ms,
            session_id: self.strings.get(id),
            turn_index: v.turn_index,
            agent: agent.map_or("", Agent::as_str),
            model: self.strings.get(v.model),
            input_tokens: sat32(v.input),
            output_tokens: sat32(v.output),
            cached_tokens: sat32(v.cached),
            reasoning_tokens: sat32(v.reasoning),
            dur_ms: v.dur_ms,
            cost_usd: v.cost,
            stop_reason: self.strings.get(v.stop_reason),
            is_error: u8::from(v.is_error),
            context_window: v.context_window,
            context_used_pct: v.context_used_pct,
            turn_id,
            cache_write_tokens: sat32(v.cache_write),
            cache_write_5m_tokens: sat32(v.cache_write_5m),
            cache_write_1h_tokens: sat32(v.cache_write_1h),
            project_path: self.strings.get(project),
        };
        let new = row(v);
        let old = replaces.map(row);
        sink.turn(&new, old.as_ref());
    }

    pub(crate) fn emit_tool(&mut self, t: &ToolValues<'_>, sink: &mut dyn Sink) {
        let s = &mut self.sessions[t.session as usize];
        s.tool_calls += 1;
        s.failed_tool_calls += u32::from(!t.ok);
        s.dirty = true;
        let row = ToolCall {
            ts_ms: t.ts_ms,
            session_id: self.strings.get(s.id),
            turn_index: t.turn_index,
            agent: s.agent.map_or("", Agent::as_str),
            tool_name: t.tool_name,
            input_summary: t.input_summary,
            dur_ms: sat32(t.dur_ms),
            ok: u8::from(t.ok),
            output_lines: sat32(t.output_lines),
            output_bytes: sat32(t.output_bytes),
            call_id: t.call_id,
            turn_id: t.turn_id,
            project_path: self.strings.get(s.project),
        };
        sink.tool_call(&row);
    }

    pub(crate) fn session_id(&self, session: u32) -> &str {
        self.strings.get(self.sessions[session as usize].id)
    }

    fn flush_sessions(&mut self, sink: &mut dyn Sink) {
        for s in self.sessions.iter_mut().filter(|s| s.dirty) {
            s.dirty = false;
            let Some(first) = s.first_ts else { continue };
            let g = |sym| self.strings.get(sym);
            sink.session(&Session {
                ts_ms: s.last_ts,
                session_id: g(s.id),
                agent: s.agent.map_or("", Agent::as_str),
                model: g(s.model),
                project_path: g(s.project),
                git_branch: g(s.branch),
                git_commit: g(s.commit),
                dur_ms: s.last_ts - first,
                turns: s.turns,
                total_input_tokens: s.input,
                total_output_tokens: s.output,
                total_cost_usd: s.cost,
                first_ts_ms: first,
                total_cached_tokens: s.cached,
                total_cache_write_tokens: s.cache_write,
                total_reasoning_tokens: s.reasoning,
                tool_calls: s.tool_calls,
                failed_tool_calls: s.failed_tool_calls,
                parent_session_id: g(s.parent),
                source: g(s.source),
                cli_version: g(s.cli_version),
            });
        }
        let (strings, index) = (&self.strings, &self.session_index);
        let session_of = |id: &str| {
            strings
                .find(id)
                .and_then(|sym| index.get(&(Agent::Codex, sym)).copied())
        };
        let name = |a: &SessionAgg| {
            (
                strings.get(a.id).to_owned(),
                strings.get(a.model).to_owned(),
            )
        };
        self.reviews.flush(&self.sessions, &session_of, &name, sink);
    }
}

/// Why one line was skipped.
pub(crate) enum Skip {
    Reason(SkipReason),
}

impl From<BadField> for Skip {
    fn from(_: BadField) -> Self {
        Skip::Reason(SkipReason::BadField)
    }
}

impl From<SkipReason> for Skip {
    fn from(r: SkipReason) -> Self {
        Skip::Reason(r)
    }
}

enum FileState {
    Claude(claude::FileState),
    Codex(Box<codex::FileState>),
}

/// Parses logs of both agents into rows.
///
/// One `Parser` sees every file of a scan, because calls are deduplicated across files (a
/// sub-agent file replays its parent's lines; a Codex fork replays its parent's history).
/// Feed each file's bytes in order, in pieces of whole lines, with [`Parser::feed`] (or read
/// them with [`Parser::feed_from`], which reads and indexes large reads ahead); call
/// [`Parser::finish`] at the end of a one-shot pass. The rows are the same however a file is
/// split into pieces or interleaved with other files' pieces, and a restarted process that
/// feeds every file again from 0 up to its checkpoint into a [`NullSink`] ends in the state the
/// old one had there: calls still waiting at the checkpoint are waiting again, and are emitted
/// when their next line arrives.
pub struct Parser {
    shared: Shared,
    claude: claude::Global,
    codex: codex::Global,
    files: Vec<FileState>,
    json: JsonScratch,
    /// Indexes of pieces, reused by [`Parser::feed_from`]'s second thread.
    pieces: Vec<IndexedPiece>,
    /// [`Parser::feed_from`]'s second thread, started at its first large read and kept: a
    /// backfill reads hundreds of files, and a thread started for each read was put on the
    /// core of the thread that started it for part of the read, often enough to leave a
    /// quarter of two cores idle.
    reading: Option<rayon_core::ThreadPool>,
    skipped: Skipped,
}

/// A read from this size on is read and indexed on a second thread, sub-piece by sub-piece,
/// while this thread applies the lines already indexed: reading (a copy from the page cache) and
/// indexing (structure, string ends, long strings' escapes) are about half the work, and a
/// backfill reads megabytes at a time.
const INDEX_AHEAD_BYTES: usize = 128 << 10;
/// The size of those sub-pieces (rounded up to a line end), and how many are indexed ahead. The
/// first ones are smaller. This thread reads the first 32 KiB itself and applies their complete
/// lines while the second thread wakes and reads on (the rest of them start its first piece).
const FIRST_PIECE_BYTES: usize = 32 << 10;
const SUB_PIECE_BYTES: usize = 256 << 10;
const PIECES_AHEAD: usize = 2;
/// A piece's last line up to this size (about 20 µs of applying) is short enough to count the
/// piece as applied before it (see `Parser::apply_piece`).
const SHORT_LAST_LINE_BYTES: usize = 32 << 10;

/// What [`Parser::feed_from`] read and parsed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fed {
    /// Bytes read from the source.
    pub read: u64,
    /// Bytes parsed: up to and including the last `\n` read. The rest is an incomplete line:
    /// read it again, completed, in a later call.
    pub used: u64,
}

/// The first `len` bytes of `buf`, which is grown (and zeroed) only when shorter: a reader's
/// buffer is kept across reads, and zeroing megabytes for each would cost as much as a copy.
fn region(buf: &mut Vec<u8>, len: usize) -> &mut [u8] {
    if buf.len() < len {
        buf.resize(len, 0);
    }
    &mut buf[..len]
}

/// Reads into `region` until it is full or `src` ends; returns the bytes read.
fn fill(src: &mut dyn Read, region: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < region.len() {
        match src.read(&mut region[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// A piece of a read, from the reading thread to the applying one: the bytes of whole lines,
/// starting at byte `at` of the file, and the index of its lines up to byte `indexed` of the
/// piece. The reading thread leaves the lines after that to the applying one.
struct Piece<'b> {
    at: u64,
    bytes: &'b mut [u8],
    index: IndexedPiece,
    indexed: usize,
}

/// The reading thread of [`Parser::feed_from`]: reads `region` full from `src` (or to the end of
/// `src`; its first `filled` bytes are read already), cuts it into pieces of whole lines of
/// about [`SUB_PIECE_BYTES`], indexes their lines into a free index, as far as the applying
/// thread leaves it time to, and hands each piece on, in order. Returns the bytes it read, and
/// the error that stopped it.
///
/// Which thread is the busier depends on the lines (long outputs are mostly indexing, short
/// lines mostly applying), so the work is shared line by line. `unapplied` counts the pieces
/// handed on and not yet applied (up to their last line, when it is short; the calling
/// thread's own first piece counts too). Before every line: at 0, the applying thread is
/// waiting or about to, and the piece goes to it at once, with the lines not yet indexed left
/// to it; at 1, the line is indexed; from 2, a whole piece waits to be applied, so this thread
/// is ahead and also checks the line's UTF-8. (Asked once a piece instead, the applying thread
/// waited for most of a piece's indexing whenever this one was the busier.) The applying
/// thread still waits for a piece's read from `src`, and this one for a free index when all
/// are handed on.
fn read_ahead<'b>(
    src: &mut (dyn Read + Send),
    offset: u64,
    region: &'b mut [u8],
    filled: usize,
    free: &Receiver<IndexedPiece>,
    to_apply: &SyncSender<Piece<'b>>,
    unapplied: &AtomicUsize,
) -> (u64, Option<std::io::Error>) {
    let (mut rest, mut at, mut filled, mut read, mut ended) = (region, offset, filled, 0u64, false);
    let mut piece_bytes = FIRST_PIECE_BYTES;
    loop {
        // A piece's worth of bytes, and on until a line ends in them or the input does.
        let mut searched = 0;
        let cut = loop {
            if filled >= piece_bytes || ended {
                if let Some(nl) = memchr::memrchr(b'\n', &rest[searched..filled]) {
                    break Some(searched + nl + 1);
                }
                searched = filled;
                if ended {
                    break None;
                }
            }
            let want = (filled + piece_bytes).min(rest.len());
            match fill(src, &mut rest[filled..want]) {
                Ok(n) => {
                    filled += n;
                    read += n as u64;
                    // `fill` stops short only where `src` ends.
                    ended = filled < want || filled == rest.len();
                }
                Err(e) => return (read, Some(e)),
            }
        };
        // Only an incomplete line is left (or nothing).
        let Some(cut) = cut else {
            return (read, None);
        };
        let (piece, tail) = std::mem::take(&mut rest).split_at_mut(cut);
        rest = tail;
        filled -= cut;
        piece_bytes = (piece_bytes * 2).min(SUB_PIECE_BYTES);
        let Ok(mut index) = free.recv() else {
            return (read, None);
        };
        let indexed = index.build(piece, || match unapplied.load(Ordering::Relaxed) {
            0 => LineWork::Leave,
            1 => LineWork::Index,
            _ => LineWork::Check,
        });
        unapplied.fetch_add(1, Ordering::Relaxed);
        let piece = Piece {
            at,
            bytes: piece,
            index,
            indexed,
        };
        if to_apply.send(piece).is_err() {
            return (read, None);
        }
        at += cut as u64;
    }
}

/// The next non-empty line of `bytes` from `at` on (without its `\n` or `\r\n`), and where the
/// line after it starts; `None` when no complete line is left.
pub(crate) fn next_line(bytes: &[u8], mut at: usize) -> Option<(Range<usize>, usize)> {
    loop {
        let end = at + memchr::memchr(b'\n', &bytes[at..])?;
        let line_end = if end > at && bytes[end - 1] == b'\r' {
            end - 1
        } else {
            end
        };
        if line_end > at {
            return Some((at..line_end, end + 1));
        }
        at = end + 1;
    }
}

impl Parser {
    pub fn new(prices: Prices) -> Self {
        Self {
            shared: Shared {
                strings: Interner::new(),
                sessions: Vec::new(),
                session_index: HashMap::new(),
                prices,
                model_prices: HashMap::new(),
                unpriced: BTreeMap::new(),
                reviews: Default::default(),
            },
            claude: claude::Global::default(),
            codex: codex::Global::default(),
            files: Vec::new(),
            json: JsonScratch::default(),
            pieces: Vec::new(),
            reading: None,
            skipped: Skipped::default(),
        }
    }

    /// Registers a file; its name gives the session id when its lines do not.
    pub fn open(&mut self, agent: Agent, path: &Path) -> FileId {
        let id = FileId(self.files.len() as u32);
        self.files.push(match agent {
            Agent::Claude => FileState::Claude(claude::FileState::new(path, &mut self.shared)),
            Agent::Codex => {
                let state = codex::FileState::new(path, &mut self.shared);
                self.codex.register(path);
                FileState::Codex(Box::new(state))
            }
        });
        id
    }

    /// Parses the complete lines of `bytes`, which start at byte `offset` of the file, and
    /// returns how many bytes they covered (up to and including the last `\n`). The rest is an
    /// incomplete line: feed it again, completed, in a later call. The bytes are clobbered
    /// (strings are unescaped in place).
    pub fn feed(
        &mut self,
        file: FileId,
        offset: u64,
        bytes: &mut [u8],
        sink: &mut dyn Sink,
    ) -> usize {
        let Some(last) = memchr::memrchr(b'\n', bytes) else {
            return 0;
        };
        // Taken out for the loop: a line's index borrows it while the line is applied.
        let mut json = std::mem::take(&mut self.json);
        let mut at = 0;
        while let Some((line, next)) = next_line(&bytes[..=last], at) {
            let index = json.index(&bytes[line.clone()]);
            let line_at = offset + line.start as u64;
            self.apply(file, line_at, &mut bytes[line], index, sink);
            at = next;
        }
        self.json = json;
        last + 1
    }

    /// Reads up to `len` bytes of a file from `src`, which stands at byte `offset` of it, into
    /// `buf`, and parses their complete lines as [`Parser::feed`] does. From 128 KiB on, the
    /// parser's second thread reads and indexes sub-pieces ahead, in order, while this one
    /// applies their lines, in order, after reading the first 32 KiB and applying their
    /// complete lines itself (all of it here when `src` ends within them, or when no thread
    /// can be had); the call returns once that thread is done with `src` and `buf`. A read
    /// error ends the call: with what was parsed before it, or, when nothing was, as the error.
    pub fn feed_from(
        &mut self,
        file: FileId,
        offset: u64,
        src: &mut (dyn Read + Send),
        len: u64,
        buf: &mut Vec<u8>,
        sink: &mut dyn Sink,
    ) -> std::io::Result<Fed> {
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        let region = region(buf, len);
        if len < INDEX_AHEAD_BYTES {
            return self.read_then_feed(file, offset, src, region, 0, sink);
        }
        // This thread reads the first sub-piece itself and applies it while the second thread
        // wakes and reads on: waiting for that thread to wake and read it was about 30 ms of a
        // backfill of 500 files.
        let head_read = fill(src, &mut region[..FIRST_PIECE_BYTES])?;
        if head_read < FIRST_PIECE_BYTES {
            // `src` ended there.
            let head = &mut region[..head_read];
            return self.read_then_feed(file, offset, src, head, head_read, sink);
        }
        if self.reading.is_none() {
            self.reading = rayon_core::ThreadPoolBuilder::new()
                .num_threads(1)
                .thread_name(|_| "seqch-index".into())
                .build()
                .ok();
        }
        let Some(pool) = self.reading.take() else {
            // No thread to be had: read the rest, then parse it all here.
            return self.read_then_feed(file, offset, src, region, head_read, sink);
        };
        let head = memchr::memrchr(b'\n', &region[..head_read]).map_or(0, |nl| nl + 1);
        let (head_bytes, rest) = region.split_at_mut(head);
        let mut spare = std::mem::take(&mut self.pieces);
        spare.resize_with(PIECES_AHEAD + 1, IndexedPiece::default);
        let reading = &mut *src;
        let mut read_outcome = None;
        // The head counts as a piece handed on until it is applied.
        let unapplied = &AtomicUsize::new(1);
        let used = pool.in_place_scope(|scope| {
            let (to_reader, free) = std::sync::mpsc::sync_channel::<IndexedPiece>(PIECES_AHEAD + 1);
            let (to_apply, indexed) = std::sync::mpsc::sync_channel::<Piece>(PIECES_AHEAD + 1);
            for index in spare.drain(..) {
                to_reader.send(index).expect("the queue holds every index");
            }
            let read_outcome = &mut read_outcome;
            scope.spawn(move |_| {
                let rest_at = offset + head as u64;
                let filled = head_read - head;
                let outcome =
                    read_ahead(reading, rest_at, rest, filled, &free, &to_apply, unapplied);
                *read_outcome = Some((outcome, free.try_iter().collect::<Vec<_>>()));
            });
            let mut used = self.feed(file, offset, head_bytes, sink) as u64;
            unapplied.fetch_sub(1, Ordering::Relaxed);
            for mut piece in indexed {
                self.apply_piece(file, &mut piece, unapplied, sink);
                used += piece.bytes.len() as u64;
                if let Err(back) = to_reader.send(piece.index) {
                    spare.push(back.0);
                }
            }
            used
        });
        self.reading = Some(pool);
        let ((read, error), free) = read_outcome.expect("the scope waits for the reading");
        spare.extend(free);
        self.pieces = spare;
        match error {
            Some(e) if used == 0 => Err(e),
            _ => Ok(Fed {
                read: head_read as u64 + read,
                used,
            }),
        }
    }

    /// Applies a piece from the reading thread: its indexed lines, then the rest, which this
    /// thread indexes itself. `unapplied` goes down by one from the piece's last line on when
    /// that line is short: the reading thread then hands the next piece on while the line is
    /// applied, and this thread finds it there instead of sleeping until it comes. Before a
    /// long last line, that would leave the reading thread idle while this one still had the
    /// line to do, so then it goes down after the piece.
    fn apply_piece(
        &mut self,
        file: FileId,
        piece: &mut Piece<'_>,
        unapplied: &AtomicUsize,
        sink: &mut dyn Sink,
    ) {
        let Piece {
            at,
            ref mut bytes,
            ref index,
            indexed,
        } = *piece;
        let last = memchr::memrchr(b'\n', &bytes[..bytes.len() - 1]).map_or(0, |nl| nl + 1);
        let applied_from = if bytes.len() - last <= SHORT_LAST_LINE_BYTES {
            last
        } else {
            bytes.len()
        };
        let applied = || unapplied.fetch_sub(1, Ordering::Relaxed);
        for (line, line_index) in index.lines(bytes.as_ptr()) {
            if line.start >= applied_from {
                applied();
            }
            let line_at = at + line.start as u64;
            let line_index = line_index.check(&bytes[line.clone()]);
            self.apply(file, line_at, &mut bytes[line], line_index, sink);
        }
        if indexed <= applied_from {
            self.feed(
                file,
                at + indexed as u64,
                &mut bytes[indexed..applied_from],
                sink,
            );
            applied();
            self.feed(
                file,
                at + applied_from as u64,
                &mut bytes[applied_from..],
                sink,
            );
        }
    }

    /// [`Parser::feed_from`] on this thread alone: reads the rest of `region` (its first
    /// `filled` bytes are read already), then parses.
    fn read_then_feed(
        &mut self,
        file: FileId,
        offset: u64,
        src: &mut dyn Read,
        region: &mut [u8],
        filled: usize,
        sink: &mut dyn Sink,
    ) -> std::io::Result<Fed> {
        let read = filled + fill(src, &mut region[filled..])?;
        let used = self.feed(file, offset, &mut region[..read], sink) as u64;
        Ok(Fed {
            read: read as u64,
            used,
        })
    }

    /// Applies one line, given its index or why it is skipped.
    fn apply(
        &mut self,
        file: FileId,
        offset: u64,
        line: &mut [u8],
        index: Result<LineIndex<'_>, SkipReason>,
        sink: &mut dyn Sink,
    ) {
        let index = match index {
            Ok(index) => index,
            Err(reason) => return self.skipped.add(reason),
        };
        let Self {
            shared,
            claude,
            codex,
            files,
            skipped,
            ..
        } = self;
        let state = &mut files[file.0 as usize];
        let replay_hash = match state {
            FileState::Codex(f) => f.replay_hash(line),
            FileState::Claude(_) => 0,
        };
        let v = index.root(line);
        let result = if !v.is_object() {
            Err(Skip::Reason(SkipReason::MalformedJson))
        } else {
            match state {
                FileState::Claude(f) => claude.line(shared, f, file, offset, v, sink),
                FileState::Codex(f) => codex.line(shared, f, file, offset, replay_hash, v, sink),
            }
        };
        if let Err(Skip::Reason(r)) = result {
            skipped.add(r);
        }
    }

    /// Notes a line longer than [`MAX_LINE_BYTES`] that the caller skipped unread.
    pub fn oversized_line(&mut self) {
        self.skipped.add(SkipReason::Oversized);
    }

    /// Notes that a one-shot pass ended with `n` bytes of an incomplete last line.
    pub fn incomplete_tail(&mut self, n: usize) {
        if n > 0 {
            self.skipped.add(SkipReason::IncompleteTail);
        }
    }

    /// Emits every call still waiting for more lines (end of a one-shot pass, or a tailer whose
    /// files have been quiet for its grace period), then the sessions whose totals changed.
    pub fn finish(&mut self, sink: &mut dyn Sink) {
        self.claude.finish(&mut self.shared, sink);
        for f in &mut self.files {
            if let FileState::Codex(f) = f {
                f.finish(&mut self.shared, sink);
            }
        }
        self.shared.flush_sessions(sink);
    }

    /// Emits the sessions whose totals changed since the last call.
    pub fn flush_sessions(&mut self, sink: &mut dyn Sink) {
        self.shared.flush_sessions(sink);
    }

    pub fn skipped(&self) -> &Skipped {
        &self.skipped
    }

    /// Calls with tokens whose model had no price, by model.
    pub fn unpriced(&self) -> &BTreeMap<String, u64> {
        &self.shared.unpriced
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    /// Every row a parser emits, as it is emitted.
    #[derive(Default)]
    struct Rows(Vec<String>);

    impl Sink for Rows {
        fn turn(&mut self, turn: &Turn<'_>, replaces: Option<&Turn<'_>>) {
            self.0.push(format!("{turn:?} replacing {replaces:?}"));
        }
        fn tool_call(&mut self, call: &ToolCall<'_>) {
            self.0.push(format!("{call:?}"));
        }
        fn rate_limit(&mut self, limit: &RateLimit<'_>) {
            self.0.push(format!("{limit:?}"));
        }
        fn session(&mut self, session: &Session<'_>) {
            self.0.push(format!("{session:?}"));
        }
    }

    /// How a test piece ends.
    #[derive(Debug, Clone, Copy)]
    enum End {
        /// With a line of the log.
        Line,
        EmptyLine,
        /// With a line longer than [`SHORT_LAST_LINE_BYTES`].
        LongLine,
    }

    /// A real Claude log with an empty line and a `\r\n` line end, ending as `end` says.
    fn log(end: End) -> Vec<u8> {
        let real = include_bytes!(
            "../tests/fixtures/cases/claude-spotter-2.1.38-tool-heavy/claude/projects/-home-marco-projects-spotter/d6e0bada-1959-4eec-a9d2-0bfade768d8f.jsonl"
        );
        let mut text = Vec::new();
        for (i, line) in real.split_inclusive(|&b| b == b'\n').enumerate() {
            text.extend_from_slice(line);
            if i == 2 {
                text.push(b'\n');
            }
            if i == 4 {
                text.pop();
                text.extend_from_slice(b"\r\n");
            }
        }
        match end {
            End::Line => {}
            End::EmptyLine => text.push(b'\n'),
            End::LongLine => {
                let data = "x".repeat(SHORT_LAST_LINE_BYTES);
                let line = format!("{{\"type\":\"progress\",\"data\":\"{data}\"}}\n");
                text.extend_from_slice(line.as_bytes());
            }
        }
        text
    }

    /// The rows of `text` parsed by `parse`, then finished.
    fn rows(
        text: &[u8],
        parse: impl FnOnce(&mut Parser, FileId, &mut [u8], &mut Rows),
    ) -> Vec<String> {
        let mut parser = Parser::new(Prices::embedded());
        let path = Path::new("/p/d6e0bada-1959-4eec-a9d2-0bfade768d8f.jsonl");
        let id = parser.open(Agent::Claude, path);
        let mut rows = Rows::default();
        parse(&mut parser, id, &mut text.to_vec(), &mut rows);
        parser.finish(&mut rows);
        rows.0
    }

    #[test]
    fn a_piece_is_applied_as_fed_wherever_its_indexing_stopped() {
        for end in [End::Line, End::EmptyLine, End::LongLine] {
            let text = log(end);
            let want = rows(&text, |parser, id, bytes, sink| {
                parser.feed(id, 0, bytes, sink);
            });
            assert!(want.len() > 10, "{want:?}");
            for work in [LineWork::Index, LineWork::Check] {
                for lines in 0..=41 {
                    let got = rows(&text, |parser, id, bytes, sink| {
                        let mut index = IndexedPiece::default();
                        let asked = Cell::new(0);
                        let indexed = index.build(bytes, || {
                            asked.set(asked.get() + 1);
                            if asked.get() > lines {
                                LineWork::Leave
                            } else {
                                work
                            }
                        });
                        let unapplied = AtomicUsize::new(1);
                        let mut piece = Piece {
                            at: 0,
                            bytes,
                            index,
                            indexed,
                        };
                        parser.apply_piece(id, &mut piece, &unapplied, sink);
                        assert_eq!(unapplied.load(Ordering::Relaxed), 0, "counted once");
                    });
                    assert_eq!(got, want, "{lines} lines indexed, ending with {end:?}");
                }
            }
        }
    }
}
