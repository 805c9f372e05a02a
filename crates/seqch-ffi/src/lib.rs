//! `libseqch`: the C ABI of the seqch write path (`libseqch.so` / `libseqch.dylib` /
//! `libseqch.a`, header `include/seqch.h`).
//!
//! Two surfaces over one [`seqch_writer::Writer`]:
//! - **v1**, byte-for-byte the deployed C++ library's symbols (callers resolve them with `dlsym`
//!   and unchecked function-pointer types): NUL-terminated strings (NULL is empty; NULL
//!   `subject` is SQL NULL), `void` pushes, errors only in counters. `seq_ch_writer_create`'s
//!   native port 9000 maps to the HTTP interface (`SEQ_CH_HTTP_PORT`, default 8123).
//! - **v2**, in the style of rustls-ffi: [`seq_ch_abi_version`], [`seq_ch_open`] with a
//!   size-prefixed config, row structs with `(ptr, len)` strings, `int32_t` result codes, a
//!   waiting flush, `close`, size-prefixed stats and [`seq_ch_last_error`].
//!
//! Every entry point catches panics; NULL handles, NULL or invalid-UTF-8 strings and strings
//! over 1 MiB are handled (replaced, truncated) and counted, never undefined behaviour.
#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)]

use std::borrow::Cow;
use std::cell::RefCell;
use std::ffi::{CStr, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use seqch_rows as rows;
use seqch_writer::{Mode, PushError, Writer, WriterConfig, schema::Databases};

/// The v2 ABI version: bumped when a v2 symbol or struct changes incompatibly.
pub const SEQ_CH_ABI_VERSION: u32 = 2;

/// Success.
pub const SEQ_CH_OK: i32 = 0;
/// The queue is full: the row was refused (and counted).
pub const SEQ_CH_REFUSED_FULL: i32 = 1;
/// The writer is closed.
pub const SEQ_CH_CLOSED: i32 = 2;
/// A NULL handle or row, a struct too small, a NULL string with a length.
pub const SEQ_CH_INVALID_ARGUMENT: i32 = 3;
/// The wait ended before the work was done.
pub const SEQ_CH_TIMEOUT: i32 = 4;
/// A panic was caught at the boundary (see `seq_ch_last_error`).
pub const SEQ_CH_PANIC: i32 = 5;
/// Anything else (see `seq_ch_last_error`).
pub const SEQ_CH_ERROR: i32 = 6;
/// The caller's buffer is too small: `*out_len` holds the size needed.
pub const SEQ_CH_BUFFER_TOO_SMALL: i32 = 7;

/// `seq_ch_config.mode`: take the mode from `SEQ_CH_MODE` (http when a server is configured,
/// else file).
pub const SEQ_CH_MODE_ENV: i32 = 0;
pub const SEQ_CH_MODE_HTTP: i32 = 1;
pub const SEQ_CH_MODE_FILE: i32 = 2;
pub const SEQ_CH_MODE_MIRROR: i32 = 3;
pub const SEQ_CH_MODE_OFF: i32 = 4;

/// Strings longer than this are cut (on a UTF-8 boundary) and counted.
const MAX_STRING: usize = 1 << 20;

/// An opaque writer handle.
pub struct seq_ch_writer {
    writer: Writer,
    repairs: Repairs,
}

/// Strings repaired on the way in: invalid UTF-8 replaced, more than 1 MiB cut.
#[derive(Default)]
struct Repairs {
    invalid_utf8: AtomicU64,
    truncated: AtomicU64,
}

/// The v1 name of the handle.
pub type seq_ch_writer_t = seq_ch_writer;

/// Calls made with a NULL handle (they do nothing).
static NULL_HANDLE_CALLS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
    /// The JSON of this thread's last `seq_ch_review`, for `seq_ch_last_review`.
    static LAST_REVIEW: RefCell<String> = const { RefCell::new(String::new()) };
}

fn set_error(msg: impl Into<String>) {
    let msg = msg.into();
    let _ = LAST_ERROR.try_with(|e| *e.borrow_mut() = msg);
}

/// Runs `f`, turning a panic into `on_panic` with the panic's message as the last error.
fn guard<T>(on_panic: T, f: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(p) => {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned());
            set_error(format!("panic in libseqch: {}", msg.unwrap_or_default()));
            on_panic
        }
    }
}

fn handle<'a>(w: *const seq_ch_writer) -> Option<&'a seq_ch_writer> {
    if w.is_null() {
        NULL_HANDLE_CALLS.fetch_add(1, Relaxed);
        return None;
    }
    // SAFETY: a non-NULL handle comes from `seq_ch_writer_create`/`seq_ch_open` and lives until
    // `seq_ch_writer_destroy`.
    Some(unsafe { &*w })
}

impl Repairs {
    /// Bytes as a string: invalid UTF-8 replaced, more than 1 MiB cut; both counted.
    fn text<'a>(&self, bytes: &'a [u8]) -> Cow<'a, str> {
        let s = match std::str::from_utf8(bytes) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => {
                self.invalid_utf8.fetch_add(1, Relaxed);
                String::from_utf8_lossy(bytes)
            }
        };
        if s.len() <= MAX_STRING {
            return s;
        }
        self.truncated.fetch_add(1, Relaxed);
        let mut end = MAX_STRING;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        Cow::Owned(s[..end].to_owned())
    }

    /// A v1 NUL-terminated string (NULL is empty).
    unsafe fn c<'a>(&self, p: *const c_char) -> Cow<'a, str> {
        if p.is_null() {
            return Cow::Borrowed("");
        }
        // SAFETY: v1 callers pass NUL-terminated strings valid for the call.
        self.text(unsafe { CStr::from_ptr(p) }.to_bytes())
    }

    /// A v2 `(ptr, len)` string; `None` for a NULL pointer with a length.
    unsafe fn s<'a>(&self, s: seq_ch_str) -> Option<Cow<'a, str>> {
        if s.ptr.is_null() {
            return (s.len == 0).then_some(Cow::Borrowed(""));
        }
        if s.len > isize::MAX as usize {
            return None; // no object is that large: a bad length, refused like a NULL pointer
        }
        // SAFETY: v2 callers pass `len` readable bytes at `ptr`, valid for the call.
        Some(self.text(unsafe { std::slice::from_raw_parts(s.ptr, s.len) }))
    }

    /// A call's v2 strings, all or none: `None`, with the error set for `call`, when one has a
    /// NULL pointer and a length.
    unsafe fn strings<'a, const N: usize>(
        &self,
        call: &str,
        fields: [seq_ch_str; N],
    ) -> Option<[Cow<'a, str>; N]> {
        let texts = fields.map(|s| unsafe { self.s(s) });
        if texts.iter().any(Option::is_none) {
            set_error(format!("{call}: a string has a NULL pointer and a length"));
            return None;
        }
        Some(texts.map(Option::unwrap_or_default))
    }
}

