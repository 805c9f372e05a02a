//! Claude Code transcripts (`~/.claude/projects/**/*.jsonl`): one turn per API call, tool calls
//! paired with their results, session activity. The rules are in COUNTING.md ("Claude turns",
//! "Claude tool calls").

use foldhash::{HashMap, HashSet};
use std::path::Path;

use crate::json::{
    BadField, Field, Found, TextSize, Value, arr_field, bool_field, field, obj_field, str_field,
    u64_field, write_compact,
};
use crate::parser::{Agent, FileId, Shared, Sink, Skip, ToolValues, TurnValues, key_hash};
use crate::pricing::{ClaudeUsage, DEFAULT_CLAUDE_CONTEXT};
use crate::skipped::SkipReason;
use crate::time::parse_ts_ms;
use seqch_rows::redact::summarize_into;

const KNOWN_TYPES: &[&str] = &[
    "user",
    "assistant",
    "system",
    "summary",
    "file-history-snapshot",
    "queue-operation",
    "progress",
    "attachment",
    "pr-link",
    "agent-name",
    "custom-title",
    "ai-title",
    "last-prompt",
    "permission-mode",
    "mode",
    "agent-setting",
    "bridge-session",
    "worktree-state",
];

const SYNTHETIC_MODEL: &str = "<synthetic>";

/// Per-file state.
pub(crate) struct FileState {
    /// The file's session: its name until a line says otherwise.
    session: u32,
    session_from_line: bool,
    last_ts: Option<u64>,
    /// The call this file is streaming; emitted when the next call or a user line starts.
    pending: Option<u128>,
    /// Calls first seen in this file so far (the next call's `turn_index`).
    next_turn_index: u32,
}

impl FileState {
    pub(crate) fn new(path: &Path, shared: &mut Shared) -> Self {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        let stem = name.strip_suffix(".jsonl").unwrap_or(&name);
        // The file's own session is interned now, so that reading lines never allocates it.
        let session = shared.session(Agent::Claude, stem);
        Self {
            session,
            session_from_line: false,
            last_ts: None,
            pending: None,
            next_turn_index: 0,
        }
    }
}

struct TurnRec {
    values: TurnValues,
    best_output: u64,
    /// The line of `values` has a `stop_reason`: the call's final line.
    stopped: bool,
    sidechain: bool,
    turn_id: Box<str>,
    emitted: Option<TurnValues>,
    pending: bool,
}

struct PendingTool {
    ts: u64,
    session: u32,
    turn_index: u32,
    name: Box<str>,
    summary: Box<str>,
    call_id: Box<str>,
    turn_id: Box<str>,
}

/// State shared by all Claude files of a scan.
#[derive(Default)]
pub(crate) struct Global {
    /// Boxed: growing the table then moves a pointer per call, not the whole record.
    turns: HashMap<u128, Box<TurnRec>>,
    /// Calls not emitted yet, with the file and offset of their first line.
    pending_turns: HashMap<u128, (FileId, u64)>,
    /// `message.id` → the call first seen with it, for the sidechain-replay rule.
    by_message: HashMap<u128, u128>,
    tools_seen: HashSet<u128>,
    pending_tools: HashMap<u128, PendingTool>,
    key: String,
    summary: String,
    scratch: String,
}

/// Usage numbers of one assistant line.
#[derive(Clone, Copy, Default)]
struct LineUsage {
    input: u64,
    cache_read: u64,
    cache_write: u64,
    cache_write_1h: u64,
    output: u64,
    thinking: u64,
    fast: bool,
}

