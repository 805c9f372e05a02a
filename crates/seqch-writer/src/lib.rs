//! The seqch ClickHouse write path, shared by `seqch-tail` and `libseqch`.
//!
//! [`Writer`] takes rows of `seqch-rows` from any thread without blocking (a bounded
//! crossbeam queue; a full queue refuses and counts), batches them per table by rows, bytes and
//! time on one flusher thread, and sends each batch as RowBinary with LZ4 through the official
//! `clickhouse` crate, with `async_insert=0` and an `insert_deduplication_token` derived from
//! the batch's bytes, so a resend is deduplicated by the server. A batch the server does not
//! take goes to a durable spool (one fsync'd file per batch) and is replayed in order with
//! backoff, also after a restart; a batch the server rejects for good moves to `dead/` with its
//! message. Counters for all of it are in [`Stats`].
//!
//! [`schema::apply`] brings a server to the latest version of the migrations in
//! `sql/migrations` (idempotent, safe from two processes at once) and [`schema::status`]
//! reports what is applied; [`cluster`] derives the scale-out variant (`Replicated*` +
//! `Distributed`) from the same files.

//! # Push latency (measured 2026-11-24, 2 cores)
//!
//! `cargo bench -p seqch-bench --bench push`: 1,000,000 `Turn` pushes per thread, each timed,
//! with the flusher spooling every batch (no server) on the other core; beside a writer of the
//! original C++ design (one mutex over a `Vec` of owned rows, drained every 100 ms) in the same
//! run. Nanoseconds, p50 / p99 / p99.9:
//!
//! | | 1 thread | 2 threads |
//! |---|---|---|
//! | `Writer::push` (RowBinary encode + queue) | 121 / 3,385 / 5,958 | 130 / 11,848 / 17,967 |
//! | mutex + `Vec` baseline | 90 / 1,993 / 4,797 | 131 / 2,234 / 18,588 |
//!
//! The goals (p50 ≤ 100 ns, p99 ≤ 1 µs, 5× better p99 than the baseline) are not met: on two
//! cores the flusher's work competes with the producers, and each push still encodes a whole
//! row and passes one message. Per-thread encoding buffers handed over in chunks are the next
//! step. The queue never blocks: a full queue refuses the row and counts it.

//! # End to end through the C ABI (measured 2026-11-24, 2 cores, local ClickHouse 26.9)
//!
//! `cargo bench -p seqch-bench --bench e2e`: 1,000,000 calls pushed with `seq_ch_try_push_turn`
//! until `seq_ch_flush_wait` returns, beside one bare `clickhouse` crate INSERT of the same rows
//! (RowBinary + LZ4), each into fresh tables, alternating, best of three: **498,891 rows/s
//! through the C ABI against 522,522 rows/s for the bare insert, 0.95×** (goal ≥ 0.9×; the
//! machine was shared with other jobs, single runs varied by ±25 %). Before a batch was allowed
//! to grow past `batch_rows` while more rows wait, the same run gave 0.48×: 245 INSERTs of 4,096
//! rows against one.

pub mod cluster;
pub mod config;
pub mod rowbinary;
pub mod schema;
pub mod spool;
mod writer;

pub use config::{Mode, WriterConfig};
pub use writer::{PushError, Stats, Writer, WriterError};
