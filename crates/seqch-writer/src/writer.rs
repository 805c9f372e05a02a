//! The writer: producers on any thread hand rows over without blocking; one flusher thread
//! batches them per table and sends them as RowBinary with the official `clickhouse`
//! crate, spooling what the server does not take and replaying it in order.
//!
//! The hand-off: each producer thread encodes its row into its own buffers and copies it into
//! its own ring ([`crate::ring`]); the flusher polls the rings every millisecond while rows
//! flow and parks when they stop. A producer wakes it only when it finds it parked or its ring
//! half full, so a push in steady state is an encode, a copy and a release store. What a ring
//! cannot take goes through a bounded shared queue, which also carries flush and close.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::fs::OpenOptions;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::atomic::{
    AtomicBool, AtomicU64, Ordering::Acquire, Ordering::Relaxed, Ordering::Release,
    Ordering::SeqCst,
};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TrySendError, bounded};
use seqch_rows::Table;
use serde::Serialize;

use crate::config::{Mode, WriterConfig};
use crate::ring::{self, Producer, Ring, Sink, Written};
use crate::rowbinary::{self, Kind};
use crate::spool::{Batch, Spool};

/// How often the flusher looks at the rings while rows flow …
const POLL: Duration = Duration::from_millis(1);
/// … and how many empty looks in a row before it parks until a producer wakes it.
const PARK_AFTER_EMPTY_POLLS: u32 = 50;
/// The longest a batch waits in bulk ([`Writer::set_bulk`]): rows of a long backfill still
/// show up every few seconds.
const BULK_AGE: Duration = Duration::from_secs(2);
/// How often a sending writer looks for batches its server's other writers left when they
/// ended (at open it always does).
const ADOPT_EVERY: Duration = Duration::from_secs(30);
/// The piece of a batch's bytes compressed and sent at a time.
const SEND_CHUNK: usize = 256 << 10;

/// Why a row was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PushError {
    /// The queue is full (the server is slow or down and the flusher is behind): the row is
    /// refused and counted.
    #[error("the writer's queue is full")]
    Full,
    /// The writer is closed.
    #[error("the writer is closed")]
    Closed,
    /// The row cannot be encoded.
    #[error("the row cannot be encoded")]
    Invalid,
}

/// The writer could not start.
#[derive(Debug, thiserror::Error)]
pub enum WriterError {
    #[error("cannot open the spool at {path}: {source}")]
    Spool {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot start the flusher: {0}")]
    Thread(std::io::Error),
}

/// Counters, readable at any time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Stats {
    /// Rows handed to `push` (taken or not).
    pub pushed: u64,
    /// Rows the server acknowledged (directly or from the spool).
    pub inserted: u64,
    /// Batches the server acknowledged.
    pub insert_batches: u64,
    /// Failed send attempts (each is retried from the spool).
    pub retried: u64,
    /// Rows written to the spool.
    pub spooled: u64,
    /// Rows sent from the spool.
    pub replayed: u64,
    /// Rows the server refused for good, moved to `dead/` with its message.
    pub dead_lettered: u64,
    /// Rows refused or lost and counted: the queue or the spool was full, the writer closed, a
    /// file could not be written.
    pub refused: u64,
    /// Rows written to JSONEachRow files (file and mirror modes).
    pub filed: u64,
    /// Rows waiting between producers and the flusher now.
    pub queue_depth: u64,
    /// Bytes in the spool now.
    pub spool_bytes: u64,
    pub flushes: u64,
    pub last_flush_us: u64,
    pub max_flush_us: u64,
    pub total_flush_us: u64,
    pub last_flush_rows: u64,
    /// Errors of any kind (failed sends, file errors, encoding errors).
    pub errors: u64,
    /// Times the flusher panicked and was restarted.
    pub flusher_restarts: u64,
}

#[derive(Default)]
struct Counters {
    pushed: AtomicU64,
    inserted: AtomicU64,
    insert_batches: AtomicU64,
    retried: AtomicU64,
    spooled: AtomicU64,
    replayed: AtomicU64,
    dead_lettered: AtomicU64,
    refused: AtomicU64,
    filed: AtomicU64,
    spool_bytes: AtomicU64,
    flushes: AtomicU64,
    last_flush_us: AtomicU64,
    max_flush_us: AtomicU64,
    total_flush_us: AtomicU64,
    last_flush_rows: AtomicU64,
    errors: AtomicU64,
    flusher_restarts: AtomicU64,
    /// Rows the flusher holds in batches not yet sealed (lost, and so refused, if it panics).
    held: AtomicU64,
    /// Rows in the shared queue (which also carries wake-ups and flush requests).
    queued: AtomicU64,
}

