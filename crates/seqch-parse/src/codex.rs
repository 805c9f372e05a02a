//! Codex rollouts (`~/.codex/sessions/**/rollout-*.jsonl`, `archived_sessions/`, `.jsonl.zst`),
//! both the envelope format (0.32+) and the older bare-item format. The rules are in
//! COUNTING.md ("Codex turns", "Codex files across places", "Codex tool calls", "Codex rate
//! limits").

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::LazyLock;

use memchr::memmem;
use seqch_rows::RateLimit;

use crate::json::{
    BadField, JsonScratch, TextSize, Value, arr_field, f64_field, field, obj_field, str_field,
    typed_field, u64_field, write_compact,
};
use crate::parser::{Agent, FileId, Shared, Sink, Skip, Sym, ToolValues, TurnValues, key_hash};
use crate::pricing::OpenAiUsage;
use crate::review;
use crate::skipped::SkipReason;
use crate::sources;
use crate::time::parse_ts_ms;
use seqch_rows::redact::summarize_into;

const ENVELOPE_TYPES: &[&str] = &[
    "session_meta",
    "response_item",
    "event_msg",
    "turn_context",
    "compacted",
    "world_state",
    "inter_agent_communication",
    "inter_agent_communication_metadata",
    "token_usage_record",
    "retained_context",
    "security_risk_score",
    "realtime_item",
];

/// Response items as the pre-0.32 format wrote them, bare on a line.
const BARE_ITEM_TYPES: &[&str] = &[
    "message",
    "reasoning",
    "local_shell_call",
    "function_call",
    "function_call_output",
    "custom_tool_call",
    "custom_tool_call_output",
    "web_search_call",
    "ghost_snapshot",
    "tool_search_call",
    "tool_search_output",
    "image_generation_call",
    "compaction",
    "compaction_summary",
    "context_compaction",
    "agent_message",
];

/// A log file's name without `.jsonl` or `.jsonl.zst`.
fn log_stem(name: &str) -> &str {
    let name = name.strip_suffix(".zst").unwrap_or(name);
    name.strip_suffix(".jsonl").unwrap_or(name)
}

/// What a rollout's file name carries, `rollout-<local time>-<thread>[_<session>].jsonl`: the
/// thread id, and `_<session>` (a resumed thread's file since Aug 2026) or nothing.
fn rollout_ids(path: &Path) -> Option<(&str, &str)> {
    let rest = log_stem(path.file_name()?.to_str()?).strip_prefix("rollout-")?;
    // `YYYY-MM-DDThh-mm-ss-` (20 bytes) or the older `YYYY-MM-DD-`.
    let rest = if rest.len() > 20 && rest.as_bytes()[10] == b'T' {
        rest.get(20..)?
    } else {
        rest.get(11..)?
    };
    let thread = rest.find('_').unwrap_or(rest.len());
    (thread > 0).then(|| rest.split_at(thread))
}

/// The thread id a rollout's file name carries.
pub(crate) fn thread_id_from_path(path: &Path) -> Option<String> {
    rollout_ids(path).map(|(thread, _)| thread.to_owned())
}

/// `_<session>` of a resumed thread's file, else empty: ids made of byte offsets carry it,
/// since the thread's other files have lines at the same offsets.
fn file_part(path: &Path) -> Box<str> {
    match rollout_ids(path) {
        Some((_, part)) if part.len() > 1 => part.into(),
        _ => "".into(),
    }
}

/// Cumulative or per-call token counts as Codex writes them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Tokens {
    input: u64,
    cached: u64,
    cache_write: u64,
    output: u64,
    reasoning: u64,
    total: u64,
}

impl Tokens {
    fn read(v: Value<'_, '_>) -> Result<Self, BadField> {
        let [input, cached, cache_write, output, reasoning, total] = v.pick([
            "input_tokens",
            "cached_input_tokens",
            "cache_write_input_tokens",
            "output_tokens",
            "reasoning_output_tokens",
            "total_tokens",
        ]);
        Ok(Self {
            input: input.u64()?.unwrap_or(0),
            cached: cached.u64()?.unwrap_or(0),
            cache_write: cache_write.u64()?.unwrap_or(0),
            output: output.u64()?.unwrap_or(0),
            reasoning: reasoning.u64()?.unwrap_or(0),
            total: total.u64()?.unwrap_or(0),
        })
    }

    fn fields(&self) -> [u64; 6] {
        [
            self.input,
            self.cached,
            self.cache_write,
            self.output,
            self.reasoning,
            self.total,
        ]
    }

    fn any_below(&self, other: &Self) -> bool {
        self.fields()
            .iter()
            .zip(other.fields())
            .any(|(a, b)| *a < b)
    }

    fn plus(&self, o: &Self) -> Self {
        Self {
            input: self.input.saturating_add(o.input),
            cached: self.cached.saturating_add(o.cached),
            cache_write: self.cache_write.saturating_add(o.cache_write),
            output: self.output.saturating_add(o.output),
            reasoning: self.reasoning.saturating_add(o.reasoning),
            total: self.total.saturating_add(o.total),
        }
    }

    fn minus(&self, o: &Self) -> Self {
        Self {
            input: self.input.saturating_sub(o.input),
            cached: self.cached.saturating_sub(o.cached),
            cache_write: self.cache_write.saturating_sub(o.cache_write),
            output: self.output.saturating_sub(o.output),
            reasoning: self.reasoning.saturating_sub(o.reasoning),
            total: self.total.saturating_sub(o.total),
        }
    }

    fn bills_nothing(&self) -> bool {
        self.input == 0 && self.cached == 0 && self.output == 0 && self.reasoning == 0
    }
}

/// Where a fork child's inherited history ends.
enum Inherit {
    /// Not a fork, or its inherited prefix is over.
    No,
    /// Lines in this second (unix seconds) of the child's first line are inherited.
    Burst(u64),
    /// Lines whose `(type, payload)` bytes occur in the parent file are inherited, and so are
    /// those in this second (a child written by another Codex version than its parent
    /// re-serializes the copied lines: their bytes may differ).
    Parent(Rc<HashSet<u64>>, Option<u64>),
}

struct PendingTurn {
    values: TurnValues,
    usage: Tokens,
    turn_id: String,
}

struct PendingCall {
    ts: u64,
    session: u32,
    turn_index: u32,
    name: Box<str>,
    summary: Box<str>,
    call_id: Box<str>,
    /// For `write_stdin`: the unified-exec session it writes to.
    stdin_session: Option<Box<str>>,
    output: Option<(u64, u64)>,
    dur_ms: Option<u64>,
}