impl seq_ch_writer {
    unsafe fn c<'a>(&self, p: *const c_char) -> Cow<'a, str> {
        unsafe { self.repairs.c(p) }
    }

    fn new(writer: Writer) -> *mut seq_ch_writer {
        Box::into_raw(Box::new(seq_ch_writer {
            writer,
            repairs: Repairs::default(),
        }))
    }

    fn push<R: serde::Serialize + rows::Table>(&self, row: &R) -> i32 {
        match self.writer.push(row) {
            Ok(()) => SEQ_CH_OK,
            Err(PushError::Full) => SEQ_CH_REFUSED_FULL,
            Err(PushError::Closed) => SEQ_CH_CLOSED,
            Err(PushError::Invalid) => SEQ_CH_INVALID_ARGUMENT,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// v1

/// v1's 88-byte counters (11 × `uint64_t`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct seq_ch_writer_perf_snapshot_t {
    pub push_calls: u64,
    pub wake_count: u64,
    pub flush_count: u64,
    pub total_flush_us: u64,
    pub max_flush_us: u64,
    pub last_flush_us: u64,
    pub last_flush_rows: u64,
    pub last_pending_rows: u64,
    pub max_pending_rows: u64,
    pub error_count: u64,
    pub inserted_count: u64,
}

fn v1_config(host: &str, port: u16, database: &str) -> WriterConfig {
    let mut c = WriterConfig::from_env();
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    if env("SEQ_CH_URL").is_none() {
        let host = if host.is_empty() { "127.0.0.1" } else { host };
        let http_port = match port {
            0 | 9000 => {
                let p = env("SEQ_CH_HTTP_PORT")
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(8123u16);
                if port == 9000 {
                    tracing::info!("libseqch speaks HTTP: native port 9000 maps to HTTP port {p}");
                }
                p
            }
            p => p,
        };
        c.url = format!("http://{host}:{http_port}");
    }
    // v1 was handed a server: it sends unless SEQ_CH_MODE names another mode (an unknown one,
    // such as "auto", is not a reason to stop sending).
    if env("SEQ_CH_MODE").and_then(|m| Mode::parse(&m)).is_none() {
        c.mode = Mode::Http;
    }
    if !database.is_empty() {
        c.event_database = Some(database.to_owned());
    }
    // v1's cadence: its callers never flush nor destroy, so what a process leaves unsent at
    // exit is what the last interval held.
    c.flush_interval = std::time::Duration::from_millis(100);
    c
}

/// Creates a writer sending to ClickHouse at `host` (v1: native `port` 9000 means the HTTP
/// port). `SEQ_CH_MODE` and the other `SEQ_CH_*` variables apply. NULL on failure.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn seq_ch_writer_create(
    host: *const c_char,
    port: u16,
    database: *const c_char,
) -> *mut seq_ch_writer_t {
    guard(std::ptr::null_mut(), || {
        let text = |p: *const c_char| {
            if p.is_null() {
                String::new()
            } else {
                unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
            }
        };
        match Writer::new(v1_config(&text(host), port, &text(database))) {
            Ok(writer) => seq_ch_writer::new(writer),
            Err(e) => {
                set_error(e.to_string());
                std::ptr::null_mut()
            }
        }
    })
}

/// Sends or spools what is queued (up to 5 s) and frees the writer. NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn seq_ch_writer_destroy(w: *mut seq_ch_writer_t) {
    guard((), || {
        if !w.is_null() {
            // SAFETY: the handle came from Box::into_raw and is destroyed once.
            drop(unsafe { Box::from_raw(w) });
        }
    })
}

/// Asks the writer to send what it holds now; does not wait (v1).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn seq_ch_flush(w: *mut seq_ch_writer_t) {
    guard((), || {
        if let Some(w) = handle(w) {
            w.writer.request_flush();
        }
    })
}

fn error_total(w: &seq_ch_writer) -> u64 {
    let s = w.writer.stats();
    s.errors
        + s.refused
        + s.dead_lettered
        + w.repairs.invalid_utf8.load(Relaxed)
        + w.repairs.truncated.load(Relaxed)
}

/// Errors of any kind: failed sends, refused, dead-lettered and repaired rows.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn seq_ch_error_count(w: *const seq_ch_writer_t) -> u64 {
    guard(0, || handle(w).map_or(0, error_total))
}

/// Rows ClickHouse acknowledged.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn seq_ch_inserted_count(w: *const seq_ch_writer_t) -> u64 {
    guard(0, || handle(w).map_or(0, |w| w.writer.stats().inserted))
}

/// Fills v1's counters; zeroes them for a NULL handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn seq_ch_writer_perf_snapshot(
    w: *const seq_ch_writer_t,
    out: *mut seq_ch_writer_perf_snapshot_t,
) {
    guard((), || {
        if out.is_null() {
            return;
        }
        let mut snap = seq_ch_writer_perf_snapshot_t::default();
        if let Some(w) = handle(w) {
            let s = w.writer.stats();
            snap = seq_ch_writer_perf_snapshot_t {
                push_calls: s.pushed,
                wake_count: s.flushes,
                flush_count: s.flushes,
                total_flush_us: s.total_flush_us,
                max_flush_us: s.max_flush_us,
                last_flush_us: s.last_flush_us,
                last_flush_rows: s.last_flush_rows,
                last_pending_rows: s.queue_depth,
                max_pending_rows: s.queue_depth,
                error_count: error_total(w),
                inserted_count: s.inserted,
            };
        }
        // SAFETY: `out` points to a caller-owned v1 snapshot.
        unsafe { out.write(snap) };
    })
}

