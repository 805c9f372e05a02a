//! What the agents just did on a project, and whether today's spending still allows the cloud.
//!
//! Everything here is read from ClickHouse through the query files of `sql/queries`, so the
//! answers are exactly what `seqch-tail report` and the SQL tests see:
//!
//! - [`brief::Brief`]: a project's recent sessions of both agents, tools that failed in the last
//!   hour, the files the latest sessions read and edited, each agent's last error, and each
//!   agent's latest session as a handoff (files modified, commands run, errors left unresolved),
//!   rendered as concise Markdown under a size cap or as JSON.
//! - [`memory`]: puts a brief into the files the agents read at start (`CLAUDE.md`,
//!   `AGENTS.md`) inside marker comments, atomically, never touching the user's text, and not at
//!   all when nothing changed.
//! - [`budget::Budget`]: today's spend per agent and model, the latest rate-limit windows, and a
//!   routing verdict (`cloud` or `local`, with the reason) for a router such as Hive's.
//!
//! `seqch-tail context` / `budget` and libseqch's `seq_ch_context_brief` / `seq_ch_budget` are
//! thin shells over this crate. Free text from the tables (tool inputs, commands, error details)
//! is redacted again on the way out with [`seqch_rows::redact`], since rows pushed through the
//! C ABI never went through the parser. A project path is only ever a query parameter.
//!
//! The functions block: each call runs its queries on a private single-thread runtime, so they
//! must not be called from inside an async runtime.

pub mod brief;
pub mod budget;
pub mod memory;
mod query;

use seqch_writer::WriterConfig;
use seqch_writer::schema::Databases;

/// Why an answer could not be had.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("query {file} on {url}: {message}")]
    Query {
        file: &'static str,
        url: String,
        message: String,
    },
    #[error("query {file}: a row does not fit: {source}: {row}")]
    Decode {
        file: &'static str,
        row: String,
        source: serde_json::Error,
    },
    #[error("time zone {name:?}: {source}")]
    TimeZone { name: String, source: jiff::Error },
    #[error("async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("no answer from {url} within {timeout:?}")]
    Timeout {
        url: String,
        timeout: std::time::Duration,
    },
}

/// The server to ask and seqch's database names on it.
#[derive(Clone)]
pub struct Source {
    client: clickhouse::Client,
    url: String,
    databases: Databases,
    /// A server that does not answer within this is an error, not a hang.
    timeout: std::time::Duration,
}

impl Source {
    /// The server, credentials and databases of a writer configuration (its mode is ignored).
    pub fn new(config: &WriterConfig) -> Self {
        Self {
            client: config
                .client()
                .with_setting("output_format_json_quote_64bit_integers", "0")
                .with_setting("output_format_json_quote_decimals", "0"),
            url: config.url.clone(),
            databases: config.databases.clone(),
            timeout: config.request_timeout,
        }
    }
}