/// Per-file state.
pub(crate) struct FileState {
    session: u32,
    identified: bool,
    legacy_ts: Option<u64>,
    /// The last line timestamp, for lines without one (COUNTING.md, "Lines").
    last_ts: Option<u64>,
    prev: Option<Tokens>,
    model: Sym,
    has_records: bool,
    /// The file continues a thread's history kept in another file (`session_meta.history_base`:
    /// since Aug 2026 a resumed thread gets a new file), whose totals its counts carry on.
    continues_history: bool,
    /// See [`file_part`].
    part: Box<str>,
    pending_turn: Option<PendingTurn>,
    inherit: Inherit,
    calls: HashMap<u128, PendingCall>,
    resolved: HashSet<u128>,
    /// Unified-exec sessions still running, with the calls waiting on each.
    exec_sessions: HashMap<Box<str>, Vec<u128>>,
    /// The review running in this thread, from its entry event to the end of its turn.
    review: Option<review::Open>,
    /// This file is a reviewer sub-session (`source = {"subagent":"review"}`) whose first turn
    /// has not been seen yet.
    reviewer_awaits_turn: bool,
}

impl FileState {
    pub(crate) fn new(path: &Path, shared: &mut Shared) -> Self {
        let id = thread_id_from_path(path).unwrap_or_else(|| {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            log_stem(&name).to_owned()
        });
        Self {
            session: shared.session(Agent::Codex, &id),
            identified: false,
            legacy_ts: None,
            last_ts: None,
            prev: None,
            model: Sym(0),
            has_records: false,
            continues_history: false,
            part: file_part(path),
            pending_turn: None,
            inherit: Inherit::No,
            calls: HashMap::new(),
            resolved: HashSet::new(),
            exec_sessions: HashMap::new(),
            review: None,
            reviewer_awaits_turn: false,
        }
    }

    /// The hash of a line's `(type, payload)` bytes, needed only while matching a parent.
    pub(crate) fn replay_hash(&self, line: &[u8]) -> u64 {
        match &self.inherit {
            Inherit::Parent(..) => payload_hash(line),
            _ => 0,
        }
    }

    pub(crate) fn finish(&mut self, shared: &mut Shared, sink: &mut dyn Sink) {
        self.flush_turn(shared, sink);
    }

    fn flush_turn(&mut self, shared: &mut Shared, sink: &mut dyn Sink) {
        if let Some(t) = self.pending_turn.take() {
            shared.emit_turn(&t.values, &t.turn_id, None, sink);
        }
    }
}

/// Searchers built once: `memmem::find` builds one per call, which costs more than searching
/// the first hundred bytes of a line.
static TYPE_KEY: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new("\"type\":"));
static OUTPUT_MARKER: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new("\nOutput:"));
static WALL_TIME: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new("Wall time: "));
static EXITED: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new("Process exited with code "));
static RUNNING: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new("Process running with session ID "));

fn payload_hash(line: &[u8]) -> u64 {
    let start = TYPE_KEY.find(line).unwrap_or(0);
    xxhash_rust::xxh3::xxh3_64(&line[start..])
}

/// State shared by all Codex files of a scan.
#[derive(Default)]
pub(crate) struct Global {
    records: HashSet<u128>,
    files_by_thread: HashMap<String, PathBuf>,
    parent_lines: HashMap<String, (u64, Rc<HashSet<u64>>)>,
    nested: JsonScratch,
    nested_bytes: Vec<u8>,
    text: String,
    scratch: String,
    summary: String,
}

/// What a tool output says about its call.
#[derive(Debug, PartialEq)]
enum Outcome {
    Done {
        ok: bool,
        dur_ms: Option<u64>,
    },
    /// A unified-exec process still running in session `id`.
    Running {
        id: String,
        dur_ms: Option<u64>,
    },
}

fn wall_time_ms(text: &str) -> Option<u64> {
    let line = lines_after(exec_header(text), &WALL_TIME).next()?;
    let secs: f64 = line.strip_suffix(" seconds")?.trim().parse().ok()?;
    Some((secs * 1000.0).round() as u64)
}

fn exit_code_line(text: &str) -> Option<i64> {
    lines_after(exec_header(text), &EXITED).find_map(|rest| rest.trim().parse().ok())
}

/// A tool output's lines before its `Output:` line (all of it without one): where the exec
/// status lines are, and not the program's own output, which may print anything.
fn exec_header(text: &str) -> &str {
    let ends_line = |at: usize| matches!(text.as_bytes().get(at), None | Some(b'\n' | b'\r'));
    if text.starts_with("Output:") && ends_line(7) {
        return "";
    }
    match OUTPUT_MARKER.find(text.as_bytes()) {
        // Without the `\r` of a `\r\n` before `Output:`: the header's lines end there.
        Some(at) if ends_line(at + 8) => text[..at].strip_suffix('\r').unwrap_or(&text[..at]),
        _ => text,
    }
}

/// Says, as the decoded start of an output grows, whether it holds the output's whole
/// [`exec_header`] and the `Output:` line after it, so that the status lines read from it are
/// the output's. It searches each part of the head once: an output without an `Output:` line
/// is decoded whole, a chunk at a time (up to 4 KiB), and searching all of it again each time
/// would make a megabyte of output cost a hundred megabytes of search.
#[derive(Default)]
struct HeaderSearch {
    /// Where the next search starts.
    from: usize,
    /// The first `\nOutput:`, which alone decides (as in [`exec_header`]).
    marker: Option<usize>,
}

impl HeaderSearch {
    fn holds(&mut self, head: &str) -> bool {
        let bytes = head.as_bytes();
        let marker_end = if head.starts_with("Output:") {
            7
        } else if let Some(at) = self.marker {
            at + 8
        } else {
            match OUTPUT_MARKER.find(&bytes[self.from..]) {
                Some(at) => {
                    self.marker = Some(self.from + at);
                    self.from + at + 8
                }
                None => {
                    // A marker cut at the end of this head is found whole next time.
                    self.from = bytes.len().saturating_sub(7);
                    return false;
                }
            }
        };
        matches!(bytes.get(marker_end), Some(b'\n' | b'\r'))
    }
}

/// The rest of every line of `text` that starts with `prefix` (the finder's needle, an ASCII
/// text), in order. Outputs run to hundreds of kilobytes, so the prefix is searched for
/// (memmem) rather than every line tested.
fn lines_after<'t>(
    text: &'t str,
    prefix: &'t memmem::Finder<'static>,
) -> impl Iterator<Item = &'t str> {
    prefix
        .find_iter(text.as_bytes())
        .filter(|&at| at == 0 || text.as_bytes()[at - 1] == b'\n')
        .map(move |at| {
            // As `str::lines`: a line ends at `\n` or `\r\n`; the last one may end at the end.
            let rest = &text[at + prefix.needle().len()..];
            match rest.find('\n') {
                Some(end) => rest[..end].strip_suffix('\r').unwrap_or(&rest[..end]),
                None => rest,
            }
        })
}