/// `seq.mem_events` (in the database given to `seq_ch_writer_create`). NULL `subject` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn seq_ch_push_mem_event(
    w: *mut seq_ch_writer_t,
    ts_ms: u64,
    dur_us: u64,
    ok: u8,
    session_id: *const c_char,
    event_id: *const c_char,
    content_hash: *const c_char,
    name: *const c_char,
    subject: *const c_char,
) {
    guard((), || {
        let Some(w) = handle(w) else { return };
        unsafe {
            let subject = (!subject.is_null()).then(|| w.c(subject));
            w.push(&rows::MemEvent {
                ts_ms,
                dur_us,
                ok: ok != 0,
                session_id: &w.c(session_id),
                event_id: &w.c(event_id),
                content_hash: &w.c(content_hash),
                name: &w.c(name),
                subject: subject.as_deref(),
            });
        }
    })
}

/// `seq.trace_events` (in the database given to `seq_ch_writer_create`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn seq_ch_push_trace_event(
    w: *mut seq_ch_writer_t,
    ts_us: i64,
    app: *const c_char,
    pid: u32,
    tid: u64,
    level: *const c_char,
    kind: *const c_char,
    name: *const c_char,
    message: *const c_char,
    dur_us: i64,
) {
    guard((), || {
        let Some(w) = handle(w) else { return };
        unsafe {
            w.push(&rows::TraceEvent {
                ts_us,
                app: &w.c(app),
                pid,
                tid,
                level: &w.c(level),
                kind: &w.c(kind),
                name: &w.c(name),
                message: &w.c(message),
                dur_us,
            });
        }
    })
}

/// `seq.context`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn seq_ch_push_context(
    w: *mut seq_ch_writer_t,
    ts_ms: u64,
    dur_ms: u64,
    app: *const c_char,
    bundle_id: *const c_char,
    window_title: *const c_char,
    url: *const c_char,
    afk: u8,
) {
    guard((), || {
        let Some(w) = handle(w) else { return };
        unsafe {
            w.push(&rows::Context {
                ts_ms,
                dur_ms,
                app: &w.c(app),
                bundle_id: &w.c(bundle_id),
                window_title: &w.c(window_title),
                url: &w.c(url),
                afk,
            });
        }
    })
}

/// `hive.supersteps`; `status` 0 started, 1 finished, 2 interrupted, 3 error (others: error).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn seq_ch_push_superstep(
    w: *mut seq_ch_writer_t,
    ts_ms: u64,
    thread_id: *const c_char,
    graph_name: *const c_char,
    graph_version: u32,
    step_index: u32,
    frontier_count: u32,
    writes: u32,
    dur_us: u64,
    status: u8,
) {
    guard((), || {
        let Some(w) = handle(w) else { return };
        unsafe {
            w.push(&rows::Superstep {
                ts_ms,
                thread_id: &w.c(thread_id),
                graph_name: &w.c(graph_name),
                graph_version,
                step_index,
                frontier_count,
                writes,
                dur_us,
                status: status.min(3) as i8,
            });
        }
    })
}

/// `hive.model_invocations`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn seq_ch_push_model_invocation(
    w: *mut seq_ch_writer_t,
    ts_ms: u64,
    thread_id: *const c_char,
    node_id: *const c_char,
    graph_name: *const c_char,
    provider: *const c_char,
    model: *const c_char,
    input_tokens: u32,
    output_tokens: u32,
    dur_us: u64,
    ttft_us: u64,
    tool_calls: u16,
    ok: u8,
    error_msg: *const c_char,
) {
    guard((), || {
        let Some(w) = handle(w) else { return };
        unsafe {
            w.push(&rows::ModelInvocation {
                ts_ms,
                thread_id: &w.c(thread_id),
                node_id: &w.c(node_id),
                graph_name: &w.c(graph_name),
                provider: &w.c(provider),
                model: &w.c(model),
                input_tokens,
                output_tokens,
                dur_us,
                ttft_us,
                tool_calls,
                ok,
                error_msg: &w.c(error_msg),
            });
        }
    })
}

/// `hive.tool_calls`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn seq_ch_push_tool_call(
    w: *mut seq_ch_writer_t,
    ts_ms: u64,
    thread_id: *const c_char,
    node_id: *const c_char,
    tool_name: *const c_char,
    input_json: *const c_char,
    output_json: *const c_char,
    dur_us: u64,
    ok: u8,
) {
    guard((), || {
        let Some(w) = handle(w) else { return };
        unsafe {
            w.push(&rows::HiveToolCall {
                ts_ms,
                thread_id: &w.c(thread_id),
                node_id: &w.c(node_id),
                tool_name: &w.c(tool_name),
                input_json: &w.c(input_json),
                output_json: &w.c(output_json),
                dur_us,
                ok,
            });
        }
    })
}

/// `agent.sessions` (v1 columns; the rest take their defaults).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn seq_ch_push_agent_session(
    w: *mut seq_ch_writer_t,
    ts_ms: u64,
    session_id: *const c_char,
    agent: *const c_char,
    model: *const c_char,
    project_path: *const c_char,
    git_branch: *const c_char,
    git_commit: *const c_char,
    dur_ms: u64,
    turns: u32,
    total_input_tokens: u64,
    total_output_tokens: u64,
    total_cost_usd: f64,
) {
    guard((), || {
        let Some(w) = handle(w) else { return };
        unsafe {
            w.push(&rows::Session {
                ts_ms,
                session_id: &w.c(session_id),
                agent: &w.c(agent),
                model: &w.c(model),
                project_path: &w.c(project_path),
                git_branch: &w.c(git_branch),
                git_commit: &w.c(git_commit),
                dur_ms,
                turns,
                total_input_tokens,
                total_output_tokens,
                total_cost_usd,
                first_ts_ms: ts_ms.saturating_sub(dur_ms),
                ..Default::default()
            });
        }
    })
}

/// `agent.turns` (v1 columns; no `turn_id`, so the row is keyed by `turn_index` and `ts_ms`;
/// the rest take defaults).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn seq_ch_push_agent_turn(
    w: *mut seq_ch_writer_t,
    ts_ms: u64,
    session_id: *const c_char,
    turn_index: u32,
    agent: *const c_char,
    model: *const c_char,
    input_tokens: u32,
    output_tokens: u32,
    cached_tokens: u32,
    reasoning_tokens: u32,
    dur_ms: u32,
    cost_usd: f64,
    stop_reason: *const c_char,
    is_error: u8,
    context_window: u32,
    context_used_pct: f32,
) {
    guard((), || {
        let Some(w) = handle(w) else { return };
        unsafe {
            w.push(&rows::Turn {
                ts_ms,
                session_id: &w.c(session_id),
                turn_index,
                agent: &w.c(agent),
                model: &w.c(model),
                input_tokens,
                output_tokens,
                cached_tokens,
                reasoning_tokens,
                dur_ms,
                cost_usd,
                stop_reason: &w.c(stop_reason),
                is_error,
                context_window,
                context_used_pct,
                turn_id: "",
                ..Default::default()
            });
        }
    })
}