fn read_usage(u: Value<'_, '_>) -> Result<LineUsage, BadField> {
    let [
        creation,
        cache_creation,
        details,
        input,
        cache_read,
        output,
        speed,
    ] = u.pick([
        "cache_creation_input_tokens",
        "cache_creation",
        "output_tokens_details",
        "input_tokens",
        "cache_read_input_tokens",
        "output_tokens",
        "speed",
    ]);
    let creation = creation.u64()?.unwrap_or(0);
    let (w5m, w1h) = match cache_creation.obj()? {
        Some(c) => (
            u64_field(c, "ephemeral_5m_input_tokens")?.unwrap_or(0),
            u64_field(c, "ephemeral_1h_input_tokens")?.unwrap_or(0),
        ),
        None => (0, 0),
    };
    let thinking = match details.obj()? {
        Some(d) => u64_field(d, "thinking_tokens")?.unwrap_or(0),
        None => 0,
    };
    let cache_write = creation.max(w5m.saturating_add(w1h));
    Ok(LineUsage {
        input: input.u64()?.unwrap_or(0),
        cache_read: cache_read.u64()?.unwrap_or(0),
        cache_write,
        cache_write_1h: w1h.min(cache_write),
        output: output.u64()?.unwrap_or(0),
        thinking,
        fast: speed.str()? == Some("fast"),
    })
}

/// The parts of an assistant line that matter, read (and type-checked) before any state changes.
struct AssistantLine<'i> {
    message_id: Option<&'i str>,
    request_id: Option<&'i str>,
    uuid: Option<&'i str>,
    model: &'i str,
    stop_reason: &'i str,
    sidechain: bool,
    is_error: bool,
    usage: Option<LineUsage>,
    duration_ms: u64,
}

impl<'i> AssistantLine<'i> {
    /// Reads the line's `message` and its top-level `requestId`, `uuid`, `isSidechain`,
    /// `isApiErrorMessage` and `durationMs`, in that order.
    fn read(top: [Found<'_, 'i>; 5], message: Option<Value<'_, 'i>>) -> Result<Self, BadField> {
        let [request_id, uuid, sidechain, api_error, duration] = top;
        let (mut message_id, mut model, mut stop_reason, mut usage) = (None, "", "", None);
        if let Some(m) = message {
            message_id = str_field(m, "id")?;
            model = str_field(m, "model")?.unwrap_or("");
            stop_reason = str_field(m, "stop_reason")?.unwrap_or("");
            usage = obj_field(m, "usage")?.map(read_usage).transpose()?;
            for block in arr_field(m, "content")?.iter().flat_map(|a| a.iter()) {
                if str_field(block, "type")? == Some("tool_use") {
                    str_field(block, "id")?;
                    str_field(block, "name")?;
                }
            }
        }
        Ok(Self {
            message_id,
            request_id: request_id.str()?,
            uuid: uuid.str()?,
            model,
            stop_reason,
            sidechain: sidechain.bool()?.unwrap_or(false),
            is_error: api_error.bool()?.unwrap_or(false) || model == SYNTHETIC_MODEL,
            usage,
            duration_ms: duration.u64()?.unwrap_or(0),
        })
    }

    fn is_call(&self) -> bool {
        self.usage.is_some() || self.is_error
    }

    /// Writes the dedup key (COUNTING.md, Claude turns, rule 2) into `out`.
    fn key(&self, file: FileId, offset: u64, out: &mut String) {
        use std::fmt::Write;
        out.clear();
        let _ = match (self.message_id, self.request_id, self.uuid) {
            (Some(m), Some(r), _) => write!(out, "{m}:{r}"),
            (Some(m), None, _) => write!(out, "{m}"),
            (None, Some(r), _) => write!(out, "req:{r}"),
            (None, None, Some(u)) => write!(out, "uuid:{u}"),
            (None, None, None) => write!(out, "line:{}:{offset}", file.0),
        };
    }
}

fn check_user(message: Option<Value<'_, '_>>) -> Result<(), BadField> {
    let Some(m) = message else { return Ok(()) };
    let Some(content) = field(m, "content") else {
        return Ok(());
    };
    if let Some(blocks) = content.as_array() {
        for block in blocks.iter() {
            if str_field(block, "type")? == Some("tool_result") {
                str_field(block, "tool_use_id")?;
                bool_field(block, "is_error")?;
            }
        }
    } else if !content.is_str() {
        return Err(BadField("content"));
    }
    Ok(())
}

/// Byte and line counts of a tool result's text (a string, or the `text` items of an array).
pub(crate) fn measure_output(content: Option<Value<'_, '_>>) -> (u64, u64) {
    let mut size = TextSize::default();
    match content {
        Some(c) if c.is_str() => size.add(c.text_size().unwrap_or_default()),
        Some(c) => {
            for item in c.as_array().iter().flat_map(|a| a.iter()) {
                if let Some(text) = item.get("text").and_then(|t| t.text_size()) {
                    size.add(text);
                }
            }
        }
        None => {}
    }
    size.bytes_and_lines()
}

