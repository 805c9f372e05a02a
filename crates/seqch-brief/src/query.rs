//! Runs one query file with named parameters and decodes its JSONEachRow rows.

use seqch_writer::schema::query_text;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Error, Source};

/// A query file of `sql/queries`, compiled in.
pub(crate) struct QueryFile {
    pub name: &'static str,
    pub sql: &'static str,
}

macro_rules! query_file {
    ($name:literal) => {
        $crate::query::QueryFile {
            name: $name,
            sql: include_str!(concat!("../../../sql/queries/", $name)),
        }
    };
}
pub(crate) use query_file;

/// A parameter value: text (strings, instants, time zones) or a count.
#[derive(Serialize)]
#[serde(untagged)]
pub(crate) enum Param<'a> {
    Text(&'a str),
    Count(u32),
}

impl Source {
    pub(crate) async fn rows<T: DeserializeOwned>(
        &self,
        file: &QueryFile,
        params: &[(&str, Param<'_>)],
    ) -> Result<Vec<T>, Error> {
        let mut q = self
            .client
            .query(&query_text(&self.databases.rewrite(file.sql)));
        for (name, value) in params {
            q = q.param(name, value);
        }
        let failed = |e: clickhouse::error::Error| Error::Query {
            file: file.name,
            url: self.url.clone(),
            message: e.to_string(),
        };
        let bytes = q
            .fetch_bytes("JSONEachRow")
            .map_err(failed)?
            .collect()
            .await
            .map_err(failed)?;
        bytes
            .split(|&b| b == b'\n')
            .filter(|line| !line.is_empty())
            .map(|line| {
                serde_json::from_slice(line).map_err(|source| Error::Decode {
                    file: file.name,
                    row: String::from_utf8_lossy(line).into_owned(),
                    source,
                })
            })
            .collect()
    }

    /// Runs `f` to completion on a private single-thread runtime, within the timeout.
    pub(crate) fn block_on<T>(
        &self,
        f: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(Error::Runtime)?
            .block_on(async { tokio::time::timeout(self.timeout, f).await })
            .unwrap_or_else(|_| {
                Err(Error::Timeout {
                    url: self.url.clone(),
                    timeout: self.timeout,
                })
            })
    }
}

/// An instant as the `DateTime64(3, 'UTC')` text the query files take.
pub(crate) fn utc_text(ts: jiff::Timestamp) -> String {
    ts.strftime("%Y-%m-%d %H:%M:%S%.3f").to_string()
}

/// Redacts a text field read back from a table, in place.
pub(crate) fn redact(text: &mut String) {
    if let std::borrow::Cow::Owned(clean) = seqch_rows::redact::redact(text) {
        *text = clean;
    }
}
