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

pub mod cluster;
pub mod config;
pub mod rowbinary;
pub mod schema;
pub mod spool;
mod writer;

pub use config::{Mode, WriterConfig};
pub use writer::{PushError, Stats, Writer, WriterError};