fn summarize(name: &str, input: Option<Value<'_, '_>>, scratch: &mut String, out: &mut String) {
    let key = match name {
        "Bash" => Some("command"),
        "Read" | "Write" | "Edit" | "MultiEdit" => Some("file_path"),
        "NotebookEdit" => Some("notebook_path"),
        "Glob" | "Grep" => Some("pattern"),
        "WebFetch" => Some("url"),
        "WebSearch" => Some("query"),
        "Task" | "Agent" => Some("description"),
        "Skill" => Some("skill"),
        _ => None,
    };
    scratch.clear();
    match (key, input) {
        (Some(k), Some(i)) if i.get(k).and_then(|x| x.as_str()).is_some() => {
            scratch.push_str(i.get(k).and_then(|x| x.as_str()).unwrap_or(""));
        }
        (_, Some(i)) => write_compact(i, scratch),
        (_, None) => {}
    }
    summarize_into(scratch, out);
}

impl Global {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn line(
        &mut self,
        shared: &mut Shared,
        f: &mut FileState,
        file: FileId,
        offset: u64,
        v: Value<'_, '_>,
        sink: &mut dyn Sink,
    ) -> Result<(), Skip> {
        let [ty, timestamp, session_id, cwd, branch, message, top @ ..] = v.pick([
            "type",
            "timestamp",
            "sessionId",
            "cwd",
            "gitBranch",
            "message",
            "requestId",
            "uuid",
            "isSidechain",
            "isApiErrorMessage",
            "durationMs",
        ]);
        let ty = ty.str()?.ok_or(SkipReason::UnknownType)?;
        if !KNOWN_TYPES.contains(&ty) {
            return Err(SkipReason::UnknownType.into());
        }
        let ts: Field<u64> = match timestamp.str()? {
            Some(s) => parse_ts_ms(s).map(Some).ok_or(BadField("timestamp")),
            None => Ok(None),
        };
        let ts = ts?;
        let session_id = session_id.str()?;
        let cwd = cwd.str()?;
        let branch = branch.str()?;
        let message = if ty == "assistant" || ty == "user" {
            message.obj()?
        } else {
            None
        };
        let assistant = match ty {
            "assistant" => Some(AssistantLine::read(top, message)?),
            _ => None,
        };
        if ty == "user" {
            check_user(message)?;
        }
        let line_ts = ts.or(f.last_ts);
        if line_ts.is_none() && assistant.as_ref().is_some_and(|a| a.is_call()) {
            return Err(SkipReason::MissingTimestamp.into());
        }

        // Checked: from here on the line is applied.
        if ts.is_some() {
            f.last_ts = ts;
        }
        let session = match session_id {
            Some(id) => {
                let s = shared.session(Agent::Claude, id);
                if !f.session_from_line {
                    f.session = s;
                    f.session_from_line = true;
                }
                s
            }
            None => f.session,
        };
        if let Some(cwd) = cwd.filter(|c| !c.is_empty()) {
            let sym = shared.strings.intern(cwd);
            shared.agg(session).set_project(sym, ts);
        }
        if let Some(branch) = branch.filter(|b| !b.is_empty()) {
            let sym = shared.strings.intern(branch);
            shared.agg(session).set_branch(sym, ts);
        }
        match (assistant, line_ts) {
            (Some(a), Some(line_ts)) => {
                self.assistant(shared, f, file, offset, session, line_ts, &a, message, sink);
            }
            (None, _) if ty == "user" => self.user(shared, f, line_ts, message, sink),
            _ => {}
        }
        if let Some(ts) = ts {
            shared.agg(session).touch(ts);
        }
        Ok(())
    }

