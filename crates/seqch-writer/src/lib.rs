//! The seqch ClickHouse write path, shared by `seqch-tail` and `libseqch`.
//!
//! [`Writer`] takes rows of `seqch-rows` from any thread without blocking: each thread encodes
//! its row to RowBinary in its own buffer and copies it into its own single-producer ring, which
//! the flusher polls while rows flow (a full ring spills into a bounded crossbeam queue, keeping
//! each thread's order; when that is full too, the row is refused and counted). One flusher
//! thread batches per table by rows, bytes and time (in bulk, for a backfill, by bytes:
//! [`Writer::set_bulk`]) and sends each batch as RowBinary (LZ4-compressed unless the server is
//! on this machine) through the official `clickhouse` crate, read by the `input()` table
//! function with `LowCardinality` columns as their plain types, with `async_insert=0` and an
//! `insert_deduplication_token` derived from the batch's bytes, so a resend is deduplicated by
//! the server. A batch the server does not take goes to a durable spool (one fsync'd file per
//! batch, in a directory the writer holds alone, kept per server: see [`spool`]) and is
//! replayed in order with backoff, also after a restart; a batch the server rejects for good
//! moves to `dead/` with its message. Counters for all of it are in [`Stats`].
//!
//! [`schema::apply`] brings a server to the latest version of the migrations in
//! `sql/migrations` (idempotent, safe from two processes at once) and [`schema::status`]
//! reports what is applied; [`cluster`] derives the scale-out variant (`Replicated*` +
//! `Distributed`) from the same files.

//! # Push latency (measured 2026-11-24, 2 cores)
//!
//! `cargo bench -p seqch-bench --bench push`: 1,000,000 `Turn` pushes per thread, each timed
//! with `Instant` (timing an empty call gives 30 / 31 / 40 ns, included below), with the flusher
//! spooling every batch (no server) on the other core; beside a writer of the original C++
//! design (one mutex over a `Vec` of owned rows, drained every 100 ms) in the same run.
//! Nanoseconds, p50 / p99 / p99.9:
//!
//! | | 1 thread | 2 threads |
//! |---|---|---|
//! | `Writer::push` (encode + copy into the thread's ring) | 60 / 90 / 161 | 70 / 131 / 311 |
//! | mutex + `Vec` baseline | 90 / 3,164 / 5,017 | 130 / 2,083 / 9,895 |
//!
//! Goals: p50 ≤ 100 ns, p99 ≤ 1 µs, p99 at least 5× better than the baseline (here 35× and
//! 16×). A later run, with no other server on the machine: 60 / 100 / 190 and 70 / 120 / 261
//! against 131 / 2,664 / 5,738 and 141 / 3,274 / 25,388 (p99 27× better with either thread
//! count). Other runs gave the same p50 and p99 within 10 ns; p99.9 moved between 160 ns and
//! 2.2 µs (the machine's own interruptions). What it took: the per-thread
//! ring instead of one message per row through a shared queue (whose wake-ups of the flusher
//! were the old p99 of 3.4 µs); pre-touching the ring's pages; and a RowBinary encoder that
//! does not track columns when it is not learning a schema (102 → ~30 ns per `Turn`).
//! The bench gives each ring room for the whole burst (as it gives the baseline's `Vec`); with
//! the default 1 MiB ring a burst beyond it spills into the queue and costs what a push used to.

//! # End to end through the C ABI (measured 2026-11-24 and 25, 2 cores, local ClickHouse 26.9)
//!
//! `cargo bench -p seqch-bench --bench e2e`: 1,000,000 calls pushed with `seq_ch_try_push_turn`
//! (a full queue retried after 1 ms) until `seq_ch_flush_wait` returns, beside one bare
//! `clickhouse` crate INSERT of the same rows (RowBinary straight into the table, LZ4, as the
//! crate's users write it), each into fresh tables, alternating, best of three. Goal: at
//! least 0.9× the bare insert.
//!
//! 2026-11-25, once inserts went through `input()` with plain types (the server parses
//! RowBinary into a `LowCardinality` column at a temporary column per value) and uncompressed
//! to a local server: **1,329,313 rows/s through the C ABI against 624,820 rows/s for the bare
//! insert, 2.13×** (9–10 INSERTs against one).
//!
//! 2026-11-24: **570,100 rows/s through the C ABI against 642,369 rows/s for the bare insert,
//! 0.89×** (10–11 INSERTs against one). Other runs that day: 0.84×, 0.86×, 0.87×, 0.88×,
//! 0.90×, 0.96×, and, once stray servers from earlier bench runs no longer shared the machine,
//! 0.93× (540,716 against 578,716 rows/s), 0.92× (555,454 against 602,377) and 0.95× (606,204
//! against 637,265); single rounds vary by ±10–20 % here. While a batch is being sent, the
//! flusher already takes in the next one (before that, 0.55×: the producers waited on a full
//! queue during every INSERT).

pub mod cluster;
pub mod config;
mod ring;
pub mod rowbinary;
pub mod schema;
pub mod spool;
mod writer;

pub use config::{Mode, WriterConfig};
pub use writer::{LastError, PushError, Stats, Writer, WriterError};
