//! The writer: producers on any thread hand rows over without blocking; one flusher thread
//! batches them per table and sends them as RowBinary (LZ4) with the official `clickhouse`
//! crate, spooling what the server does not take and replaying it in order.

use std::fs::OpenOptions;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TrySendError, bounded};
use crossbeam_queue::ArrayQueue;
use seqch_rows::Table;
use serde::Serialize;

use crate::config::WriterConfig;
use crate::rowbinary::{self, Kind};
use crate::spool::{Batch, Spool};

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
}

/// The tables a writer knows, with the column list learned from the first row of each.
struct TableInfo {
    database: &'static str,
    name: &'static str,
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

enum Msg {
    Row {
        table: usize,
        data: Vec<u8>,
        json: Vec<u8>,
    },
    Flush(Sender<()>),
    Close(Sender<()>),
}

struct Shared {
    config: WriterConfig,
    /// Encoding buffers the flusher hands back, so that a push in steady state allocates nothing.
    buffers: ArrayQueue<Vec<u8>>,
    tables: Vec<TableInfo>,
    counters: Counters,
    closed: AtomicBool,
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
    /// the spool.
    pub fn new(config: WriterConfig) -> Result<Self, WriterError> {
        let spool = Spool::open(&config.spool_dir).map_err(|source| WriterError::Spool {
            path: config.spool_dir.display().to_string(),
            source,
        })?;
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
                    database: db,
                    name,
                    full: format!("{database}.{name}"),
                    schema: OnceLock::new(),
                }
            })
            .collect();
        let (tx, rx) = bounded(config.queue_capacity.max(1));
        let buffers = ArrayQueue::new(config.queue_capacity.clamp(1, 65_536));
        let shared = Arc::new(Shared {
            config,
            buffers,
            tables,
            counters: Counters::default(),
            closed: AtomicBool::new(false),
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

    /// Hands a row over without blocking: it is encoded here and queued for the flusher.
    pub fn push<R: Serialize + Table>(&self, row: &R) -> Result<(), PushError> {
        let c = &self.shared.counters;
        c.pushed.fetch_add(1, Relaxed);
        if self.shared.closed.load(Relaxed) {
            c.refused.fetch_add(1, Relaxed);
            return Err(PushError::Closed);
        }
        let mode = self.shared.config.mode;
        let Some(table) = self
            .shared
            .tables
            .iter()
            .position(|t| t.database == R::DATABASE && t.name == R::NAME)
        else {
            return Err(PushError::Invalid);
        };
        let info = &self.shared.tables[table];
        if info.schema.get().is_none() {
            match rowbinary::schema(row) {
                Ok(s) => {
                    let _ = info.schema.set(s);
                }
                Err(_) => {
                    c.errors.fetch_add(1, Relaxed);
                    return Err(PushError::Invalid);
                }
            }
        }
        let mut data = if mode.sends() {
            self.shared
                .buffers
                .pop()
                .unwrap_or_else(|| Vec::with_capacity(256))
        } else {
            Vec::new()
        };
        data.clear();
        let mut json = Vec::with_capacity(if mode.writes_files() { 512 } else { 0 });
        let encoded = (!mode.sends() || rowbinary::encode(row, &mut data).is_ok())
            && (!mode.writes_files() || serde_json::to_writer(&mut json, row).is_ok());
        if !encoded {
            c.errors.fetch_add(1, Relaxed);
            return Err(PushError::Invalid);
        }
        if !mode.sends() && !mode.writes_files() {
            return Ok(());
        }
        match self.tx.try_send(Msg::Row { table, data, json }) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => {
                c.refused.fetch_add(1, Relaxed);
                Err(PushError::Full)
            }
            Err(TrySendError::Disconnected(_)) => {
                c.refused.fetch_add(1, Relaxed);
                Err(PushError::Closed)
            }
        }
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
        done
    }

    pub fn stats(&self) -> Stats {
        let c = &self.shared.counters;
        let l = |a: &AtomicU64| a.load(Relaxed);
        Stats {
            pushed: l(&c.pushed),
            inserted: l(&c.inserted),
            insert_batches: l(&c.insert_batches),
            retried: l(&c.retried),
            spooled: l(&c.spooled),
            replayed: l(&c.replayed),
            dead_lettered: l(&c.dead_lettered),
            refused: l(&c.refused),
            filed: l(&c.filed),
            queue_depth: self.rx.len() as u64,
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
    loop {
        let s = match spool.take() {
            Some(s) => s,
            None => match Spool::open(&shared.config.spool_dir) {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!("seqch flusher cannot reopen its spool: {e}");
                    return;
                }
            },
        };
        let run = catch_unwind(AssertUnwindSafe(|| Flusher::new(&shared, s).run(&rx)));
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

enum Failure {
    /// Worth retrying: the network, a timeout, the server's load, a missing schema.
    Transient(String),
    /// The server will never take this batch (type mismatch, bad data).
    Permanent(String),
}

struct Flusher<'a> {
    shared: &'a Shared,
    spool: Spool,
    pending: Vec<Pending>,
    client: clickhouse::Client,
    runtime: tokio::runtime::Runtime,
    validated: Vec<bool>,
    backoff: Duration,
    next_retry: Instant,
}

impl<'a> Flusher<'a> {
    fn new(shared: &'a Shared, spool: Spool) -> Self {
        let c = &shared.config;
        let client = c.client().with_compression(clickhouse::Compression::Lz4);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        Self {
            shared,
            spool,
            pending: (0..TABLES.len()).map(|_| Pending::default()).collect(),
            client,
            runtime,
            validated: vec![false; TABLES.len()],
            backoff: Duration::from_millis(100),
            next_retry: Instant::now(),
        }
    }

    fn run(mut self, rx: &Receiver<Msg>) {
        let interval = self.shared.config.flush_interval;
        loop {
            let now = Instant::now();
            let mut wake = now + interval;
            for p in &self.pending {
                if let Some(since) = p.since {
                    wake = wake.min(since + interval);
                }
            }
            if self.spool.bytes() > 0 {
                wake = wake.min(self.next_retry.max(now));
            }
            match rx.recv_deadline(wake) {
                Ok(Msg::Row { table, data, json }) => {
                    self.take(table, data, json);
                    self.pending[table].since.get_or_insert_with(Instant::now);
                    let p = &self.pending[table];
                    let c = &self.shared.config;
                    // A batch is full at batch_rows, unless more rows are already waiting (a
                    // backfill): then it grows up to batch_bytes, so a burst costs few INSERTs
                    // (each one is a part on the server) instead of many small ones.
                    if (p.rows as usize >= c.batch_rows && rx.is_empty())
                        || p.data.len().max(p.json.len()) >= c.batch_bytes
                    {
                        self.seal(table);
                    }
                }
                Ok(Msg::Flush(ack)) => {
                    self.seal_all();
                    self.replay();
                    let _ = ack.send(());
                }
                Ok(Msg::Close(ack)) => {
                    // Rows pushed before the close flag was seen are still queued: take them.
                    while let Ok(Msg::Row { table, data, json }) = rx.try_recv() {
                        self.take(table, data, json);
                    }
                    self.seal_all();
                    self.replay();
                    let _ = ack.send(());
                    return;
                }
                Err(RecvTimeoutError::Timeout) => {
                    let now = Instant::now();
                    for t in 0..TABLES.len() {
                        if self.pending[t].since.is_some_and(|s| now >= s + interval) {
                            self.seal(t);
                        }
                    }
                    if self.spool.bytes() > 0 && now >= self.next_retry {
                        self.replay();
                    }
                }
                Err(RecvTimeoutError::Disconnected) => {
                    self.seal_all();
                    return;
                }
            }
        }
    }

    /// Appends a pushed row to its table's batch and hands its buffer back to the producers.
    fn take(&mut self, table: usize, data: Vec<u8>, json: Vec<u8>) {
        self.shared.counters.held.fetch_add(1, Relaxed);
        let p = &mut self.pending[table];
        p.rows += 1;
        p.data.extend_from_slice(&data);
        p.json.extend_from_slice(&json);
        if !json.is_empty() {
            p.json.push(b'\n');
        }
        if data.capacity() > 0 && data.capacity() <= 64 << 10 {
            let _ = self.shared.buffers.push(data);
        }
    }

    fn seal_all(&mut self) {
        for t in 0..TABLES.len() {
            self.seal(t);
        }
    }

    /// Ends table `t`'s batch: into its file, and to the server (or the spool).
    fn seal(&mut self, t: usize) {
        let p = std::mem::take(&mut self.pending[t]);
        if p.rows == 0 {
            return;
        }
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
                    tracing::error!(
                        "cannot write {} rows of {} to its file: {e}",
                        p.rows,
                        info.full
                    );
                }
            }
        }
        if !p.data.is_empty() && self.shared.config.mode.sends() {
            let columns = info
                .schema
                .get()
                .map(|s| s.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(","))
                .unwrap_or_default();
            let mut token_input = info.full.clone().into_bytes();
            token_input.extend_from_slice(&p.data);
            let batch = Batch {
                table: info.full.clone(),
                columns,
                rows: p.rows,
                token: format!("{:032x}", xxhash_rust::xxh3::xxh3_128(&token_input)),
                data: p.data,
            };
            self.deliver(t, batch);
        }
        let us = started.elapsed().as_micros() as u64;
        c.flushes.fetch_add(1, Relaxed);
        c.last_flush_us.store(us, Relaxed);
        c.max_flush_us.fetch_max(us, Relaxed);
        c.total_flush_us.fetch_add(us, Relaxed);
        c.last_flush_rows.store(rows, Relaxed);
        // Delivered (inserted, spooled, filed or counted as refused): no longer held.
        c.held.fetch_sub(rows, Relaxed);
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

    /// Sends a new batch, unless older ones wait in the spool: order is kept, so it joins them.
    fn deliver(&mut self, t: usize, batch: Batch) {
        let c = &self.shared.counters;
        if self.spool.bytes() == 0 {
            match self.insert(t, &batch) {
                Ok(()) => {
                    c.inserted.fetch_add(batch.rows, Relaxed);
                    c.insert_batches.fetch_add(1, Relaxed);
                    return;
                }
                Err(Failure::Permanent(msg)) => {
                    if let Some(path) = self.spool_batch(&batch) {
                        self.dead(&path, batch.rows, &msg);
                    }
                    return;
                }
                Err(Failure::Transient(msg)) => {
                    c.retried.fetch_add(1, Relaxed);
                    c.errors.fetch_add(1, Relaxed);
                    tracing::warn!(
                        "insert into {} failed, spooling {} rows: {msg}",
                        batch.table,
                        batch.rows
                    );
                    self.wait_longer();
                }
            }
        }
        self.spool_batch(&batch);
    }

    fn spool_batch(&mut self, batch: &Batch) -> Option<std::path::PathBuf> {
        let c = &self.shared.counters;
        if self.spool.bytes() + batch.data.len() as u64 > self.shared.config.spool_max_bytes {
            c.refused.fetch_add(batch.rows, Relaxed);
            tracing::error!(
                "spool full: refusing {} rows of {}",
                batch.rows,
                batch.table
            );
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
                tracing::error!("cannot spool {} rows of {}: {e}", batch.rows, batch.table);
                None
            }
        }
    }

    fn dead(&mut self, path: &Path, rows: u64, msg: &str) {
        let c = &self.shared.counters;
        tracing::error!(
            "{} rejected for good, moved to the dead-letter folder: {msg}",
            path.display()
        );
        if self.spool.kill(path, msg).is_ok() {
            c.dead_lettered.fetch_add(rows, Relaxed);
        }
        c.errors.fetch_add(1, Relaxed);
        c.spool_bytes.store(self.spool.bytes(), Relaxed);
    }

    fn wait_longer(&mut self) {
        self.next_retry = Instant::now() + self.backoff;
        self.backoff = (self.backoff * 2).min(self.shared.config.max_backoff);
    }

    /// Sends spooled batches, oldest first, until one fails.
    fn replay(&mut self) {
        let Ok(files) = self.spool.pending() else {
            return;
        };
        for path in files {
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
                Err(Failure::Transient(_)) => {
                    c.retried.fetch_add(1, Relaxed);
                    self.wait_longer();
                    return;
                }
            }
        }
    }

    fn insert(&mut self, t: usize, batch: &Batch) -> Result<(), Failure> {
        if t < self.validated.len() && !self.validated[t] {
            self.validate(t)?;
        }
        let sql = format!(
            "INSERT INTO {} ({}) FORMAT RowBinary",
            batch.table, batch.columns
        );
        let client = &self.client;
        let data = bytes::Bytes::copy_from_slice(&batch.data);
        let token = batch.token.clone();
        self.answered(async move {
            let mut insert = client
                .insert_formatted_with(sql)
                .with_setting("async_insert", "0")
                // On a cluster's Distributed tables, acknowledged means on the shards.
                .with_setting("distributed_foreground_insert", "1")
                .with_setting("insert_deduplication_token", token);
            insert.send(data).await?;
            insert.end().await
        })
    }

    /// Runs a request to the server, giving up after the configured timeout: a server that
    /// accepts the connection and then hangs is treated like one that is down. (A timed-out
    /// insert the server did apply is deduplicated on retry by its token.)
    fn answered<T>(
        &self,
        request: impl Future<Output = Result<T, clickhouse::error::Error>>,
    ) -> Result<T, Failure> {
        let limit = self.shared.config.request_timeout;
        match self
            .runtime
            .block_on(async { tokio::time::timeout(limit, request).await })
        {
            Ok(answer) => answer.map_err(classify),
            Err(_) => Err(Failure::Transient(format!(
                "no answer from the server within {limit:?}"
            ))),
        }
    }

    /// Checks once per table that the row's columns exist with fitting types (the server's
    /// `DESCRIBE TABLE`); a server that cannot describe it is not checked.
    fn validate(&mut self, t: usize) -> Result<(), Failure> {
        let info = &self.shared.tables[t];
        let Some(schema) = info.schema.get() else {
            return Ok(());
        };
        let cols: Vec<(String, String)> = self.answered(
            self.client
                .query("SELECT name, type FROM system.columns WHERE database = ? AND table = ?")
                .bind(info.full.split_once('.').map_or("", |(d, _)| d))
                .bind(info.name)
                .fetch_all(),
        )?;
        if cols.is_empty() {
            return Err(Failure::Transient(format!(
                "{} does not exist (run `seqch-tail schema apply`)",
                info.full
            )));
        }
        rowbinary::check(schema, &cols).map_err(|e| {
            // A missing column is an old schema (retried until `schema apply`); a column of
            // another type will never take these rows.
            let msg = format!("{}: {e}", info.full);
            if e.contains("has no column") {
                Failure::Transient(msg)
            } else {
                Failure::Permanent(msg)
            }
        })?;
        self.validated[t] = true;
        Ok(())
    }
}

/// Retry network trouble, timeouts and server-side trouble; give up on what the data itself
/// causes (ClickHouse codes 6, 26, 27, 33, 53, 70, 117: cannot parse, type mismatch, bad data).
fn classify(e: clickhouse::error::Error) -> Failure {
    let msg = e.to_string();
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