/// `agent.tool_calls` (v1 columns; no `call_id`, so the row is keyed by what it holds).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn seq_ch_push_agent_tool_call(
    w: *mut seq_ch_writer_t,
    ts_ms: u64,
    session_id: *const c_char,
    turn_index: u32,
    agent: *const c_char,
    tool_name: *const c_char,
    input_summary: *const c_char,
    dur_ms: u32,
    ok: u8,
    output_lines: u32,
    output_bytes: u32,
) {
    guard((), || {
        let Some(w) = handle(w) else { return };
        unsafe {
            w.push(&rows::ToolCall {
                ts_ms,
                session_id: &w.c(session_id),
                turn_index,
                agent: &w.c(agent),
                tool_name: &w.c(tool_name),
                input_summary: &w.c(input_summary),
                dur_ms,
                ok,
                output_lines,
                output_bytes,
                call_id: "",
                ..Default::default()
            });
        }
    })
}

// ---------------------------------------------------------------------------------------------
// v2

/// A string as pointer and length (not NUL-terminated). `{NULL, 0}` is the empty string.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seq_ch_str {
    pub ptr: *const u8,
    pub len: usize,
}

/// The v2 configuration. `struct_size` must be `sizeof(seq_ch_config)` of the caller's header;
/// zero numbers and empty strings mean "default" (the `SEQ_CH_*` environment, then built-in
/// defaults).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seq_ch_config {
    pub struct_size: u32,
    /// One of `SEQ_CH_MODE_*`.
    pub mode: i32,
    pub url: seq_ch_str,
    pub user: seq_ch_str,
    pub password: seq_ch_str,
    /// Databases `P_agent`, `P_seq`, `P_hive` instead of `agent`, `seq`, `hive`.
    pub database_prefix: seq_ch_str,
    pub spool_dir: seq_ch_str,
    pub file_dir: seq_ch_str,
    pub batch_rows: u32,
    pub flush_interval_ms: u32,
    pub queue_capacity: u32,
    pub reserved: u32,
    pub batch_bytes: u64,
    pub spool_max_bytes: u64,
}

/// One billed model call (`agent.turns`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seq_ch_turn {
    pub ts_ms: u64,
    pub session_id: seq_ch_str,
    pub turn_index: u32,
    pub agent: seq_ch_str,
    pub model: seq_ch_str,
    pub input_tokens: u32,
    pub output_tokens: u32,
    pub cached_tokens: u32,
    pub reasoning_tokens: u32,
    pub dur_ms: u32,
    pub cost_usd: f64,
    pub stop_reason: seq_ch_str,
    pub is_error: u8,
    pub context_window: u32,
    pub context_used_pct: f32,
    /// The call's stable id (the replay key); empty: the row is keyed by `turn_index` and
    /// `ts_ms`.
    pub turn_id: seq_ch_str,
    pub cache_write_tokens: u32,
    pub cache_write_5m_tokens: u32,
    pub cache_write_1h_tokens: u32,
    pub project_path: seq_ch_str,
}

/// One tool execution (`agent.tool_calls`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seq_ch_tool_call {
    pub ts_ms: u64,
    pub session_id: seq_ch_str,
    pub turn_index: u32,
    pub agent: seq_ch_str,
    pub tool_name: seq_ch_str,
    pub input_summary: seq_ch_str,
    pub dur_ms: u32,
    pub ok: u8,
    pub output_lines: u32,
    pub output_bytes: u32,
    /// The call's stable id (the replay key).
    pub call_id: seq_ch_str,
    pub turn_id: seq_ch_str,
    pub project_path: seq_ch_str,
}

/// One snapshot of a session (`agent.sessions`; the latest `ts_ms` of a session wins).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seq_ch_session {
    pub ts_ms: u64,
    pub session_id: seq_ch_str,
    pub agent: seq_ch_str,
    pub model: seq_ch_str,
    pub project_path: seq_ch_str,
    pub git_branch: seq_ch_str,
    pub git_commit: seq_ch_str,
    pub dur_ms: u64,
    pub turns: u32,
    pub tool_calls: u32,
    pub total_input_tokens: u64,
    pub total_output_tokens: u64,
    pub total_cost_usd: f64,
    pub first_ts_ms: u64,
    pub total_cached_tokens: u64,
    pub total_cache_write_tokens: u64,
    pub total_reasoning_tokens: u64,
    pub failed_tool_calls: u32,
    pub reserved: u32,
    pub parent_session_id: seq_ch_str,
    pub source: seq_ch_str,
    pub cli_version: seq_ch_str,
}

/// One rate-limit window as seen at `ts_ms` (`agent.rate_limits`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seq_ch_rate_limit {
    pub ts_ms: u64,
    pub session_id: seq_ch_str,
    pub agent: seq_ch_str,
    pub limit_id: seq_ch_str,
    /// `primary` or `secondary`.
    pub window: seq_ch_str,
    pub used_percent: f64,
    pub window_minutes: u32,
    pub reserved: u32,
    /// Unix seconds; 0 when unknown.
    pub resets_at: u64,
    pub plan_type: seq_ch_str,
}

/// `seq_ch_review_options.target`: the uncommitted changes (staged, unstaged, untracked).
pub const SEQ_CH_REVIEW_UNCOMMITTED: i32 = 0;
/// The changes against the base branch named in `value`.
pub const SEQ_CH_REVIEW_BASE_BRANCH: i32 = 1;
/// The commit whose sha is `value` (`title` optional).
pub const SEQ_CH_REVIEW_COMMIT: i32 = 2;
/// A review by the instructions in `value`.
pub const SEQ_CH_REVIEW_CUSTOM: i32 = 3;

/// What `seq_ch_review` reviews. `struct_size` must be `sizeof(seq_ch_review_options)`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seq_ch_review_options {
    pub struct_size: u32,
    /// One of `SEQ_CH_REVIEW_*`.
    pub target: i32,
    /// The repository to review.
    pub project: seq_ch_str,
    /// The branch, the commit's sha or the instructions (see `target`).
    pub value: seq_ch_str,
    /// The commit's title (`SEQ_CH_REVIEW_COMMIT`; may be empty).
    pub title: seq_ch_str,
    /// The `codex` binary; empty: `$SEQCH_CODEX_BIN`, then `codex` on `PATH`.
    pub codex_bin: seq_ch_str,
    /// The longest the review may take before it is interrupted; 0: 600 s.
    pub timeout_ms: u32,
    pub reserved: u32,
}

