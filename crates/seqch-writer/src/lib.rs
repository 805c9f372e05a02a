//! The seqch ClickHouse write path.
//!
//! Today this crate owns the schema: [`schema::apply`] brings a server to the latest version of
//! the migrations in `sql/migrations` (idempotent, safe from two processes at once) and
//! [`schema::status`] reports what is applied; [`cluster`] derives the scale-out variant
//! (`Replicated*` + `Distributed`) from the same files. The batching, spooling writer that `seqch-tail`
//! and `libseqch` share comes next, on the same `clickhouse` client.

pub mod cluster;
pub mod schema;