/// The tables a writer knows, with the column list learned from the first row of each.
struct TableInfo {
    full: String,
    schema: OnceLock<Vec<(&'static str, Kind)>>,
}

const TABLES: [(&str, &str); 12] = [
    ("agent", "sessions"),
    ("agent", "turns"),
    ("agent", "tool_calls"),
    ("agent", "rate_limits"),
    ("agent", "reviews"),
    ("agent", "review_findings"),
    ("seq", "mem_events"),
    ("seq", "trace_events"),
    ("seq", "context"),
    ("hive", "supersteps"),
    ("hive", "model_invocations"),
    ("hive", "tool_calls"),
];

/// Where `(database, name)` is in [`TABLES`]; `TABLES.len()` when it is not there.
const fn table_index(database: &str, name: &str) -> usize {
    const fn same(a: &str, b: &str) -> bool {
        let (a, b) = (a.as_bytes(), b.as_bytes());
        if a.len() != b.len() {
            return false;
        }
        let mut i = 0;
        while i < a.len() {
            if a[i] != b[i] {
                return false;
            }
            i += 1;
        }
        true
    }
    let mut i = 0;
    while i < TABLES.len() && !(same(TABLES[i].0, database) && same(TABLES[i].1, name)) {
        i += 1;
    }
    i
}

/// A row a ring could not take.
struct QueuedRow {
    table: usize,
    data: Vec<u8>,
    json: Vec<u8>,
    /// The ring of the pushing thread (`None`: a thread without one), whose older rows must be
    /// taken first.
    from: Option<Arc<Ring>>,
}

enum Msg {
    Row(QueuedRow),
    /// Look at the rings now.
    Wake,
    Flush(Sender<()>),
    Close(Sender<()>),
    /// Makes the flusher panic, to test its supervisor.
    #[cfg(test)]
    Panic,
}

struct Shared {
    /// Tells this writer's rings apart from other writers' in a thread's [`LANES`].
    id: u64,
    config: WriterConfig,
    tables: Vec<TableInfo>,
    counters: Counters,
    closed: AtomicBool,
    /// Every producer thread's ring. Locked by a thread's first push (to add its ring), by the
    /// flusher to see them, and by `stats`; never while a push copies a row.
    rings: Mutex<Vec<Arc<Ring>>>,
    /// The flusher waits on the queue alone and wants a producer to wake it.
    parked: AtomicBool,
    /// A backfill is under way: see [`Writer::set_bulk`].
    bulk: AtomicBool,
    last_error: Mutex<Option<LastError>>,
}

/// The last thing that went wrong while delivering rows (an insert that failed, a batch
/// dead-lettered, a file or the spool that could not take rows), for status displays.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LastError {
    pub unix_ms: u64,
    pub message: String,
}

impl LastError {
    pub fn now(message: String) -> Self {
        let unix_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        Self { unix_ms, message }
    }
}

impl Shared {
    /// Keeps `message` as the last error (the caller logs it).
    fn note_error(&self, message: String) {
        let mut last = self.last_error.lock().unwrap_or_else(|e| e.into_inner());
        *last = Some(LastError::now(message));
    }

    /// The rings, without those of threads that have ended and whose rows are all taken (their
    /// pushes move to the writer's own count).
    fn live_rings(&self) -> Vec<Arc<Ring>> {
        let mut rings = self.rings_locked();
        rings.retain(|r| {
            // Only this list holds it: its thread is gone and nobody can write to it again.
            // (The fence makes that thread's last writes visible: the count is read relaxed.)
            let ended = Arc::strong_count(r) == 1 && {
                std::sync::atomic::fence(std::sync::atomic::Ordering::Acquire);
                r.is_empty()
            };
            if ended {
                self.counters.pushed.fetch_add(r.pushed(), Relaxed);
            }
            !ended
        });
        rings.clone()
    }