/// Counters (`seq_ch_stats`). Set `struct_size` before the call; fields past it are not written.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct seq_ch_stats_t {
    pub struct_size: u32,
    pub reserved: u32,
    pub pushed: u64,
    pub inserted: u64,
    pub retried: u64,
    pub spooled: u64,
    pub replayed: u64,
    pub dead_lettered: u64,
    pub refused: u64,
    pub filed: u64,
    pub queue_depth: u64,
    pub spool_bytes: u64,
    pub flushes: u64,
    pub last_flush_us: u64,
    pub max_flush_us: u64,
    pub errors: u64,
    pub flusher_restarts: u64,
    pub invalid_utf8: u64,
    pub truncated: u64,
    pub null_handle_calls: u64,
}

/// The v2 ABI version of this library ([`SEQ_CH_ABI_VERSION`]).
#[unsafe(no_mangle)]
pub extern "C" fn seq_ch_abi_version() -> u32 {
    SEQ_CH_ABI_VERSION
}

/// The library's version, a static NUL-terminated string.
#[unsafe(no_mangle)]
pub extern "C" fn seq_ch_version_string() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Opens a writer from `cfg`; the handle goes to `*out` (free it with `seq_ch_writer_destroy`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn seq_ch_open(
    cfg: *const seq_ch_config,
    out: *mut *mut seq_ch_writer,
) -> i32 {
    guard(SEQ_CH_PANIC, || {
        if cfg.is_null() || out.is_null() {
            set_error("seq_ch_open: NULL config or out");
            return SEQ_CH_INVALID_ARGUMENT;
        }
        // SAFETY: `out` is a valid pointer to a handle slot; it is NULL unless this succeeds.
        unsafe { out.write(std::ptr::null_mut()) };
        // SAFETY: the caller passes a config whose first field is its size.
        let size = unsafe { (*cfg).struct_size } as usize;
        if size < std::mem::size_of::<seq_ch_config>() {
            set_error(format!(
                "seq_ch_open: struct_size {size} is smaller than this library's seq_ch_config"
            ));
            return SEQ_CH_INVALID_ARGUMENT;
        }
        let cfg = unsafe { *cfg };
        let repairs = Repairs::default();
        let mut c = WriterConfig::from_env();
        let strings = [
            cfg.url,
            cfg.user,
            cfg.password,
            cfg.database_prefix,
            cfg.spool_dir,
            cfg.file_dir,
        ];
        let Some([url, user, password, prefix, spool, files]) =
            (unsafe { repairs.strings("seq_ch_open", strings) })
        else {
            return SEQ_CH_INVALID_ARGUMENT;
        };
        if !url.is_empty() {
            c.url = url.into_owned();
            if cfg.mode == SEQ_CH_MODE_ENV && std::env::var("SEQ_CH_MODE").is_err() {
                c.mode = Mode::Http;
            }
        }
        c.mode = match cfg.mode {
            SEQ_CH_MODE_ENV => c.mode,
            SEQ_CH_MODE_HTTP => Mode::Http,
            SEQ_CH_MODE_FILE => Mode::File,
            SEQ_CH_MODE_MIRROR => Mode::Mirror,
            SEQ_CH_MODE_OFF => Mode::Off,
            other => {
                set_error(format!("seq_ch_open: unknown mode {other}"));
                return SEQ_CH_INVALID_ARGUMENT;
            }
        };
        if !user.is_empty() {
            c.user = Some(user.into_owned());
        }
        if !password.is_empty() {
            c.password = Some(password.into_owned());
        }
        if !prefix.is_empty() {
            c.databases = Databases::prefixed(&prefix);
        }
        if !spool.is_empty() {
            c.spool_dir = spool.into_owned().into();
        }
        if !files.is_empty() {
            c.file_dir = files.into_owned().into();
        }
        let nonzero = |v: u64, d: u64| if v == 0 { d } else { v };
        c.batch_rows = nonzero(cfg.batch_rows.into(), c.batch_rows as u64) as usize;
        c.flush_interval = Duration::from_millis(nonzero(
            cfg.flush_interval_ms.into(),
            c.flush_interval.as_millis() as u64,
        ));
        c.queue_capacity = nonzero(cfg.queue_capacity.into(), c.queue_capacity as u64) as usize;
        c.batch_bytes = nonzero(cfg.batch_bytes, c.batch_bytes as u64) as usize;
        c.spool_max_bytes = nonzero(cfg.spool_max_bytes, c.spool_max_bytes);
        match Writer::new(c) {
            Ok(writer) => {
                // SAFETY: `out` is a valid pointer to a handle slot.
                unsafe { out.write(seq_ch_writer::new(writer)) };
                SEQ_CH_OK
            }
            Err(e) => {
                set_error(e.to_string());
                SEQ_CH_ERROR
            }
        }
    })
}

/// Pushes a call; `SEQ_CH_OK`, or why not.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn seq_ch_try_push_turn(
    w: *mut seq_ch_writer,
    row: *const seq_ch_turn,
) -> i32 {
    guard(SEQ_CH_PANIC, || {
        let (Some(w), false) = (handle(w), row.is_null()) else {
            return SEQ_CH_INVALID_ARGUMENT;
        };
        // SAFETY: the caller passes a valid row for the call.
        let r = unsafe { &*row };
        let strings = [
            r.session_id,
            r.agent,
            r.model,
            r.stop_reason,
            r.turn_id,
            r.project_path,
        ];
        let Some([session_id, agent, model, stop_reason, turn_id, project_path]) =
            (unsafe { w.repairs.strings("seq_ch_try_push_turn", strings) })
        else {
            return SEQ_CH_INVALID_ARGUMENT;
        };
        w.push(&rows::Turn {
            ts_ms: r.ts_ms,
            session_id: &session_id,
            turn_index: r.turn_index,
            agent: &agent,
            model: &model,
            input_tokens: r.input_tokens,
            output_tokens: r.output_tokens,
            cached_tokens: r.cached_tokens,
            reasoning_tokens: r.reasoning_tokens,
            dur_ms: r.dur_ms,
            cost_usd: r.cost_usd,
            stop_reason: &stop_reason,
            is_error: r.is_error,
            context_window: r.context_window,
            context_used_pct: r.context_used_pct,
            turn_id: &turn_id,
            cache_write_tokens: r.cache_write_tokens,
            cache_write_5m_tokens: r.cache_write_5m_tokens,
            cache_write_1h_tokens: r.cache_write_1h_tokens,
            project_path: &project_path,
        })
    })
}