/// COUNTING.md, Codex tool calls, `ok` rules 3–5 (rule 2, the JSON form, is handled first).
fn text_outcome(text: &str) -> Outcome {
    let dur_ms = wall_time_ms(text);
    if let Some(rest) = text.strip_prefix("Exit code: ") {
        let code: Option<i64> = rest.lines().next().and_then(|c| c.trim().parse().ok());
        if let Some(code) = code {
            return Outcome::Done {
                ok: code == 0,
                dur_ms,
            };
        }
    }
    if let Some(code) = exit_code_line(text) {
        return Outcome::Done {
            ok: code == 0,
            dur_ms,
        };
    }
    if let Some(id) = lines_after(exec_header(text), &RUNNING).next() {
        return Outcome::Running {
            id: id.trim().to_owned(),
            dur_ms,
        };
    }
    let first = text
        .lines()
        .find(|l| !l.starts_with("Wall time:"))
        .unwrap_or("");
    let failed = ["failed to parse", "command timed out", "aborted by user"]
        .iter()
        .any(|p| first.starts_with(p))
        || first.contains("rejected");
    Outcome::Done {
        ok: !failed,
        dur_ms,
    }
}

/// Paths named by an `apply_patch` body, joined with `, `.
fn patch_paths(patch: &str, out: &mut String) {
    out.clear();
    for line in patch.lines() {
        let path = ["*** Add File: ", "*** Update File: ", "*** Delete File: "]
            .iter()
            .find_map(|p| line.strip_prefix(p));
        if let Some(path) = path {
            if !out.is_empty() {
                out.push_str(", ");
            }
            out.push_str(path.trim());
        }
    }
    if out.is_empty() {
        out.push_str(patch);
    }
}

fn source_name(v: Value<'_, '_>, out: &mut String) {
    out.clear();
    if let Some(s) = v.as_str() {
        out.push_str(s);
    } else if let Some((k, val)) = v.as_object().and_then(|o| o.iter().next()) {
        // `{"subagent":"review"}` → `subagent:review`; `{"subagent":{"thread_spawn":{…}}}` →
        // `subagent:thread_spawn`.
        out.push_str(k);
        let inner = val.as_str().or_else(|| {
            val.as_object()
                .and_then(|o| o.iter().next())
                .map(|(k2, _)| k2)
        });
        if let Some(inner) = inner {
            out.push(':');
            out.push_str(inner);
        }
    }
}

impl Global {
    pub(crate) fn register(&mut self, path: &Path) {
        if let Some(thread) = thread_id_from_path(path) {
            self.files_by_thread
                .entry(thread)
                .or_insert_with(|| path.to_path_buf());
        }
    }