    fn rings_locked(&self) -> MutexGuard<'_, Vec<Arc<Ring>>> {
        self.rings.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A producer thread's end of one writer: its ring and its encoding buffers, reused by every
/// push from this thread to that writer.
struct Lane {
    writer: u64,
    producer: Producer,
    /// The ring's record header, then the row's RowBinary.
    record: Vec<u8>,
    json: Vec<u8>,
}

thread_local! {
    static LANES: RefCell<Vec<Lane>> = const { RefCell::new(Vec::new()) };
}

static NEXT_WRITER_ID: AtomicU64 = AtomicU64::new(0);

/// Encodes a row for the mode, appending RowBinary (to send) to `data` and a JSON line (to
/// file) to `json`.
fn encode<R: Serialize>(row: &R, mode: Mode, data: &mut Vec<u8>, json: &mut Vec<u8>) -> bool {
    (!mode.sends() || rowbinary::encode(row, data).is_ok())
        && (!mode.writes_files() || {
            let ok = serde_json::to_writer(&mut *json, row).is_ok();
            json.push(b'\n');
            ok
        })
}

/// The write path shared by `seqch-tail` and `libseqch`. Cheap to share across threads
/// (`&Writer` is `Sync`); every method may be called from any thread.
pub struct Writer {
    shared: Arc<Shared>,
    tx: Sender<Msg>,
    rx: Receiver<Msg>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Writer {
    /// Starts a writer and its flusher. Never fails because the server is down: rows then go to
    /// the spool. A spool directory that cannot be written (a read-only home, a sandbox) moves
    /// to the temporary directory rather than costing the caller its writer.
    pub fn new(mut config: WriterConfig) -> Result<Self, WriterError> {
        let spool = match Spool::open(&config.spool_dir, &config.url) {
            Ok(spool) => spool,
            Err(source) => {
                let fallback = crate::spool::temp_root().and_then(|root| {
                    let spool = Spool::open(&root, &config.url)?;
                    Ok((root, spool))
                });
                let (fallback, spool) = match fallback {
                    Ok(opened) => opened,
                    Err(e) => {
                        tracing::error!("no spool in the temporary directory either: {e}");
                        return Err(WriterError::Spool {
                            path: config.spool_dir.display().to_string(),
                            source,
                        });
                    }
                };
                tracing::warn!(
                    "cannot open the spool at {} ({source}), spooling in {} instead",
                    config.spool_dir.display(),
                    fallback.display()
                );
                config.spool_dir = fallback;
                spool
            }
        };
        let tables = TABLES
            .iter()
            .map(|(db, name)| {
                let database = match (*db, *name) {
                    ("seq", "mem_events" | "trace_events") => config
                        .event_database
                        .clone()
                        .unwrap_or_else(|| config.databases.seq.clone()),
                    ("seq", _) => config.databases.seq.clone(),
                    ("hive", _) => config.databases.hive.clone(),
                    _ => config.databases.agent.clone(),
                };
                TableInfo {
                    full: format!("{database}.{name}"),
                    schema: OnceLock::new(),
                }
            })
            .collect();
        let (tx, rx) = bounded(config.queue_capacity.max(1));
        let shared = Arc::new(Shared {
            id: NEXT_WRITER_ID.fetch_add(1, Relaxed),
            config,
            tables,
            counters: Counters::default(),
            closed: AtomicBool::new(false),
            rings: Mutex::new(Vec::new()),
            parked: AtomicBool::new(false),
            bulk: AtomicBool::new(false),
            last_error: Mutex::new(None),
        });
        shared.counters.spool_bytes.store(spool.bytes(), Relaxed);
        let thread = {
            let (shared, rx) = (shared.clone(), rx.clone());
            std::thread::Builder::new()
                .name("seqch-flusher".into())
                .spawn(move || supervise(shared, rx, spool))
                .map_err(WriterError::Thread)?
        };
        Ok(Self {
            shared,
            tx,
            rx,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// The configuration the writer was started with.
    pub fn config(&self) -> &WriterConfig {
        &self.shared.config
    }

    /// Hands a row over without blocking: it is encoded here, into this thread's ring (or the
    /// shared queue when the ring is full), for the flusher.
    pub fn push<R: Serialize + Table>(&self, row: &R) -> Result<(), PushError> {
        let c = &self.shared.counters;
        if self.shared.closed.load(Relaxed) {
            c.pushed.fetch_add(1, Relaxed);
            c.refused.fetch_add(1, Relaxed);
            return Err(PushError::Closed);
        }
        let mode = self.shared.config.mode;
        let table = const { table_index(R::DATABASE, R::NAME) };
        if table == TABLES.len() {
            c.pushed.fetch_add(1, Relaxed);
            return Err(PushError::Invalid);
        }
        let info = &self.shared.tables[table];
        if info.schema.get().is_none() {
            match rowbinary::schema(row) {
                Ok(s) => {
                    let _ = info.schema.set(s);
                }
                Err(_) => {
                    c.pushed.fetch_add(1, Relaxed);
                    c.errors.fetch_add(1, Relaxed);
                    return Err(PushError::Invalid);
                }
            }
        }
        if !mode.sends() && !mode.writes_files() {
            c.pushed.fetch_add(1, Relaxed);
            return Ok(());
        }
        // A thread that is ending (its locals gone) or a push from inside a push's own
        // serialization has no lane to use: it goes through the queue.
        LANES
            .try_with(|lanes| {
                let mut lanes = lanes.try_borrow_mut().ok()?;
                Some(self.push_to_lane(&mut lanes, table, row))
            })
            .ok()
            .flatten()
            .unwrap_or_else(|| {
                c.pushed.fetch_add(1, Relaxed);
                let (mut data, mut json) = (Vec::new(), Vec::new());
                if !encode(row, mode, &mut data, &mut json) {
                    c.errors.fetch_add(1, Relaxed);
                    return Err(PushError::Invalid);
                }
                self.queue(table, data, json, None)
            })
    }

    fn push_to_lane<R: Serialize>(
        &self,
        lanes: &mut Vec<Lane>,
        table: usize,
        row: &R,
    ) -> Result<(), PushError> {
        let shared = &self.shared;
        let lane = match lanes.iter().position(|l| l.writer == shared.id) {
            Some(i) => &mut lanes[i],
            None => {
                lanes.retain(|l| !l.producer.ring().retired.load(Relaxed));
                let ring = Arc::new(Ring::new(shared.config.ring_bytes));
                shared.rings_locked().push(ring.clone());
                lanes.push(Lane {
                    writer: shared.id,
                    producer: Producer::new(ring),
                    record: Vec::with_capacity(256),
                    json: Vec::new(),
                });
                lanes.last_mut().expect("just pushed")
            }
        };
        lane.producer.count_push();
        lane.record.clear();
        lane.record.extend_from_slice(&[0; ring::HEADER]);
        lane.json.clear();
        if !encode(row, shared.config.mode, &mut lane.record, &mut lane.json) {
            shared.counters.errors.fetch_add(1, Relaxed);
            return Err(PushError::Invalid);
        }
        // Rows of this thread still in the queue: this one goes after them.
        let written = if lane.producer.ring().spilled().load(Acquire) > 0 {
            Written::NoRoom
        } else {
            lane.producer
                .write(table as u8, &mut lane.record, &lane.json)
        };
        match written {
            Written::Ok => {}
            Written::HalfFull => {
                let ring = lane.producer.ring();
                if !ring.rang.load(Relaxed) && !ring.rang.swap(true, Relaxed) {
                    self.wake();
                }
            }
            Written::NoRoom => {
                let data = lane.record[ring::HEADER..].to_vec();
                let from = Some(lane.producer.ring().clone());
                return self.queue(table, data, lane.json.clone(), from);
            }
        }
        // The ring's position was published with a SeqCst swap: either the flusher, which parks
        // with a SeqCst store before its last look at the rings, sees this row, or this push
        // sees it parked and wakes it.
        if shared.parked.load(SeqCst) && shared.parked.swap(false, Relaxed) {
            self.wake();
        }
        Ok(())
    }

    fn wake(&self) {
        let _ = self.tx.try_send(Msg::Wake);
    }

    /// Sends a row through the shared queue, refusing it (and counting) when that is full.
    fn queue(
        &self,
        table: usize,
        data: Vec<u8>,
        json: Vec<u8>,
        from: Option<Arc<Ring>>,
    ) -> Result<(), PushError> {
        let c = &self.shared.counters;
        // Counted before it is sent, so that the flusher never takes a row not yet counted.
        c.queued.fetch_add(1, Relaxed);
        if let Some(ring) = &from {
            ring.spilled().fetch_add(1, Relaxed);
        }
        let msg = Msg::Row(QueuedRow {
            table,
            data,
            json,
            from,
        });
        let (refused, msg) = match self.tx.try_send(msg) {
            Ok(()) => return Ok(()),
            Err(TrySendError::Full(msg)) => (PushError::Full, msg),
            Err(TrySendError::Disconnected(msg)) => (PushError::Closed, msg),
        };
        if let Msg::Row(QueuedRow {
            from: Some(ring), ..
        }) = msg
        {
            ring.spilled().fetch_sub(1, Relaxed);
        }
        c.queued.fetch_sub(1, Relaxed);
        c.refused.fetch_add(1, Relaxed);
        Err(refused)
    }

    /// While on (a backfill, say), batches grow to `batch_bytes`, or for at most two seconds,
    /// instead of going at `batch_rows` or `flush_interval`. A backfill then costs a few large
    /// INSERTs, and spares the server merging the many parts small ones make (those merges were
    /// half of its CPU). [`Writer::flush_wait`] still sends everything.
    pub fn set_bulk(&self, on: bool) {
        self.shared.bulk.store(on, Relaxed);
        self.wake();
    }

    /// Waits until every row pushed before this call is in ClickHouse, in the spool or in its
    /// file (or dropped and counted). False on timeout.
    pub fn flush_wait(&self, timeout: Duration) -> bool {
        self.signal(timeout, Msg::Flush)
    }

    /// Asks the flusher to send what it holds now, without waiting (v1's `seq_ch_flush`).
    pub fn request_flush(&self) {
        let (ack, _) = bounded(1);
        let _ = self.tx.try_send(Msg::Flush(ack));
    }

    fn signal(&self, timeout: Duration, msg: fn(Sender<()>) -> Msg) -> bool {
        let deadline = Instant::now() + timeout;
        let (ack_tx, ack_rx) = bounded(1);
        if self.tx.send_deadline(msg(ack_tx), deadline).is_err() {
            return false;
        }
        ack_rx.recv_deadline(deadline).is_ok()
    }

    /// Stops taking rows, sends or spools everything taken, and stops the flusher. False when
    /// `timeout` passed first (what is left stays queued in memory and is lost with the process;
    /// it was counted as pushed but not as inserted or spooled).
    pub fn close(&self, timeout: Duration) -> bool {
        self.shared.closed.store(true, Relaxed);
        if self
            .thread
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_none()
        {
            return true; // closed before
        }
        let done = self.signal(timeout, Msg::Close);
        if done && let Some(t) = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = t.join();
        }
        // Threads drop their rings of this writer at their next push (or when they end). A
        // push that raced the close into a ring or the queue after the flusher's last look is
        // lost with the writer: counted as refused, not left pending.
        if done {
            let c = &self.shared.counters;
            for ring in self.shared.rings_locked().iter() {
                ring.retired.store(true, Relaxed);
                c.refused.fetch_add(ring.depth(), Relaxed);
            }
            let queued = self
                .rx
                .try_iter()
                .filter(|m| matches!(m, Msg::Row(_)))
                .count() as u64;
            c.queued.fetch_sub(queued, Relaxed);
            c.refused.fetch_add(queued, Relaxed);
        }
        done
    }

    /// The last delivery error, if any.
    pub fn last_error(&self) -> Option<LastError> {
        let last = self
            .shared
            .last_error
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        last.clone()
    }

    pub fn stats(&self) -> Stats {
        let c = &self.shared.counters;
        let l = |a: &AtomicU64| a.load(Relaxed);
        let (ring_pushed, ring_depth) = {
            let rings = self.shared.rings_locked();
            let pushed = rings.iter().map(|r| r.pushed()).sum::<u64>();
            // Read under the lock, so a ring that ends and moves its count is not missed.
            (
                pushed + l(&c.pushed),
                rings.iter().map(|r| r.depth()).sum::<u64>(),
            )
        };
        Stats {
            pushed: ring_pushed,
            inserted: l(&c.inserted),
            insert_batches: l(&c.insert_batches),
            retried: l(&c.retried),
            spooled: l(&c.spooled),
            replayed: l(&c.replayed),
            dead_lettered: l(&c.dead_lettered),
            refused: l(&c.refused),
            filed: l(&c.filed),
            queue_depth: l(&c.queued) + ring_depth,
            spool_bytes: l(&c.spool_bytes),
            flushes: l(&c.flushes),
            last_flush_us: l(&c.last_flush_us),
            max_flush_us: l(&c.max_flush_us),
            total_flush_us: l(&c.total_flush_us),
            last_flush_rows: l(&c.last_flush_rows),
            errors: l(&c.errors),
            flusher_restarts: l(&c.flusher_restarts),
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.close(Duration::from_secs(5));
    }
}

/// Runs the flusher, restarting it (and counting) if it panics.
fn supervise(shared: Arc<Shared>, rx: Receiver<Msg>, spool: Spool) {
    let mut spool = Some(spool);
    // Kept here, so that a flush or close asked for while a request ran is still answered
    // after a panic.
    let mut deferred = VecDeque::new();
    loop {
        let s = match spool.take() {
            Some(s) => s,
            None => match Spool::open(&shared.config.spool_dir, &shared.config.url) {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!("seqch flusher cannot reopen its spool: {e}");
                    return;
                }
            },
        };
        let run = catch_unwind(AssertUnwindSafe(|| {
            Flusher::new(&shared, &rx, &mut deferred, s).run()
        }));
        match run {
            Ok(()) => return,
            Err(_) => {
                let c = &shared.counters;
                c.flusher_restarts.fetch_add(1, Relaxed);
                c.refused.fetch_add(c.held.swap(0, Relaxed), Relaxed);
                tracing::error!("seqch flusher panicked; restarting it");
            }
        }
    }
}

#[derive(Default)]
struct Pending {
    rows: u64,
    data: Vec<u8>,
    json: Vec<u8>,
    since: Option<Instant>,
}

impl Pending {
    /// The batch's size against batch_bytes: its RowBinary or its JSON, whichever is larger.
    fn bytes(&self) -> usize {
        self.data.len().max(self.json.len())
    }
}

/// Appends a row that came through the queue to its table's batch, after the rows its thread
/// wrote into its ring before it: the thread writes no more there until this row is taken.
fn take_row(shared: &Shared, pending: &mut [Pending], row: QueuedRow) {
    /// Tells the row's thread it was taken, however this ends: a count left up by a panic
    /// would keep the thread off its ring for good.
    struct Taken(Option<Arc<Ring>>);
    impl Drop for Taken {
        fn drop(&mut self) {
            if let Some(ring) = &self.0 {
                ring.spilled().fetch_sub(1, Release);
            }
        }
    }
    let c = &shared.counters;
    c.queued.fetch_sub(1, Relaxed);
    let QueuedRow {
        table,
        data,
        json,
        from,
    } = row;
    let taken = Taken(from);
    if taken.0.as_ref().is_none_or(|ring| !ring.is_empty()) {
        collect(shared, pending);
    }
    c.held.fetch_add(1, Relaxed);
    let p = &mut pending[table];
    p.rows += 1;
    p.since.get_or_insert_with(Instant::now);
    p.data.extend_from_slice(&data);
    p.json.extend_from_slice(&json);
}

/// Moves what the producers' rings hold into the batches. Returns the rows taken.
fn collect(shared: &Shared, pending: &mut [Pending]) -> u64 {
    let mut took = 0;
    for ring in shared.live_rings() {
        let rows = ring.drain(&mut Batches(pending));
        ring.rang.store(false, Relaxed);
        shared.counters.held.fetch_add(rows, Relaxed);
        took += rows;
    }
    took
}

/// The batches being filled, as the place rings drain into.
struct Batches<'a>(&'a mut [Pending]);

impl Sink for Batches<'_> {
    fn buffers(&mut self, table: usize) -> (&mut Vec<u8>, &mut Vec<u8>) {
        let p = &mut self.0[table];
        p.rows += 1;
        p.since.get_or_insert_with(Instant::now);
        (&mut p.data, &mut p.json)
    }
}

enum Failure {
    /// Worth retrying: the network, a timeout, the server's load.
    Transient(String),
    /// Worth retrying, but only this table is concerned: it, its database or a column is
    /// missing (a schema older than the writer, until `seqch-tail schema apply`).
    Unready(String),
    /// The server will never take this batch (type mismatch, bad data).
    Permanent(String),
}

struct Flusher<'a> {
    shared: &'a Shared,
    rx: &'a Receiver<Msg>,
    /// Flushes and closes asked for while a request ran, to handle next.
    deferred: &'a mut VecDeque<Msg>,
    spool: Spool,
    pending: Vec<Pending>,
    /// In bulk, per table, the buffer of its last batch once sent or spooled, emptied: the next
    /// batch writes its rows into pages already there instead of faulting in fresh ones (a
    /// backfill's flusher spent most of its time zeroing new pages). Out of bulk, batches are
    /// small and the daemon lives long: none is kept.
    spare: Vec<Vec<u8>>,
    client: clickhouse::Client,
    runtime: tokio::runtime::Runtime,
    /// Per table (`database.table`), the server's (name, type) columns, read once …
    described: HashMap<String, Vec<(String, String)>>,
    /// … and per known table, whether its row's columns were checked against them.
    checked: Vec<bool>,
    backoff: Duration,
    next_retry: Instant,
    /// When the last batch was sent (or spooled).
    last_sealed: Option<Instant>,
    next_adoption: Instant,
    /// Closing: requests no longer take in rows while they run.
    closing: bool,
}

impl<'a> Flusher<'a> {
    fn new(
        shared: &'a Shared,
        rx: &'a Receiver<Msg>,
        deferred: &'a mut VecDeque<Msg>,
        spool: Spool,
    ) -> Self {
        let c = &shared.config;
        let client = c.client().with_compression(if c.server_is_local() {
            clickhouse::Compression::None
        } else {
            clickhouse::Compression::Lz4
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        Self {
            shared,
            rx,
            deferred,
            spool,
            pending: (0..TABLES.len()).map(|_| Pending::default()).collect(),
            spare: vec![Vec::new(); TABLES.len()],
            client,
            runtime,
            described: HashMap::new(),
            checked: vec![false; TABLES.len()],
            backoff: Duration::from_millis(100),
            next_retry: Instant::now(),
            last_sealed: None,
            next_adoption: Instant::now() + ADOPT_EVERY,
            closing: false,
        }
    }

    fn run(mut self) {
        let rx = self.rx;
        let interval = self.shared.config.flush_interval;
        let mut empty_polls = 0;
        let mut last_row = Instant::now();
        loop {
            let took = self.drain_rings();
            let now = Instant::now();
            if took > 0 {
                last_row = now;
            }
            // A batch is full at batch_rows, unless rows are still coming while batches are
            // being sent (a burst): then it grows up to batch_bytes or flush_interval, so a
            // burst costs few INSERTs (each one is a part on the server) instead of many small
            // ones. The first batch of a burst goes at batch_rows, so the server starts at once;
            // the next ones grow while it works. In bulk, every batch grows, for longer.
            let bulk = self.shared.bulk.load(Relaxed);
            let age = if bulk {
                interval.max(BULK_AGE)
            } else {
                interval
            };
            let sending = self.last_sealed.is_some_and(|t| now < t + interval);
            let batch_rows = if bulk || (sending && now < last_row + POLL) {
                u64::MAX
            } else {
                self.shared.config.batch_rows as u64
            };
            for t in 0..TABLES.len() {
                let p = &self.pending[t];
                if p.rows >= batch_rows || p.since.is_some_and(|s| now >= s + age) {
                    self.seal(t);
                }
            }
            if now >= self.next_adoption && self.shared.config.mode.sends() {
                self.next_adoption = now + ADOPT_EVERY;
                if let Err(e) = self.spool.adopt_orphans() {
                    tracing::warn!("cannot take over batches other writers left: {e}");
                }
                let c = &self.shared.counters;
                c.spool_bytes.store(self.spool.bytes(), Relaxed);
            }
            if self.spool.bytes() > 0 && now >= self.next_retry {
                self.replay();
            }

            let now = Instant::now();
            let mut wake = now + interval;
            for p in &self.pending {
                if let Some(since) = p.since {
                    wake = wake.min(since + age);
                }
            }
            if self.spool.bytes() > 0 {
                wake = wake.min(self.next_retry.max(now));
            }
            empty_polls = if took > 0 { 0 } else { empty_polls + 1 };
            if empty_polls < PARK_AFTER_EMPTY_POLLS {
                wake = wake.min(now + POLL);
            } else {
                // SeqCst, against a push's publication: see `push_to_lane`.
                self.shared.parked.store(true, SeqCst);
                if self.shared.live_rings().iter().any(|r| !r.is_empty()) {
                    self.shared.parked.store(false, Relaxed);
                    continue;
                }
            }
            let msg = match self.deferred.pop_front() {
                Some(msg) => Ok(msg),
                None => rx.recv_deadline(wake),
            };
            self.shared.parked.store(false, Relaxed);
            match msg {
                Ok(Msg::Row(row)) => {
                    self.take_queued(row);
                    empty_polls = 0;
                    last_row = Instant::now();
                }
                Ok(Msg::Wake) => empty_polls = 0,
                Ok(Msg::Flush(ack)) => {
                    // One pass takes every row pushed before the flush was asked for (its
                    // request came after them); more passes could chase a busy producer forever.
                    self.drain_rings();
                    self.seal_all();
                    self.replay();
                    let _ = ack.send(());
                }
                #[cfg(test)]
                Ok(Msg::Panic) => panic!("the flusher panics, as asked"),
                Ok(Msg::Close(ack)) => {
                    // Rows pushed before the close flag was seen are still queued: take them.
                    while let Ok(msg) = rx.try_recv() {
                        if let Msg::Row(row) = msg {
                            self.take_queued(row);
                        }
                    }
                    // No more taking in while sending: a push that raced the close flag into a
                    // ring is counted as refused by `close`, not dropped from a batch.
                    self.closing = true;
                    self.drain_rings();
                    self.seal_all();
                    self.replay();
                    let _ = ack.send(());
                    return;
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    self.seal_all();
                    return;
                }
            }
        }
    }

    /// Moves what the producers' rings hold into the batches, sealing a batch that reaches
    /// batch_bytes. Returns the rows taken.
    fn drain_rings(&mut self) -> u64 {
        let took = collect(self.shared, &mut self.pending);
        for t in 0..TABLES.len() {
            self.seal_if_full(t);
        }
        took
    }

    /// Seals the table's batch once it holds batch_bytes.
    fn seal_if_full(&mut self, t: usize) {
        let p = &self.pending[t];
        if p.bytes() >= self.shared.config.batch_bytes {
            self.seal(t);
        }
    }

    fn take_queued(&mut self, row: QueuedRow) {
        take_row(self.shared, &mut self.pending, row);
        for t in 0..TABLES.len() {
            self.seal_if_full(t);
        }
    }

    fn seal_all(&mut self) {
        for t in 0..TABLES.len() {
            self.seal(t);
        }
    }

    /// Ends table `t`'s batch: into its file, and to the server (or the spool).
    fn seal(&mut self, t: usize) {
        if self.pending[t].rows == 0 {
            return;
        }
        let next = Pending {
            data: std::mem::take(&mut self.spare[t]),
            ..Pending::default()
        };
        let p = std::mem::replace(&mut self.pending[t], next);
        let rows = p.rows;
        let started = Instant::now();
        let c = &self.shared.counters;
        let info = &self.shared.tables[t];
        if !p.json.is_empty() && self.shared.config.mode.writes_files() {
            match self.append_file(t, &p.json) {
                Ok(()) => {
                    c.filed.fetch_add(p.rows, Relaxed);
                }
                Err(e) => {
                    c.errors.fetch_add(1, Relaxed);
                    c.refused.fetch_add(p.rows, Relaxed);
                    let msg = format!(
                        "cannot write {} rows of {} to its file: {e}",
                        p.rows, info.full
                    );
                    tracing::error!("{msg}");
                    self.shared.note_error(msg);
                }
            }
        }
        if !p.data.is_empty() && self.shared.config.mode.sends() {
            let columns = info
                .schema
                .get()
                .map(|s| s.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(","))
                .unwrap_or_default();
            let mut token = xxhash_rust::xxh3::Xxh3::new();
            token.update(info.full.as_bytes());
            token.update(&p.data);
            let batch = Batch {
                table: info.full.clone(),
                columns,
                rows: p.rows,
                token: format!("{:032x}", token.digest128()),
                data: p.data.into(),
            };
            self.deliver(t, &batch);
            if !self.shared.bulk.load(Relaxed) {
                self.spare.iter_mut().for_each(|s| *s = Vec::new());
            } else if let Ok(mut data) = batch.data.try_into_mut() {
                // (Unique once delivered, unless a send still holds a piece of it.)
                data.clear();
                self.spare[t] = data.into();
            }
        }
        let us = started.elapsed().as_micros() as u64;
        c.flushes.fetch_add(1, Relaxed);
        c.last_flush_us.store(us, Relaxed);
        c.max_flush_us.fetch_max(us, Relaxed);
        c.total_flush_us.fetch_add(us, Relaxed);
        c.last_flush_rows.store(rows, Relaxed);
        // Delivered (inserted, spooled, filed or counted as refused): no longer held.
        c.held.fetch_sub(rows, Relaxed);
        self.last_sealed = Some(Instant::now());
    }

    /// Appends to the table's file, opened per batch so that a file renamed or removed by
    /// `seqch-tail replay` is recreated rather than written behind its back.
    fn append_file(&mut self, t: usize, json: &[u8]) -> std::io::Result<()> {
        let dir = &self.shared.config.file_dir;
        std::fs::create_dir_all(dir)?;
        let path = dir.join(format!("{}.jsonl", self.shared.tables[t].full));
        let mut f = OpenOptions::new().create(true).append(true).open(path)?;
        f.write_all(json)?;
        f.sync_data()
    }

    /// Sends a new batch, unless older ones of its table wait in the spool: a table's order is
    /// kept, so it joins them.
    fn deliver(&mut self, t: usize, batch: &Batch) {
        let c = &self.shared.counters;
        if !self.spool.holds(&batch.table) {
            match self.insert(t, batch) {
                Ok(()) => {
                    c.inserted.fetch_add(batch.rows, Relaxed);
                    c.insert_batches.fetch_add(1, Relaxed);
                    return;
                }
                Err(Failure::Permanent(msg)) => {
                    if let Some(path) = self.spool_batch(batch) {
                        self.dead(&path, batch.rows, &msg);
                    }
                    return;
                }
                Err(Failure::Transient(msg) | Failure::Unready(msg)) => {
                    c.retried.fetch_add(1, Relaxed);
                    c.errors.fetch_add(1, Relaxed);
                    let msg = format!(
                        "insert into {} failed, spooling {} rows: {msg}",
                        batch.table, batch.rows
                    );
                    tracing::warn!("{msg}");
                    self.shared.note_error(msg);
                    self.wait_longer();
                }
            }
        }
        self.spool_batch(batch);
    }

    fn spool_batch(&mut self, batch: &Batch) -> Option<std::path::PathBuf> {
        let c = &self.shared.counters;
        if self.spool.bytes() + batch.data.len() as u64 > self.shared.config.spool_max_bytes {
            c.refused.fetch_add(batch.rows, Relaxed);
            let msg = format!(
                "spool full: refusing {} rows of {}",
                batch.rows, batch.table
            );
            tracing::error!("{msg}");
            self.shared.note_error(msg);
            return None;
        }
        match self.spool.push(batch) {
            Ok(path) => {
                c.spooled.fetch_add(batch.rows, Relaxed);
                c.spool_bytes.store(self.spool.bytes(), Relaxed);
                Some(path)
            }
            Err(e) => {
                c.refused.fetch_add(batch.rows, Relaxed);
                c.errors.fetch_add(1, Relaxed);
                let msg = format!("cannot spool {} rows of {}: {e}", batch.rows, batch.table);
                tracing::error!("{msg}");
                self.shared.note_error(msg);
                None
            }
        }
    }

    fn dead(&mut self, path: &Path, rows: u64, msg: &str) {
        let c = &self.shared.counters;
        let note = format!(
            "{} rejected for good, moved to the dead-letter folder: {msg}",
            path.display()
        );
        tracing::error!("{note}");
        self.shared.note_error(note);
        if self.spool.kill(path, msg).is_ok() {
            c.dead_lettered.fetch_add(rows, Relaxed);
        } else {
            // Still waiting (a disk that refuses the move): not again before the next round.
            self.wait_longer();
        }
        c.errors.fetch_add(1, Relaxed);
        c.spool_bytes.store(self.spool.bytes(), Relaxed);
    }

    fn wait_longer(&mut self) {
        self.next_retry = Instant::now() + self.backoff;
        self.backoff = (self.backoff * 2).min(self.shared.config.max_backoff);
    }

    /// Sends spooled batches, oldest first, until one fails; a table that is not ready holds
    /// back only its own batches.
    fn replay(&mut self) {
        let mut unready = std::collections::HashSet::new();
        for path in self.spool.pending() {
            if self.spool.table(&path).is_some_and(|t| unready.contains(t)) {
                continue;
            }
            let c = &self.shared.counters;
            let batch = match Spool::read(&path) {
                Ok(b) => b,
                Err(e) => {
                    self.dead(&path, 0, &e.to_string());
                    continue;
                }
            };
            let table = self
                .shared
                .tables
                .iter()
                .position(|t| t.full == batch.table);
            match self.insert(table.unwrap_or(usize::MAX), &batch) {
                Ok(()) => {
                    let _ = self.spool.remove(&path);
                    c.inserted.fetch_add(batch.rows, Relaxed);
                    c.insert_batches.fetch_add(1, Relaxed);
                    c.replayed.fetch_add(batch.rows, Relaxed);
                    c.spool_bytes.store(self.spool.bytes(), Relaxed);
                    self.backoff = Duration::from_millis(100);
                }
                Err(Failure::Permanent(msg)) => self.dead(&path, batch.rows, &msg),
                // Every failed send is an error, so that the count rises while the server is
                // away (v1's rose with each failed flush), not only at the first one.
                Err(Failure::Unready(_)) => {
                    c.retried.fetch_add(1, Relaxed);
                    c.errors.fetch_add(1, Relaxed);
                    unready.insert(batch.table);
                }
                Err(Failure::Transient(_)) => {
                    c.retried.fetch_add(1, Relaxed);
                    c.errors.fetch_add(1, Relaxed);
                    self.wait_longer();
                    return;
                }
            }
        }
        if !unready.is_empty() {
            self.wait_longer();
        }
    }

    fn insert(&mut self, t: usize, batch: &Batch) -> Result<(), Failure> {
        let sql = self.describe(t, &batch.table).and_then(|described| {
            rowbinary::insert_statement(&batch.table, &batch.columns, described)
                .map_err(|e| Failure::Unready(format!("{}: {e}", batch.table)))
        });
        let sql = match sql {
            Ok(sql) => sql,
            Err(e) => {
                // Described again next time: `schema apply` may have fixed it meanwhile.
                self.described.remove(&batch.table);
                return Err(e);
            }
        };
        let mut insert = self
            .client
            .insert_formatted_with(sql)
            .with_setting("async_insert", "0")
            // Rows of one key within a batch are collapsed by merges and FINAL, as across
            // batches; collapsing them on insert too cost the server a quarter of its CPU.
            .with_setting("optimize_on_insert", "0")
            // On a cluster's Distributed tables, acknowledged means on the shards.
            .with_setting("distributed_foreground_insert", "1")
            .with_setting("insert_deduplication_token", batch.token.clone());
        let data = batch.data.clone();
        let answer = self.answered(async move {
            // In pieces, so the server parses one while the next is (compressed and) sent (the
            // server reads the body as one stream: a row may span two pieces).
            for at in (0..data.len()).step_by(SEND_CHUNK) {
                insert
                    .send(data.slice(at..(at + SEND_CHUNK).min(data.len())))
                    .await?;
            }
            insert.end().await
        });
        if let Err(Failure::Unready(_)) = answer {
            // The table or a column went away: describe it again before the next try.
            self.described.remove(&batch.table);
        }
        answer
    }

    /// Runs a request to the server, giving up after the configured timeout: a server that
    /// accepts the connection and then hangs is treated like one that is down. (A timed-out
    /// insert the server did apply is deduplicated on retry by its token.)
    ///
    /// Meanwhile the rings and the queue are drained every poll into the batches (up to twice
    /// batch_bytes held), so producers keep their rings' room while the server works (and a
    /// thread whose rows wait in the queue gets back to its ring), and the next batch is ready
    /// when this request ends. Other messages wait until it has.
    fn answered<T>(
        &mut self,
        request: impl Future<Output = Result<T, clickhouse::error::Error>>,
    ) -> Result<T, Failure> {
        let limit = self.shared.config.request_timeout;
        let (shared, rx, pending, deferred, closing) = (
            self.shared,
            self.rx,
            &mut self.pending,
            &mut *self.deferred,
            self.closing,
        );
        let answer = self.runtime.block_on(async {
            let request = tokio::time::timeout(limit, request);
            tokio::pin!(request);
            let mut poll = tokio::time::interval(POLL);
            poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let room = |pending: &[Pending]| {
                !closing
                    && pending.iter().map(Pending::bytes).sum::<usize>()
                        < 2 * shared.config.batch_bytes
            };
            loop {
                tokio::select! {
                    answer = &mut request => return answer,
                    _ = poll.tick() => {
                        if room(pending) {
                            collect(shared, pending);
                        }
                        while room(pending) {
                            match rx.try_recv() {
                                Ok(Msg::Row(row)) => take_row(shared, pending, row),
                                // The rings are looked at after the request anyway.
                                Ok(Msg::Wake) => {}
                                Ok(other) => deferred.push_back(other),
                                Err(_) => break,
                            }
                        }
                    }
                }
            }
        });
        match answer {
            Ok(answer) => answer.map_err(classify),
            Err(_) => Err(Failure::Transient(format!(
                "no answer from the server within {limit:?}"
            ))),
        }
    }

    /// The columns of `table` (`database.table`) as the server describes them, read once; if
    /// `t` is one of the writer's tables, its row's columns must exist there with fitting types
    /// (checked once its row's schema is known: a spooled batch may come first).
    fn describe(&mut self, t: usize, table: &str) -> Result<&[(String, String)], Failure> {
        if !self.described.contains_key(table) {
            let (database, name) = table.split_once('.').unwrap_or(("", table));
            let cols: Vec<(String, String)> = self.answered(
                self.client
                    .query("SELECT name, type FROM system.columns WHERE database = ? AND table = ?")
                    .bind(database)
                    .bind(name)
                    .fetch_all(),
            )?;
            if cols.is_empty() {
                return Err(Failure::Unready(format!(
                    "{table} does not exist (run `seqch-tail schema apply`)"
                )));
            }
            self.described.insert(table.to_owned(), cols);
        }
        let schema = self.shared.tables.get(t).and_then(|i| i.schema.get());
        if let (Some(schema), Some(false)) = (schema, self.checked.get(t)) {
            rowbinary::check(schema, &self.described[table]).map_err(|e| {
                // A missing column is an old schema (retried until `schema apply`); a column
                // of another type will never take these rows.
                let msg = format!("{table}: {e}");
                if e.contains("has no column") {
                    Failure::Unready(msg)
                } else {
                    Failure::Permanent(msg)
                }
            })?;
            self.checked[t] = true;
        }
        Ok(&self.described[table])
    }
}

/// Retry network trouble, timeouts and server-side trouble; give up on what the data itself
/// causes (ClickHouse codes 6, 26, 27, 33, 53, 70, 117: cannot parse, type mismatch, bad data);
/// a missing column, table or database (16, 60, 81) is the table's own trouble.
fn classify(e: clickhouse::error::Error) -> Failure {
    let msg = e.to_string();
    if ["Code: 16.", "Code: 60.", "Code: 81."]
        .iter()
        .any(|c| msg.contains(c))
    {
        return Failure::Unready(msg);
    }
    const PERMANENT: [&str; 7] = [
        "Code: 6.",
        "Code: 26.",
        "Code: 27.",
        "Code: 33.",
        "Code: 53.",
        "Code: 70.",
        "Code: 117.",
    ];
    if PERMANENT.iter().any(|c| msg.contains(c)) {
        Failure::Permanent(msg)
    } else {
        Failure::Transient(msg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use seqch_rows::Turn;

    #[test]
    fn a_panicking_flusher_is_restarted_and_counted() {
        let dir = std::env::temp_dir().join(format!("seqch-panic-{}", std::process::id()));
        let writer = Writer::new(WriterConfig {
            mode: Mode::File,
            spool_dir: dir.join("spool"),
            file_dir: dir.join("files"),
            flush_interval: Duration::from_millis(20),
            ..WriterConfig::default()
        })
        .unwrap();
        let ids: Vec<String> = (0..20).map(|i| format!("p{i}")).collect();
        let push = |range: std::ops::Range<usize>| {
            for i in range {
                let turn = Turn {
                    ts_ms: 1_794_873_600_000 + i as u64,
                    session_id: "s1",
                    turn_id: &ids[i],
                    ..Default::default()
                };
                writer.push(&turn).unwrap();
            }
        };
        push(0..10);
        assert!(writer.flush_wait(Duration::from_secs(10)));
        writer.tx.send(Msg::Panic).unwrap();
        push(10..20);
        assert!(writer.flush_wait(Duration::from_secs(10)));
        let stats = writer.stats();
        assert_eq!(
            (stats.flusher_restarts, stats.filed, stats.refused),
            (1, 20, 0),
            "{stats:?}"
        );
        assert!(writer.close(Duration::from_secs(10)));
        let lines = std::fs::read_dir(dir.join("files"))
            .unwrap()
            .map(|f| {
                std::fs::read_to_string(f.unwrap().path())
                    .unwrap()
                    .lines()
                    .count()
            })
            .sum::<usize>();
        assert_eq!(lines, 20);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