/// Pushes a tool call; `SEQ_CH_OK`, or why not.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn seq_ch_try_push_tool_call(
    w: *mut seq_ch_writer,
    row: *const seq_ch_tool_call,
) -> i32 {
    guard(SEQ_CH_PANIC, || {
        let (Some(w), false) = (handle(w), row.is_null()) else {
            return SEQ_CH_INVALID_ARGUMENT;
        };
        // SAFETY: the caller passes a valid row for the call.
        let r = unsafe { &*row };
        let strings = [
            r.session_id,
            r.agent,
            r.tool_name,
            r.input_summary,
            r.call_id,
            r.turn_id,
            r.project_path,
        ];
        let Some(
            [
                session_id,
                agent,
                tool_name,
                input_summary,
                call_id,
                turn_id,
                project_path,
            ],
        ) = (unsafe { w.repairs.strings("seq_ch_try_push_tool_call", strings) })
        else {
            return SEQ_CH_INVALID_ARGUMENT;
        };
        w.push(&rows::ToolCall {
            ts_ms: r.ts_ms,
            session_id: &session_id,
            turn_index: r.turn_index,
            agent: &agent,
            tool_name: &tool_name,
            input_summary: &input_summary,
            dur_ms: r.dur_ms,
            ok: r.ok,
            output_lines: r.output_lines,
            output_bytes: r.output_bytes,
            call_id: &call_id,
            turn_id: &turn_id,
            project_path: &project_path,
        })
    })
}

/// Pushes a session snapshot; `SEQ_CH_OK`, or why not.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn seq_ch_try_push_session(
    w: *mut seq_ch_writer,
    row: *const seq_ch_session,
) -> i32 {
    guard(SEQ_CH_PANIC, || {
        let (Some(w), false) = (handle(w), row.is_null()) else {
            return SEQ_CH_INVALID_ARGUMENT;
        };
        // SAFETY: the caller passes a valid row for the call.
        let r = unsafe { &*row };
        let strings = [
            r.session_id,
            r.agent,
            r.model,
            r.project_path,
            r.git_branch,
            r.git_commit,
            r.parent_session_id,
            r.source,
            r.cli_version,
        ];
        let Some(
            [
                session_id,
                agent,
                model,
                project_path,
                git_branch,
                git_commit,
                parent_session_id,
                source,
                cli_version,
            ],
        ) = (unsafe { w.repairs.strings("seq_ch_try_push_session", strings) })
        else {
            return SEQ_CH_INVALID_ARGUMENT;
        };
        w.push(&rows::Session {
            ts_ms: r.ts_ms,
            session_id: &session_id,
            agent: &agent,
            model: &model,
            project_path: &project_path,
            git_branch: &git_branch,
            git_commit: &git_commit,
            dur_ms: r.dur_ms,
            turns: r.turns,
            total_input_tokens: r.total_input_tokens,
            total_output_tokens: r.total_output_tokens,
            total_cost_usd: r.total_cost_usd,
            first_ts_ms: r.first_ts_ms,
            total_cached_tokens: r.total_cached_tokens,
            total_cache_write_tokens: r.total_cache_write_tokens,
            total_reasoning_tokens: r.total_reasoning_tokens,
            tool_calls: r.tool_calls,
            failed_tool_calls: r.failed_tool_calls,
            parent_session_id: &parent_session_id,
            source: &source,
            cli_version: &cli_version,
        })
    })
}

/// Pushes a rate-limit window snapshot; `SEQ_CH_OK`, or why not.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn seq_ch_try_push_rate_limit(
    w: *mut seq_ch_writer,
    row: *const seq_ch_rate_limit,
) -> i32 {
    guard(SEQ_CH_PANIC, || {
        let (Some(w), false) = (handle(w), row.is_null()) else {
            return SEQ_CH_INVALID_ARGUMENT;
        };
        // SAFETY: the caller passes a valid row for the call.
        let r = unsafe { &*row };
        let strings = [r.session_id, r.agent, r.limit_id, r.window, r.plan_type];
        let Some([session_id, agent, limit_id, window, plan_type]) =
            (unsafe { w.repairs.strings("seq_ch_try_push_rate_limit", strings) })
        else {
            return SEQ_CH_INVALID_ARGUMENT;
        };
        w.push(&rows::RateLimit {
            ts_ms: r.ts_ms,
            session_id: &session_id,
            agent: &agent,
            limit_id: &limit_id,
            window: &window,
            used_percent: r.used_percent,
            window_minutes: r.window_minutes,
            resets_at: r.resets_at,
            plan_type: &plan_type,
        })
    })
}

/// Waits until every row pushed before the call is in ClickHouse, spooled or filed:
/// `SEQ_CH_OK` or `SEQ_CH_TIMEOUT`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn seq_ch_flush_wait(w: *mut seq_ch_writer, timeout_ms: u32) -> i32 {
    guard(SEQ_CH_PANIC, || match handle(w) {
        None => SEQ_CH_INVALID_ARGUMENT,
        Some(w)
            if w.writer
                .flush_wait(Duration::from_millis(timeout_ms.into())) =>
        {
            SEQ_CH_OK
        }
        Some(_) => SEQ_CH_TIMEOUT,
    })
}

/// Stops taking rows and sends or spools everything taken (within `timeout_ms`); the handle
/// stays valid for `seq_ch_stats` until `seq_ch_writer_destroy`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn seq_ch_close(w: *mut seq_ch_writer, timeout_ms: u32) -> i32 {
    guard(SEQ_CH_PANIC, || match handle(w) {
        None => SEQ_CH_INVALID_ARGUMENT,
        Some(w) if w.writer.close(Duration::from_millis(timeout_ms.into())) => SEQ_CH_OK,
        Some(_) => SEQ_CH_TIMEOUT,
    })
}