    /// The parent file's line hashes, read again when the file has grown since (a later fork
    /// replays more of it).
    fn parent_hashes(&mut self, parent: &str) -> Option<Rc<HashSet<u64>>> {
        let path = self.files_by_thread.get(parent)?;
        let len = std::fs::metadata(path).map_or(0, |m| m.len());
        if let Some((cached_len, h)) = self.parent_lines.get(parent)
            && *cached_len == len
        {
            return Some(h.clone());
        }
        let bytes = sources::read_log(path).ok()?;
        let set: HashSet<u64> = bytes
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(payload_hash)
            .collect();
        let set = Rc::new(set);
        self.parent_lines
            .insert(parent.to_owned(), (len, set.clone()));
        Some(set)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn line(
        &mut self,
        shared: &mut Shared,
        f: &mut FileState,
        _file: FileId,
        offset: u64,
        replay_hash: u64,
        v: Value<'_, '_>,
        sink: &mut dyn Sink,
    ) -> Result<(), Skip> {
        let ty = str_field(v, "type")?;
        let payload = field(v, "payload");
        let ts = match str_field(v, "timestamp")? {
            Some(s) => Some(parse_ts_ms(s).ok_or(BadField("timestamp"))?),
            None => None,
        };
        let (ty, payload, ts) = match (ty, payload) {
            (Some(ty), Some(p)) if ENVELOPE_TYPES.contains(&ty) => (ty, p, ts),
            (Some(_), Some(_)) => return Err(SkipReason::UnknownType.into()),
            (None, None) if field(v, "record_type").is_some() => return Ok(()),
            (None, None) if field(v, "id").is_some() && ts.is_some() => ("legacy_header", v, ts),
            (Some(item), None) if BARE_ITEM_TYPES.contains(&item) => {
                ("response_item", v, f.legacy_ts)
            }
            _ => return Err(SkipReason::UnknownType.into()),
        };
        // A line without a timestamp takes that of the last line before it that had one.
        if ts.is_some() {
            f.last_ts = ts;
        }
        let ts = ts.or(f.last_ts);

        if ty != "token_usage_record" {
            f.flush_turn(shared, sink);
        }
        if f.identified {
            let inherited = match &f.inherit {
                Inherit::No => false,
                Inherit::Burst(second) => ts.map(|t| t / 1000) == Some(*second),
                Inherit::Parent(lines, second) => {
                    lines.contains(&replay_hash)
                        || second.is_some_and(|s| ts.map(|t| t / 1000) == Some(s))
                }
            };
            if inherited {
                return self.inherited(shared, f, ty, payload);
            }
            f.inherit = Inherit::No;
        }

        match ty {
            "session_meta" | "legacy_header" if !f.identified => {
                self.identify(shared, f, ty, payload, ts)?
            }
            "turn_context" => {
                let model = str_field(payload, "model")?;
                let cwd = str_field(payload, "cwd")?;
                if let Some(m) = model {
                    f.model = shared.strings.intern(m);
                    shared.agg(f.session).set_configured_model(f.model);
                }
                if let Some(cwd) = cwd.filter(|c| !c.is_empty())
                    && shared.agg(f.session).project.0 == 0
                {
                    let sym = shared.strings.intern(cwd);
                    shared.agg(f.session).set_project(sym, None);
                }
            }
            "event_msg" => self.event(shared, f, offset, ts, payload, sink)?,
            "response_item" => self.item(shared, f, offset, ts, payload, sink)?,
            "token_usage_record" => self.record(shared, f, ts, payload, sink)?,
            _ => {}
        }
        if let Some(ts) = ts {
            shared.agg(f.session).touch(ts);
        }
        Ok(())
    }

    /// A line of a fork's inherited history: only its cumulative totals matter.
    /// An inherited line: its totals are where the child's count starts, and its model is the
    /// child's until the child's own `turn_context` (its first response can come before that).
    fn inherited(
        &mut self,
        shared: &mut Shared,
        f: &mut FileState,
        ty: &str,
        payload: Value<'_, '_>,
    ) -> Result<(), Skip> {
        if ty == "turn_context"
            && let Some(model) = str_field(payload, "model")?
        {
            f.model = shared.strings.intern(model);
        }
        if ty == "event_msg"
            && str_field(payload, "type")? == Some("token_count")
            && let Some(total) = obj_field(payload, "info")?
                .map(|i| obj_field(i, "total_token_usage"))
                .transpose()?
                .flatten()
        {
            f.prev = Some(Tokens::read(total)?);
        }
        Ok(())
    }

    fn identify(
        &mut self,
        shared: &mut Shared,
        f: &mut FileState,
        ty: &str,
        p: Value<'_, '_>,
        ts: Option<u64>,
    ) -> Result<(), Skip> {
        let id = str_field(p, "id")?.or(str_field(p, "session_id")?);
        let cwd = str_field(p, "cwd")?;
        let cli_version = str_field(p, "cli_version")?;
        let git = obj_field(p, "git")?;
        let branch = git.map(|g| str_field(g, "branch")).transpose()?.flatten();
        let commit = git
            .map(|g| str_field(g, "commit_hash"))
            .transpose()?
            .flatten();
        let source = field(p, "source");
        let spawn_parent = source
            .and_then(|s| s.get("subagent"))
            .and_then(|s| s.get("thread_spawn"))
            .and_then(|t| t.get("parent_thread_id"))
            .and_then(|x| x.as_str());
        let parent = str_field(p, "forked_from_id")?
            .or(spawn_parent)
            .or(str_field(p, "parent_thread_id")?);

        f.identified = true;
        f.continues_history = obj_field(p, "history_base")?.is_some();
        if let Some(id) = id {
            f.session = shared.session(Agent::Codex, id);
        }
        if ty == "legacy_header" {
            f.legacy_ts = ts;
        }
        let mut text = std::mem::take(&mut self.scratch);
        if let Some(s) = source {
            source_name(s, &mut text);
        }
        let syms = [
            cwd,
            branch,
            commit,
            parent,
            cli_version,
            Some(text.as_str()),
        ]
        .map(|s| s.map(|s| shared.strings.intern(s)));
        if text == "subagent:review" {
            shared
                .reviews
                .reviewer(f.session, str_field(p, "parent_thread_id")?, None);
            f.reviewer_awaits_turn = true;
        }
        self.scratch = text;
        let agg = shared.agg(f.session);
        let [cwd, branch, commit, parent_sym, cli, source] = syms;
        if let Some(c) = cwd.filter(|c| c.0 != 0) {
            agg.project = c;
        }
        if let Some(b) = branch {
            agg.set_branch(b, None);
        }
        agg.commit = commit.unwrap_or(agg.commit);
        agg.parent = parent_sym.unwrap_or(agg.parent);
        agg.cli_version = cli.unwrap_or(agg.cli_version);
        agg.source = source.unwrap_or(agg.source);
        agg.mark();
        // A fork or spawned thread starts with a copy of its parent's history; a reviewer names
        // its parent but copies nothing, so none of its lines are inherited.
        if let Some(parent) = parent.filter(|_| !f.reviewer_awaits_turn) {
            f.inherit = match self.parent_hashes(parent) {
                Some(lines) => Inherit::Parent(lines, ts.map(|t| t / 1000)),
                None => ts.map_or(Inherit::No, |t| Inherit::Burst(t / 1000)),
            };
        }
        Ok(())
    }

    fn event(
        &mut self,
        shared: &mut Shared,
        f: &mut FileState,
        offset: u64,
        ts: Option<u64>,
        p: Value<'_, '_>,
        sink: &mut dyn Sink,
    ) -> Result<(), Skip> {
        match str_field(p, "type")? {
            Some("token_count") => self.token_count(shared, f, offset, ts, p, sink),
            Some("thread_settings_applied") => {
                let model = obj_field(p, "thread_settings")?
                    .map(|s| str_field(s, "model"))
                    .transpose()?
                    .flatten();
                if let Some(m) = model {
                    f.model = shared.strings.intern(m);
                    shared.agg(f.session).set_configured_model(f.model);
                }
                Ok(())
            }
            Some("exec_command_end") => {
                let call_id = str_field(p, "call_id")?;
                let code = field(p, "exit_code").and_then(|c| c.as_i64());
                let dur = obj_field(p, "duration")?.map(|d| {
                    let secs = d.get("secs").and_then(|x| x.as_u64()).unwrap_or(0);
                    let nanos = d.get("nanos").and_then(|x| x.as_u64()).unwrap_or(0);
                    secs.saturating_mul(1000).saturating_add(nanos / 1_000_000)
                });
                let output = typed_field(p, "aggregated_output", |o| o.text_size())?
                    .map(TextSize::bytes_and_lines);
                if let (Some(id), Some(code)) = (call_id, code) {
                    self.resolve(shared, f, key_hash(id), code == 0, dur, output, ts, sink);
                }
                Ok(())
            }
            Some("task_started") => {
                let turn = str_field(p, "turn_id")?;
                if f.reviewer_awaits_turn && turn.is_some() {
                    f.reviewer_awaits_turn = false;
                    shared.reviews.reviewer(f.session, None, turn);
                }
                if let Some(r) = f.review.as_mut().filter(|r| r.inner.is_none() && !r.exited) {
                    r.inner = turn.map(str::to_owned);
                }
                Ok(())
            }
            Some("item_completed") => {
                let Some(item) = obj_field(p, "item")? else {
                    return Ok(());
                };
                match str_field(item, "type")? {
                    Some("EnteredReviewMode") => {
                        Self::enter_review(shared, f, str_field(p, "turn_id")?, item, ts)
                    }
                    Some("ExitedReviewMode") => Self::exit_review(f, item),
                    Some("UserMessage") => {
                        // The reviewer's prompt, copied into the parent with the reviewer's
                        // thread id (0.169).
                        let thread = str_field(p, "thread_id")?;
                        let own = shared.session_id(f.session);
                        if let Some(r) = f.review.as_mut().filter(|r| !r.exited)
                            && let Some(t) = thread.filter(|t| *t != own)
                        {
                            r.reviewer = Some(t.to_owned());
                        }
                        Ok(())
                    }
                    _ => Ok(()),
                }
            }
            Some("entered_review_mode") => {
                Self::enter_review(shared, f, str_field(p, "turn_id")?, p, ts)
            }
            Some("exited_review_mode") => Self::exit_review(f, p),
            Some(kind @ ("task_complete" | "turn_aborted")) => {
                let turn = str_field(p, "turn_id")?;
                if !f.review.as_ref().is_some_and(|r| r.ends_with(turn)) {
                    return Ok(());
                }
                let (status, error) = if kind == "turn_aborted" {
                    let reason = str_field(p, "reason")?.unwrap_or("interrupted");
                    let note = if reason == "interrupted" { "" } else { reason };
                    ("interrupted", note.to_owned())
                } else {
                    match obj_field(p, "error")? {
                        Some(e) => ("failed", str_field(e, "message")?.unwrap_or("").to_owned()),
                        None => ("completed", String::new()),
                    }
                };
                let dur_ms = u64_field(p, "duration_ms")?;
                Self::end_review(shared, f, turn, status, error, ts, dur_ms);
                Ok(())
            }
            Some("patch_apply_end") => {
                let call_id = str_field(p, "call_id")?;
                let success = field(p, "success").and_then(|x| x.as_bool());
                if let (Some(id), Some(ok)) = (call_id, success) {
                    self.resolve(shared, f, key_hash(id), ok, None, None, ts, sink);
                }
                Ok(())
            }
            Some("mcp_tool_call_end") => {
                let call_id = str_field(p, "call_id")?;
                let result = field(p, "result");
                if let (Some(id), Some(result)) = (call_id, result) {
                    let ok = result.get("Ok").is_some() || result.get("ok").is_some();
                    self.resolve(shared, f, key_hash(id), ok, None, None, ts, sink);
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// The review open in `f` ended: it is recorded, and `f` has none open.
    fn end_review(
        shared: &mut Shared,
        f: &mut FileState,
        turn: Option<&str>,
        status: &'static str,
        error: String,
        ts: Option<u64>,
        dur_ms: Option<u64>,
    ) {
        let Some(open) = f.review.take() else { return };
        let end = review::End {
            turn_id: turn.map(str::to_owned),
            status,
            error,
            ended_ms: ts.unwrap_or(open.started_ms),
            dur_ms,
        };
        let project = shared.agg(f.session).project;
        let (parent, project) = (
            shared.session_id(f.session).to_owned(),
            shared.strings.get(project).to_owned(),
        );
        shared.reviews.close(&parent, &project, open, end);
    }

    /// A review starts: its root turn (when the event names it) and its target. One still open
    /// (a crash left it without an end) is recorded as interrupted first.
    fn enter_review(
        shared: &mut Shared,
        f: &mut FileState,
        outer: Option<&str>,
        event: Value<'_, '_>,
        ts: Option<u64>,
    ) -> Result<(), Skip> {
        let error = "no end was recorded before the next review".to_owned();
        Self::end_review(shared, f, None, "interrupted", error, ts, None);
        let (target_kind, target_value) = match obj_field(event, "target")? {
            Some(t) => review::target(t)?,
            None => Default::default(),
        };
        f.review = Some(review::Open {
            outer: outer.map(str::to_owned),
            target_kind,
            target_value,
            started_ms: ts.unwrap_or(0),
            ..Default::default()
        });
        Ok(())
    }

    /// The review's output arrived (`null` when it has none: interrupted or failed).
    fn exit_review(f: &mut FileState, event: Value<'_, '_>) -> Result<(), Skip> {
        let output = obj_field(event, "review_output")?
            .map(review::Output::read)
            .transpose()?
            .flatten();
        if let Some(r) = f.review.as_mut() {
            r.exited = true;
            r.output = output;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn token_count(
        &mut self,
        shared: &mut Shared,
        f: &mut FileState,
        offset: u64,
        ts: Option<u64>,
        p: Value<'_, '_>,
        sink: &mut dyn Sink,
    ) -> Result<(), Skip> {
        let info = obj_field(p, "info")?;
        let total = info
            .map(|i| obj_field(i, "total_token_usage"))
            .transpose()?
            .flatten()
            .map(Tokens::read)
            .transpose()?;
        let last = info
            .map(|i| obj_field(i, "last_token_usage"))
            .transpose()?
            .flatten()
            .map(Tokens::read)
            .transpose()?;
        let info_model = info.map(|i| str_field(i, "model")).transpose()?.flatten();
        let window = info
            .map(|i| u64_field(i, "model_context_window"))
            .transpose()?
            .flatten()
            .unwrap_or(0);
        if let (Some(limits), Some(ts)) = (obj_field(p, "rate_limits")?, ts) {
            self.rate_limits(shared, f, ts, limits, sink)?;
        }
        let Some(total) = total else { return Ok(()) };
        let Some(ts) = ts else {
            return Err(SkipReason::MissingTimestamp.into());
        };
        let prev = match (f.prev, last) {
            (Some(prev), _) => prev,
            // The first count of a file that carries another file's totals on: its own usage
            // is its `last`, the rest was counted there; without a usable `last`, nothing of
            // it can be told apart.
            (None, Some(l)) if f.continues_history && l.input.saturating_add(l.output) > 0 => {
                total.minus(&l)
            }
            (None, _) if f.continues_history => total,
            (None, _) => Tokens::default(),
        };
        if f.prev == Some(total) {
            return Ok(());
        }
        f.prev = Some(total);
        if total.any_below(&prev) || (total.input == 0 && total.cached == 0 && total.output == 0) {
            return Ok(());
        }
        let usage = match last {
            Some(l) if l.input.saturating_add(l.output) > 0 && prev.plus(&l) == total => l,
            _ => total.minus(&prev),
        };
        if f.has_records || usage.bills_nothing() {
            return Ok(());
        }
        let model = match info_model {
            Some(m) => shared.strings.intern(m),
            None => f.model,
        };
        let fill = last.map_or(usage.input, |l| l.input);
        let values = self.values(shared, f.session, ts, model, &usage, window, fill);
        let turn_id = format!("{}{}@{offset}", shared.session_id(f.session), f.part);
        f.pending_turn = Some(PendingTurn {
            values,
            usage,
            turn_id,
        });
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn values(
        &self,
        shared: &mut Shared,
        session: u32,
        ts: u64,
        model: Sym,
        u: &Tokens,
        window: u64,
        context_fill: u64,
    ) -> TurnValues {
        let agg = shared.agg(session);
        let turn_index = agg.next_turn_index;
        agg.next_turn_index += 1;
        let cached = u.cached.min(u.input);
        let usage = OpenAiUsage {
            input: u.input,
            cached,
            output: u.output,
        };
        let auto_review = shared.strings.get(model) == crate::pricing::AUTO_REVIEW;
        // The auto-review pseudo-model is priced as the model it ran on, unless a price file
        // names it.
        let price = match shared.price(model) {
            None if auto_review => shared.prices.get(crate::pricing::auto_review_model(ts)),
            price => price,
        };
        let cost = price.map(|p| p.openai_cost(&usage));
        let context_window = window.min(u64::from(u32::MAX)) as u32;
        TurnValues {
            ts_ms: ts,
            session,
            turn_index,
            model,
            input: u.input,
            output: u.output,
            cached,
            reasoning: u.reasoning,
            cache_write: u.cache_write,
            cache_write_5m: 0,
            cache_write_1h: 0,
            cost: cost.unwrap_or(0.0),
            priced: cost.is_some(),
            stop_reason: Sym(0),
            is_error: false,
            context_window,
            context_used_pct: if window > 0 {
                (100.0 * context_fill as f64 / window as f64) as f32
            } else {
                0.0
            },
            dur_ms: 0,
        }
    }

    fn record(
        &mut self,
        shared: &mut Shared,
        f: &mut FileState,
        ts: Option<u64>,
        p: Value<'_, '_>,
        sink: &mut dyn Sink,
    ) -> Result<(), Skip> {
        let thread = str_field(p, "thread_id")?;
        let response = str_field(p, "response_id")?;
        let usage = obj_field(p, "usage")?.map(Tokens::read).transpose()?;
        let model = obj_field(p, "attribution")?
            .map(|a| str_field(a, "model"))
            .transpose()?
            .flatten();
        let completed = u64_field(p, "completed_at_ms")?;
        if !f.has_records {
            f.has_records = true;
            match f.pending_turn.take() {
                Some(t) if Some(t.usage) == usage => {}
                Some(t) => shared.emit_turn(&t.values, &t.turn_id, None, sink),
                None => {}
            }
        } else {
            f.flush_turn(shared, sink);
        }
        let (Some(thread), Some(response), Some(usage), Some(ts)) =
            (thread, response, usage, completed.or(ts))
        else {
            return Ok(());
        };
        self.scratch.clear();
        self.scratch.push_str(thread);
        self.scratch.push(':');
        self.scratch.push_str(response);
        if !self.records.insert(key_hash(&self.scratch)) || usage.bills_nothing() {
            return Ok(());
        }
        let model = model.map_or(f.model, |m| shared.strings.intern(m));
        let values = self.values(shared, f.session, ts, model, &usage, 0, usage.input);
        shared.emit_turn(&values, &self.scratch, None, sink);
        Ok(())
    }

    fn rate_limits(
        &mut self,
        shared: &mut Shared,
        f: &FileState,
        ts: u64,
        rl: Value<'_, '_>,
        sink: &mut dyn Sink,
    ) -> Result<(), Skip> {
        let limit_id = str_field(rl, "limit_id")?.unwrap_or("");
        let plan = str_field(rl, "plan_type")?.unwrap_or("");
        let session_id = shared.session_id(f.session);
        let mut emit = |window: &str, used: f64, minutes: Option<u64>, resets_at: Option<u64>| {
            sink.rate_limit(&RateLimit {
                ts_ms: ts,
                session_id,
                agent: Agent::Codex.as_str(),
                limit_id,
                window,
                used_percent: used,
                window_minutes: minutes.unwrap_or(0).min(u64::from(u32::MAX)) as u32,
                resets_at: resets_at.unwrap_or(0),
                plan_type: plan,
            });
        };
        // The flat shape of 0.40: `<window>_used_percent`, `<window>_window_minutes` (its first
        // release named the second window's percentage `weekly_used_percent`).
        let flat: [(&str, &[&str], &str); 2] = [
            (
                "primary",
                &["primary_used_percent"],
                "primary_window_minutes",
            ),
            (
                "secondary",
                &["secondary_used_percent", "weekly_used_percent"],
                "secondary_window_minutes",
            ),
        ];
        for (name, used_keys, minutes_key) in flat {
            if let Some(w) = obj_field(rl, name)? {
                let used = f64_field(w, "used_percent")?.unwrap_or(0.0);
                let minutes = u64_field(w, "window_minutes")?;
                let resets_at = match field(w, "resets_at") {
                    Some(r) if r.is_str() => r.as_str().and_then(parse_ts_ms).map(|ms| ms / 1000),
                    Some(r) => crate::json::as_u64(r),
                    None => {
                        u64_field(w, "resets_in_seconds")?.map(|s| (ts / 1000).saturating_add(s))
                    }
                };
                emit(name, used, minutes, resets_at);
            } else {
                let mut used = None;
                for key in used_keys {
                    if used.is_none() {
                        used = f64_field(rl, key)?;
                    }
                }
                if let Some(used) = used {
                    let minutes = u64_field(rl, minutes_key)?;
                    emit(name, used, minutes, None);
                }
            }
        }
        Ok(())
    }

    fn item(
        &mut self,
        shared: &mut Shared,
        f: &mut FileState,
        offset: u64,
        ts: Option<u64>,
        p: Value<'_, '_>,
        sink: &mut dyn Sink,
    ) -> Result<(), Skip> {
        let item_type = str_field(p, "type")?;
        let Some(ts) = ts else {
            // A call or output with no timestamp in its file so far cannot be placed in time.
            let tool = matches!(
                item_type,
                Some("function_call" | "custom_tool_call" | "local_shell_call" | "web_search_call")
                    | Some("function_call_output" | "custom_tool_call_output")
            );
            return if tool {
                Err(SkipReason::MissingTimestamp.into())
            } else {
                Ok(())
            };
        };
        match item_type {
            Some(kind @ ("function_call" | "custom_tool_call" | "local_shell_call")) => {
                let name = match kind {
                    "local_shell_call" => "local_shell",
                    _ => str_field(p, "name")?.unwrap_or(""),
                };
                let Some(call_id) = str_field(p, "call_id")?.or(str_field(p, "id")?) else {
                    return Ok(());
                };
                let stdin_session = self.call_summary(kind, name, p)?;
                let h = key_hash(call_id);
                if f.resolved.contains(&h) || f.calls.contains_key(&h) {
                    return Ok(());
                }
                let agg = shared.agg(f.session);
                f.calls.insert(
                    h,
                    PendingCall {
                        ts,
                        session: f.session,
                        turn_index: agg.next_turn_index,
                        name: name.into(),
                        summary: self.summary.as_str().into(),
                        call_id: call_id.into(),
                        stdin_session,
                        output: None,
                        dur_ms: None,
                    },
                );
            }
            Some("web_search_call") => {
                let status = str_field(p, "status")?;
                let query = obj_field(p, "action")?
                    .map(|a| str_field(a, "query"))
                    .transpose()?
                    .flatten();
                let id = str_field(p, "id")?;
                self.scratch.clear();
                match id {
                    Some(id) => self.scratch.push_str(id),
                    None => self.scratch.push_str(&format!("ws{}@{offset}", f.part)),
                }
                summarize_into(query.unwrap_or(""), &mut self.summary);
                let turn_index = shared.agg(f.session).next_turn_index;
                shared.emit_tool(
                    &ToolValues {
                        ts_ms: ts,
                        session: f.session,
                        turn_index,
                        tool_name: "web_search",
                        input_summary: &self.summary,
                        dur_ms: 0,
                        ok: status != Some("failed"),
                        output_lines: 0,
                        output_bytes: 0,
                        call_id: &self.scratch,
                        turn_id: "",
                    },
                    sink,
                );
            }
            Some("function_call_output" | "custom_tool_call_output") => {
                let Some(call_id) = str_field(p, "call_id")? else {
                    return Ok(());
                };
                let h = key_hash(call_id);
                if f.resolved.contains(&h) || !f.calls.contains_key(&h) {
                    return Ok(());
                }
                match field(p, "output") {
                    // Outputs are most of a rollout's bytes: they are measured as written, and
                    // only their status lines are decoded, unless they are JSON (rule 2).
                    Some(o) if o.is_str() => {
                        let measured = o.text_size().unwrap_or_default().bytes_and_lines();
                        let mut head = std::mem::take(&mut self.text);
                        let mut search = HeaderSearch::default();
                        let mut text = o.decode_head(&mut head, |h| search.holds(h)).unwrap_or("");
                        if text.starts_with('{') && text.len() as u64 != measured.0 {
                            text = o.as_str().unwrap_or("");
                        }
                        self.output(shared, f, h, text, measured, ts, sink);
                        self.text = head;
                    }
                    output => {
                        let mut text = std::mem::take(&mut self.text);
                        text.clear();
                        for item in output
                            .and_then(|o| o.as_array())
                            .iter()
                            .flat_map(|a| a.iter())
                        {
                            if let Some(t) = item.get("text").and_then(|t| t.as_str()) {
                                text.push_str(t);
                            }
                        }
                        let measured = TextSize::of(text.as_bytes()).bytes_and_lines();
                        self.output(shared, f, h, &text, measured, ts, sink);
                        self.text = text;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Fills `self.summary` for a call; returns the unified-exec session a `write_stdin` targets.
    fn call_summary(
        &mut self,
        kind: &str,
        name: &str,
        p: Value<'_, '_>,
    ) -> Result<Option<Box<str>>, BadField> {
        self.scratch.clear();
        let mut stdin_session = None;
        match kind {
            "local_shell_call" => {
                let command = obj_field(p, "action")?
                    .map(|a| arr_field(a, "command"))
                    .transpose()?
                    .flatten();
                for (i, arg) in command.iter().flat_map(|c| c.iter()).enumerate() {
                    if i > 0 {
                        self.scratch.push(' ');
                    }
                    self.scratch.push_str(arg.as_str().unwrap_or(""));
                }
            }
            "custom_tool_call" => {
                let input = str_field(p, "input")?.unwrap_or("");
                if name == "apply_patch" {
                    patch_paths(input, &mut self.scratch);
                } else {
                    self.scratch.push_str(input);
                }
            }
            _ => {
                let arguments = str_field(p, "arguments")?.unwrap_or("");
                self.nested_bytes.clear();
                self.nested_bytes.extend_from_slice(arguments.as_bytes());
                let Self {
                    nested,
                    nested_bytes,
                    scratch,
                    ..
                } = self;
                let parsed = nested.with_line(nested_bytes, |args| {
                    let text = |k: &str| args.get(k).and_then(|x| x.as_str());
                    match name {
                        "shell" | "container.exec" => {
                            let argv = args.get("command").and_then(|c| c.as_array());
                            for (i, arg) in argv.iter().flat_map(|c| c.iter()).enumerate() {
                                if i > 0 {
                                    scratch.push(' ');
                                }
                                scratch.push_str(arg.as_str().unwrap_or(""));
                            }
                        }
                        "shell_command" => scratch.push_str(text("command").unwrap_or("")),
                        "exec_command" => scratch.push_str(text("cmd").unwrap_or("")),
                        "write_stdin" => {
                            scratch.push_str(text("chars").unwrap_or(""));
                            let id = args.get("session_id");
                            return id.and_then(|x| {
                                x.as_str()
                                    .map(Into::into)
                                    .or_else(|| x.as_u64().map(|n| n.to_string().into()))
                            });
                        }
                        "apply_patch" => {
                            let body = text("input").or(text("patch")).unwrap_or("");
                            patch_paths(body, scratch);
                        }
                        "view_image" => scratch.push_str(text("path").unwrap_or("")),
                        _ => write_compact(args, scratch),
                    }
                    None
                });
                match parsed {
                    Ok(session) => stdin_session = session,
                    Err(_) => self.scratch.push_str(arguments),
                }
            }
        }
        summarize_into(&self.scratch, &mut self.summary);
        Ok(stdin_session)
    }

    /// The output of call `h`, which is waiting for it, arrived: `text` is the output, or its
    /// start up to its `Output:` line ([`HeaderSearch`]), and `measured` its decoded bytes
    /// and lines.
    #[allow(clippy::too_many_arguments)]
    fn output(
        &mut self,
        shared: &mut Shared,
        f: &mut FileState,
        h: u128,
        text: &str,
        measured: (u64, u64),
        ts: u64,
        sink: &mut dyn Sink,
    ) {
        let outcome = self
            .json_outcome(text)
            .unwrap_or_else(|| text_outcome(text));
        let exit = exit_code_line(text);
        let call = f.calls.get_mut(&h).expect("present");
        call.output = Some(measured);
        let stdin_session = call.stdin_session.clone();
        match outcome {
            Outcome::Done { ok, dur_ms } => {
                self.resolve(shared, f, h, ok, dur_ms, Some(measured), Some(ts), sink)
            }
            Outcome::Running { id, dur_ms } => {
                call.dur_ms = dur_ms;
                f.exec_sessions.entry(id.into()).or_default().push(h);
            }
        }
        // A `write_stdin` that saw its process exit also settles every call waiting on that process.
        if let (Some(session), Some(code)) = (stdin_session, exit) {
            for waiting in f.exec_sessions.remove(&session).unwrap_or_default() {
                self.resolve(shared, f, waiting, code == 0, None, None, Some(ts), sink);
            }
        }
    }

    /// Rule 2: `{"output": …, "metadata": {"exit_code": N, "duration_seconds": S}}`.
    fn json_outcome(&mut self, text: &str) -> Option<Outcome> {
        if !text.starts_with('{') {
            return None;
        }
        self.nested_bytes.clear();
        self.nested_bytes.extend_from_slice(text.as_bytes());
        self.nested
            .with_line(&mut self.nested_bytes, |v| {
                let meta = v.get("metadata")?;
                let code = meta.get("exit_code")?.as_i64()?;
                let dur = meta
                    .get("duration_seconds")
                    .and_then(|d| d.cast_f64())
                    .map(|s| (s * 1000.0).round() as u64);
                Some(Outcome::Done {
                    ok: code == 0,
                    dur_ms: dur,
                })
            })
            .ok()
            .flatten()
    }

    #[allow(clippy::too_many_arguments)]
    fn resolve(
        &mut self,
        shared: &mut Shared,
        f: &mut FileState,
        h: u128,
        ok: bool,
        dur_ms: Option<u64>,
        output: Option<(u64, u64)>,
        ts: Option<u64>,
        sink: &mut dyn Sink,
    ) {
        let Some(call) = f.calls.remove(&h) else {
            return;
        };
        f.resolved.insert(h);
        let dur = dur_ms
            .or(call.dur_ms)
            .or_else(|| ts.map(|t| t.saturating_sub(call.ts)))
            .unwrap_or(0);
        let (output_bytes, output_lines) = call.output.or(output).unwrap_or((0, 0));
        shared.emit_tool(
            &ToolValues {
                ts_ms: call.ts,
                session: call.session,
                turn_index: call.turn_index,
                tool_name: &call.name,
                input_summary: &call.summary,
                dur_ms: dur,
                ok,
                output_lines,
                output_bytes,
                call_id: &call.call_id,
                turn_id: "",
            },
            sink,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_ids_come_from_file_names() {
        let p = |s: &str| thread_id_from_path(Path::new(s));
        assert_eq!(
            p("rollout-2026-02-23T12-54-34-019c8a59-e9dd-71f0-9ae3-4079fe9726a9.jsonl").as_deref(),
            Some("019c8a59-e9dd-71f0-9ae3-4079fe9726a9")
        );
        assert_eq!(
            p("rollout-2026-02-23T12-54-34-aaa_bbb.jsonl.zst").as_deref(),
            Some("aaa")
        );
        assert_eq!(p("rollout-2025-05-10-abc.jsonl").as_deref(), Some("abc"));
        assert_eq!(p("session-alpha.jsonl"), None);
        // A name whose 20th byte is inside a character gives no id rather than a panic.
        assert_eq!(p("rollout-2026-02-23T12-54-3xéy.jsonl"), None);
    }

    #[test]
    fn line_prefixes_are_found_as_str_lines_would() {
        let text = "Wall time: 1 seconds\r\nout: Wall time: 9\nWall time: 2\r";
        let by_lines: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("Wall time: "))
            .collect();
        assert_eq!(by_lines, ["1 seconds", "2\r"]);
        assert_eq!(lines_after(text, &WALL_TIME).collect::<Vec<_>>(), by_lines);
        assert_eq!(
            lines_after("x\nEnd: ", &memmem::Finder::new("End: ")).collect::<Vec<_>>(),
            [""]
        );
    }

    proptest::proptest! {
        /// Outputs are decoded only until [`HeaderSearch`] says enough: what the status lines
        /// say must not depend on how much of the output follows.
        #[test]
        fn the_head_of_an_output_says_what_all_of_it_says(
            lines in proptest::collection::vec(proptest::prop_oneof![
                proptest::strategy::Just("Output:"),
                proptest::strategy::Just("Output: x"),
                proptest::strategy::Just("Wall time: 1.25 seconds"),
                proptest::strategy::Just("Process exited with code 3"),
                proptest::strategy::Just("Process exited with code 0"),
                proptest::strategy::Just("Exit code: 2"),
                proptest::strategy::Just("Process running with session ID 7"),
                proptest::strategy::Just("command rejected"),
                proptest::strategy::Just("plain text"),
                proptest::strategy::Just(""),
            ], 0..8),
            crlf in proptest::collection::vec(proptest::bool::ANY, 8),
        ) {
            let mut text = String::new();
            for (i, line) in lines.iter().enumerate() {
                text.push_str(line);
                if i + 1 < lines.len() {
                    text.push_str(if crlf[i] { "\r\n" } else { "\n" });
                }
            }
            // The head grows a byte at a time, and is searched the way `decode_head` grows it.
            let mut search = HeaderSearch::default();
            for cut in (0..=text.len()).filter(|&c| search.holds(&text[..c])) {
                let head = &text[..cut];
                proptest::prop_assert_eq!(text_outcome(head), text_outcome(&text), "{:?}", head);
                proptest::prop_assert_eq!(exit_code_line(head), exit_code_line(&text));
            }
        }
    }

    #[test]
    fn outputs_decide_ok_in_every_encoding() {
        // Windows line ends: the header's last line ends at the `\r\n` before `Output:`.
        assert_eq!(
            text_outcome("Exit code: 0\r\nWall time: 1.5 seconds\r\nOutput:\r\nhi\r\n"),
            Outcome::Done {
                ok: true,
                dur_ms: Some(1500)
            }
        );
        assert_eq!(
            text_outcome("Exit code: 2\nWall time: 0.1 seconds\nOutput:\nx"),
            Outcome::Done {
                ok: false,
                dur_ms: Some(100)
            }
        );
        assert_eq!(
            text_outcome(
                "Chunk ID: a\nWall time: 1.0037 seconds\nProcess exited with code 0\nOutput:\n"
            ),
            Outcome::Done {
                ok: true,
                dur_ms: Some(1004)
            }
        );
        assert_eq!(
            text_outcome(
                "Wall time: 1.0 seconds\nProcess running with session ID 48230\nOutput:\n"
            ),
            Outcome::Running {
                id: "48230".into(),
                dur_ms: Some(1000)
            }
        );
        // The program's own output may print anything, status lines included.
        assert_eq!(
            text_outcome(
                "Wall time: 1.0 seconds\nProcess running with session ID 7\nOutput:\nProcess exited with code 1\n"
            ),
            Outcome::Running {
                id: "7".into(),
                dur_ms: Some(1000)
            }
        );
        assert_eq!(
            text_outcome(
                "Wall time: 1.0 seconds\nProcess exited with code 0\nOutput:\nProcess running with session ID 9\nProcess exited with code 3\n"
            ),
            Outcome::Done {
                ok: true,
                dur_ms: Some(1000)
            }
        );
        assert_eq!(
            text_outcome("Output:\r\nProcess exited with code 1\r\n"),
            Outcome::Done {
                ok: true,
                dur_ms: None
            }
        );
        assert_eq!(
            text_outcome("Wall time: 0.1 seconds\naborted by user"),
            Outcome::Done {
                ok: false,
                dur_ms: Some(100)
            }
        );
        assert_eq!(
            text_outcome("exec command rejected by user"),
            Outcome::Done {
                ok: false,
                dur_ms: None
            }
        );
        assert_eq!(
            text_outcome("Plan updated"),
            Outcome::Done {
                ok: true,
                dur_ms: None
            }
        );
    }

    #[test]
    fn patch_summaries_list_the_files() {
        let mut out = String::new();
        patch_paths(
            "*** Begin Patch\n*** Add File: a.py\n+x\n*** Update File: src/b.rs\n*** End Patch",
            &mut out,
        );
        assert_eq!(out, "a.py, src/b.rs");
    }
}