    fn values(
        shared: &mut Shared,
        a: &AssistantLine<'_>,
        ts: u64,
        session: u32,
        turn_index: u32,
    ) -> TurnValues {
        let u = a.usage.unwrap_or_default();
        let model = shared.strings.intern(a.model);
        let price = shared.price(model);
        let cost = price.map(|p| {
            p.claude_cost(&ClaudeUsage {
                input: u.input,
                output: u.output,
                cache_read: u.cache_read,
                cache_write_5m: u.cache_write - u.cache_write_1h,
                cache_write_1h: u.cache_write_1h,
                fast: u.fast,
            })
        });
        let context_window = price
            .and_then(|p| p.context_window)
            .unwrap_or(DEFAULT_CLAUDE_CONTEXT);
        let input = u
            .input
            .saturating_add(u.cache_write)
            .saturating_add(u.cache_read);
        TurnValues {
            ts_ms: ts,
            session,
            turn_index,
            model,
            input,
            output: u.output,
            cached: u.cache_read,
            reasoning: u.thinking,
            cache_write: u.cache_write,
            cache_write_5m: u.cache_write - u.cache_write_1h,
            cache_write_1h: u.cache_write_1h,
            cost: cost.unwrap_or(0.0),
            priced: cost.is_some(),
            stop_reason: shared.strings.intern(a.stop_reason),
            is_error: a.is_error,
            context_window,
            context_used_pct: (100.0 * input as f64 / f64::from(context_window)) as f32,
            dur_ms: a.duration_ms.min(u64::from(u32::MAX)) as u32,
        }
    }

    fn emit_pending(&mut self, shared: &mut Shared, key: u128, sink: &mut dyn Sink) {
        if let Some(rec) = self.turns.get_mut(&key).filter(|r| r.pending) {
            rec.pending = false;
            rec.emitted = Some(rec.values);
            self.pending_turns.remove(&key);
            shared.emit_turn(&rec.values, &rec.turn_id, None, sink);
        }
    }