/// Fills `out` up to `out->struct_size` bytes. A NULL handle reports only
/// `null_handle_calls`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn seq_ch_stats(w: *const seq_ch_writer, out: *mut seq_ch_stats_t) -> i32 {
    guard(SEQ_CH_PANIC, || {
        if out.is_null() {
            return SEQ_CH_INVALID_ARGUMENT;
        }
        // SAFETY: `out` points to a caller-owned struct that starts with its size.
        let size =
            (unsafe { (*out).struct_size } as usize).min(std::mem::size_of::<seq_ch_stats_t>());
        if size < 8 {
            return SEQ_CH_INVALID_ARGUMENT;
        }
        let mut stats = seq_ch_stats_t {
            struct_size: size as u32,
            ..Default::default()
        };
        if let Some(w) = handle(w) {
            let s = w.writer.stats();
            stats = seq_ch_stats_t {
                struct_size: size as u32,
                reserved: 0,
                pushed: s.pushed,
                inserted: s.inserted,
                retried: s.retried,
                spooled: s.spooled,
                replayed: s.replayed,
                dead_lettered: s.dead_lettered,
                refused: s.refused,
                filed: s.filed,
                queue_depth: s.queue_depth,
                spool_bytes: s.spool_bytes,
                flushes: s.flushes,
                last_flush_us: s.last_flush_us,
                max_flush_us: s.max_flush_us,
                errors: s.errors,
                flusher_restarts: s.flusher_restarts,
                invalid_utf8: w.repairs.invalid_utf8.load(Relaxed),
                truncated: w.repairs.truncated.load(Relaxed),
                null_handle_calls: 0,
            };
        }
        stats.null_handle_calls = NULL_HANDLE_CALLS.load(Relaxed);
        // SAFETY: the caller's struct has `size` writable bytes.
        unsafe {
            std::ptr::copy_nonoverlapping(
                (&stats as *const seq_ch_stats_t).cast::<u8>(),
                out.cast::<u8>(),
                size,
            )
        };
        SEQ_CH_OK
    })
}

/// Copies an answer into the caller's buffer (`len` bytes at `buf`, no NUL added) and its
/// length to `*out_len`; when it does not fit, only the length, and `SEQ_CH_BUFFER_TOO_SMALL`.
unsafe fn answer(call: &str, text: &str, buf: *mut u8, len: usize, out_len: *mut usize) -> i32 {
    // SAFETY: checked non-NULL by the caller of this function.
    unsafe { out_len.write(text.len()) };
    if text.len() > len || buf.is_null() {
        set_error(format!(
            "{call}: the answer needs {} bytes, the buffer has {len}",
            text.len()
        ));
        return SEQ_CH_BUFFER_TOO_SMALL;
    }
    // SAFETY: `buf` has `len >= text.len()` writable bytes.
    unsafe { std::ptr::copy_nonoverlapping(text.as_ptr(), buf, text.len()) };
    SEQ_CH_OK
}

/// The handle of a call that answers into a caller's buffer, or the code for a NULL handle or
/// `out_len`.
fn asking<'a>(
    call: &str,
    w: *const seq_ch_writer,
    out_len: *mut usize,
) -> Result<&'a seq_ch_writer, i32> {
    match handle(w) {
        None => {
            set_error(format!("{call}: NULL handle"));
            Err(SEQ_CH_INVALID_ARGUMENT)
        }
        Some(_) if out_len.is_null() => {
            set_error(format!("{call}: NULL out_len"));
            Err(SEQ_CH_INVALID_ARGUMENT)
        }
        Some(w) => Ok(w),
    }
}

/// The server a writer sends to, for the read-side calls; `None` (error set) in file or off mode.
fn source(call: &str, w: &seq_ch_writer) -> Option<seqch_brief::Source> {
    let config = w.writer.config();
    if !config.mode.sends() {
        set_error(format!(
            "{call}: the writer is in {:?} mode: no ClickHouse to ask",
            config.mode
        ));
        return None;
    }
    Some(seqch_brief::Source::new(config))
}

/// Writes the context brief of `project` (the directory the agents ran in) into `buf` as one
/// UTF-8 JSON object, not NUL-terminated: recent sessions of both agents, tools that failed in
/// the last hour, files the latest sessions read and edited, each agent's last error, each
/// agent's latest session as a handoff, and `markdown`, the brief rendered in at most
/// `max_bytes` bytes (0: 4096). Times are shown in `tz` (empty: UTC). Queries the server of the
/// writer `w` (which must be in http or mirror mode) and blocks until it answers.
///
/// `*out_len` receives the JSON's length; `SEQ_CH_BUFFER_TOO_SMALL` when it exceeds `len`
/// (call again with a larger buffer; 64 KiB holds any brief with the default lists).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn seq_ch_context_brief(
    w: *const seq_ch_writer,
    project: seq_ch_str,
    tz: seq_ch_str,
    max_bytes: u32,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> i32 {
    const CALL: &str = "seq_ch_context_brief";
    guard(SEQ_CH_PANIC, || {
        let w = match asking(CALL, w, out_len) {
            Ok(w) => w,
            Err(code) => return code,
        };
        let Some([project, tz]) = (unsafe { w.repairs.strings(CALL, [project, tz]) }) else {
            return SEQ_CH_INVALID_ARGUMENT;
        };
        let Some(source) = source(CALL, w) else {
            return SEQ_CH_ERROR;
        };
        let tz = if tz.is_empty() { "UTC" } else { &tz };
        let options = seqch_brief::brief::BriefOptions::new(project, jiff::Timestamp::now(), tz);
        let max_bytes = if max_bytes == 0 {
            4096
        } else {
            max_bytes as usize
        };
        match seqch_brief::brief::Brief::fetch(&source, &options) {
            Ok(brief) => unsafe {
                answer(
                    CALL,
                    &brief.json(seqch_brief::brief::Audience::Both, max_bytes),
                    buf,
                    len,
                    out_len,
                )
            },
            Err(e) => {
                set_error(format!("{CALL}: {e}"));
                SEQ_CH_ERROR
            }
        }
    })
}

