//! The seqch ClickHouse write path.
//!
//! Today this crate owns the schema: [`schema::apply`] brings a server to the latest version of
//! the migrations in `sql/migrations` (idempotent, safe from two processes at once) and
//! [`schema::status`] reports what is applied. The batching, spooling writer that `seqch-tail`
//! and `libseqch` share comes next, on the same `clickhouse` client.

pub mod schema;