    fn flush_file(&mut self, shared: &mut Shared, f: &mut FileState, sink: &mut dyn Sink) {
        if let Some(p) = f.pending.take() {
            self.emit_pending(shared, p, sink);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn assistant(
        &mut self,
        shared: &mut Shared,
        f: &mut FileState,
        file: FileId,
        offset: u64,
        session: u32,
        ts: u64,
        a: &AssistantLine<'_>,
        message: Option<Value<'_, '_>>,
        sink: &mut dyn Sink,
    ) {
        let mut key = None;
        if a.is_call() {
            let mut key_buf = std::mem::take(&mut self.key);
            a.key(file, offset, &mut key_buf);
            let k = key_hash(&key_buf);
            if self.counts_as_call(k, a, f) {
                self.call(shared, f, file, offset, session, ts, a, k, &key_buf, sink);
            }
            self.key = key_buf;
            key = Some(k);
        }
        let Some(content) = message
            .and_then(|m| m.get("content"))
            .and_then(|c| c.as_array())
        else {
            return;
        };
        for block in content.iter() {
            if block.get("type").and_then(|t| t.as_str()) != Some("tool_use") {
                continue;
            }
            let Some(id) = block.get("id").and_then(|x| x.as_str()) else {
                continue;
            };
            let h = key_hash(id);
            if !self.tools_seen.insert(h) {
                continue;
            }
            let name = block.get("name").and_then(|x| x.as_str()).unwrap_or("");
            summarize(
                name,
                field(block, "input"),
                &mut self.scratch,
                &mut self.summary,
            );
            let owner = key.or(f.pending).and_then(|k| self.turns.get(&k));
            self.pending_tools.insert(
                h,
                PendingTool {
                    // The message's first line: the text or thinking before this block are
                    // lines of their own, written as the model streamed them.
                    ts: owner.map_or(ts, |r| r.values.ts_ms.min(ts)),
                    session,
                    turn_index: owner.map_or(0, |r| r.values.turn_index),
                    name: name.into(),
                    summary: self.summary.as_str().into(),
                    call_id: id.into(),
                    turn_id: owner.map_or("".into(), |r| r.turn_id.clone()),
                },
            );
        }
    }

    /// The sidechain-replay rule: false when this line replays a call already counted from the
    /// main chain. A main-chain line takes over a sidechain call that is not emitted yet.
    fn counts_as_call(&mut self, key: u128, a: &AssistantLine<'_>, f: &mut FileState) -> bool {
        let Some(mid) = a.message_id.map(key_hash) else {
            return true;
        };
        let Some(&other) = self.by_message.get(&mid) else {
            self.by_message.insert(mid, key);
            return true;
        };
        if other == key {
            return true;
        }
        match self.turns.get(&other).map(|r| (r.sidechain, r.pending)) {
            Some((false, _)) if a.sidechain => false,
            Some((true, true)) if !a.sidechain => {
                self.turns.remove(&other);
                self.pending_turns.remove(&other);
                if f.pending == Some(other) {
                    f.pending = None;
                }
                self.by_message.insert(mid, key);
                true
            }
            _ => true,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn call(
        &mut self,
        shared: &mut Shared,
        f: &mut FileState,
        file: FileId,
        offset: u64,
        session: u32,
        ts: u64,
        a: &AssistantLine<'_>,
        key: u128,
        key_str: &str,
        sink: &mut dyn Sink,
    ) {
        if f.pending.is_some_and(|p| p != key) {
            self.flush_file(shared, f, sink);
        }
        let output = a.usage.map_or(0, |u| u.output);
        let Some(rec) = self.turns.get_mut(&key) else {
            let turn_index = f.next_turn_index;
            f.next_turn_index += 1;
            let values = Self::values(shared, a, ts, session, turn_index);
            self.turns.insert(
                key,
                Box::new(TurnRec {
                    values,
                    best_output: output,
                    stopped: !a.stop_reason.is_empty(),
                    sidechain: a.sidechain,
                    turn_id: key_str.into(),
                    emitted: None,
                    pending: true,
                }),
            );
            self.pending_turns.insert(key, (file, offset));
            f.pending = Some(key);
            return;
        };
        if rec.pending {
            f.pending = Some(key);
        }
        let stopped = !a.stop_reason.is_empty();
        if output < rec.best_output || (output == rec.best_output && rec.stopped && !stopped) {
            return;
        }
        let (first_ts, owner, turn_index) =
            (rec.values.ts_ms, rec.values.session, rec.values.turn_index);
        let values = Self::values(shared, a, first_ts, owner, turn_index);
        let rec = self.turns.get_mut(&key).expect("present");
        rec.best_output = output;
        rec.stopped = stopped;
        rec.values = values;
        if let Some(old) = rec.emitted.filter(|old| *old != values) {
            rec.emitted = Some(values);
            shared.emit_turn(&values, &rec.turn_id, Some(&old), sink);
        }
    }

    fn user(
        &mut self,
        shared: &mut Shared,
        f: &mut FileState,
        ts: Option<u64>,
        message: Option<Value<'_, '_>>,
        sink: &mut dyn Sink,
    ) {
        self.flush_file(shared, f, sink);
        let Some(blocks) = message
            .and_then(|m| m.get("content"))
            .and_then(|c| c.as_array())
        else {
            return;
        };
        for block in blocks.iter() {
            if block.get("type").and_then(|t| t.as_str()) != Some("tool_result") {
                continue;
            }
            let Some(id) = block.get("tool_use_id").and_then(|x| x.as_str()) else {
                continue;
            };
            let Some(call) = self.pending_tools.remove(&key_hash(id)) else {
                continue;
            };
            let failed = block
                .get("is_error")
                .and_then(|x| x.as_bool())
                .unwrap_or(false);
            let (output_bytes, output_lines) = measure_output(field(block, "content"));
            shared.emit_tool(
                &ToolValues {
                    ts_ms: call.ts,
                    session: call.session,
                    turn_index: call.turn_index,
                    tool_name: &call.name,
                    input_summary: &call.summary,
                    dur_ms: ts.map_or(0, |t| t.saturating_sub(call.ts)),
                    ok: !failed,
                    output_lines,
                    output_bytes,
                    call_id: &call.call_id,
                    turn_id: &call.turn_id,
                },
                sink,
            );
        }
    }

    /// Emits every call still pending, in the order their first lines were read.
    pub(crate) fn finish(&mut self, shared: &mut Shared, sink: &mut dyn Sink) {
        let mut keys: Vec<_> = self
            .pending_turns
            .iter()
            .map(|(k, (f, o))| (f.0, *o, *k))
            .collect();
        keys.sort_unstable();
        for (_, _, key) in keys {
            self.emit_pending(shared, key, sink);
        }
    }
}