/// Writes the budget verdict into `buf` as one UTF-8 JSON object, not NUL-terminated:
/// `verdict` (`"cloud"` or `"local"`), `reason`, today's `spent_usd` (the day in `tz`, empty:
/// UTC), `daily_limit_usd` and `remaining_usd` (null without a limit), `spend` per agent and
/// model, and the latest `rate_limits` windows (each with `reset` and `exhausted`). A window
/// used at `rate_limit_pct` percent or more (0: 95) and not yet reset routes to `local`, and so
/// does spending at or over `daily_limit_usd` (0 or less: no limit). Queries the server of the
/// writer `w` (http or mirror mode) and blocks until it answers. Sizes as in
/// [`seq_ch_context_brief`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn seq_ch_budget(
    w: *const seq_ch_writer,
    tz: seq_ch_str,
    daily_limit_usd: f64,
    rate_limit_pct: f64,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> i32 {
    const CALL: &str = "seq_ch_budget";
    guard(SEQ_CH_PANIC, || {
        let w = match asking(CALL, w, out_len) {
            Ok(w) => w,
            Err(code) => return code,
        };
        let Some([tz]) = (unsafe { w.repairs.strings(CALL, [tz]) }) else {
            return SEQ_CH_INVALID_ARGUMENT;
        };
        let Some(source) = source(CALL, w) else {
            return SEQ_CH_ERROR;
        };
        let mut options = seqch_brief::budget::BudgetOptions::new(
            jiff::Timestamp::now(),
            if tz.is_empty() { "UTC" } else { &tz },
        );
        options.daily_limit_usd = (daily_limit_usd > 0.0).then_some(daily_limit_usd);
        if rate_limit_pct > 0.0 {
            options.rate_limit_pct = rate_limit_pct;
        }
        match seqch_brief::budget::Budget::fetch(&source, &options) {
            Ok(budget) => {
                let json = serde_json::to_string(&budget).unwrap_or_default();
                unsafe { answer(CALL, &json, buf, len, out_len) }
            }
            Err(e) => {
                set_error(format!("{CALL}: {e}"));
                SEQ_CH_ERROR
            }
        }
    })
}

/// Runs a Codex code review of `opts->project` through `codex app-server`, synchronously,
/// interrupting it after `opts->timeout_ms`, and writes its rows (the review, its findings, the
/// reviewer's calls) through `w`. The result is one UTF-8 JSON object, not NUL-terminated:
/// `review_id`, `status` (`completed`, `interrupted`, `failed`, `timed_out`), `error`,
/// `verdict`, `confidence`, `explanation`, `findings` (priority, confidence, title, body, file,
/// lines), the reviewer's `model`, tokens and `cost_usd`, `rollout`. It goes to `buf` with its
/// length in `*out_len`; when it does not fit, `SEQ_CH_BUFFER_TOO_SMALL` and the size (the review
/// is not run again: fetch it with `seq_ch_last_review`). `SEQ_CH_ERROR` when the review could not
/// run (codex missing or not logged in: see `seq_ch_last_error`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn seq_ch_review(
    w: *const seq_ch_writer,
    opts: *const seq_ch_review_options,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> i32 {
    const CALL: &str = "seq_ch_review";
    guard(SEQ_CH_PANIC, || {
        let w = match asking(CALL, w, out_len) {
            Ok(w) => w,
            Err(code) => return code,
        };
        if opts.is_null() {
            set_error(format!("{CALL}: NULL options"));
            return SEQ_CH_INVALID_ARGUMENT;
        }
        // SAFETY: the caller passes options whose first field is their size.
        let size = unsafe { (*opts).struct_size } as usize;
        if size < std::mem::size_of::<seq_ch_review_options>() {
            set_error(format!(
                "{CALL}: struct_size {size} is smaller than this library's options"
            ));
            return SEQ_CH_INVALID_ARGUMENT;
        }
        let o = unsafe { *opts };
        let Some([project, value, title, codex_bin]) = (unsafe {
            w.repairs
                .strings(CALL, [o.project, o.value, o.title, o.codex_bin])
        }) else {
            return SEQ_CH_INVALID_ARGUMENT;
        };
        let target = match o.target {
            SEQ_CH_REVIEW_UNCOMMITTED => seqch_review::Target::UncommittedChanges,
            SEQ_CH_REVIEW_BASE_BRANCH => seqch_review::Target::BaseBranch {
                branch: value.into_owned(),
            },
            SEQ_CH_REVIEW_COMMIT => seqch_review::Target::Commit {
                sha: value.into_owned(),
                title: (!title.is_empty()).then(|| title.into_owned()),
            },
            SEQ_CH_REVIEW_CUSTOM => seqch_review::Target::Custom {
                instructions: value.into_owned(),
            },
            other => {
                set_error(format!("{CALL}: unknown target {other}"));
                return SEQ_CH_INVALID_ARGUMENT;
            }
        };
        let options = seqch_review::ReviewOptions {
            target,
            project: project.into_owned().into(),
            timeout: Duration::from_millis(if o.timeout_ms == 0 {
                600_000
            } else {
                o.timeout_ms.into()
            }),
            codex_bin: (!codex_bin.is_empty()).then(|| codex_bin.into_owned().into()),
            codex_config: Vec::new(),
        };
        match seqch_review::run(&options, Some(&w.writer), &mut |_| {}) {
            Ok(result) => {
                let json = serde_json::to_string(&result).unwrap_or_default();
                let _ = LAST_REVIEW.try_with(|r| r.borrow_mut().clone_from(&json));
                unsafe { answer(CALL, &json, buf, len, out_len) }
            }
            Err(e) => {
                set_error(format!("{CALL}: {e}"));
                SEQ_CH_ERROR
            }
        }
    })
}

/// Copies the JSON of this thread's last `seq_ch_review` into `buf` as `seq_ch_review` does
/// (`SEQ_CH_BUFFER_TOO_SMALL` with the size when it does not fit).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn seq_ch_last_review(buf: *mut u8, len: usize, out_len: *mut usize) -> i32 {
    const CALL: &str = "seq_ch_last_review";
    guard(SEQ_CH_PANIC, || {
        if out_len.is_null() {
            set_error(format!("{CALL}: NULL out_len"));
            return SEQ_CH_INVALID_ARGUMENT;
        }
        let json = LAST_REVIEW
            .try_with(|r| r.borrow().clone())
            .unwrap_or_default();
        unsafe { answer(CALL, &json, buf, len, out_len) }
    })
}

/// Copies this thread's last error message, NUL-terminated, into `buf` (at most `len` bytes)
/// and returns its full length (without the NUL): a larger return than `len - 1` means it was
/// cut. Call with `len` 0 to learn the size.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn seq_ch_last_error(buf: *mut c_char, len: usize) -> usize {
    guard(0, || {
        let msg = LAST_ERROR
            .try_with(|e| e.borrow().clone())
            .unwrap_or_default();
        if !buf.is_null() && len > 0 {
            let n = msg.len().min(len - 1);
            // SAFETY: `buf` has `len` writable bytes.
            unsafe {
                std::ptr::copy_nonoverlapping(msg.as_ptr(), buf.cast::<u8>(), n);
                buf.add(n).write(0);
            }
        }
        msg.len()
    })
}
