//! Test support shared by seqch's integration tests.
//!
//! Tests that need ClickHouse get its HTTP URL from `SEQCH_TEST_CLICKHOUSE_URL`, which
//! `scripts/test.sh` sets after starting a private server. Without it a test is skipped with a
//! note, except under `CI=true`, where a missing server is a failure.

use std::sync::atomic::{AtomicU32, Ordering};

/// The test server's HTTP URL, or `None` (after printing why) when the test should be skipped.
///
/// # Panics
/// When `CI=true` and no server is configured: CI must never pass by skipping.
pub fn clickhouse_url() -> Option<String> {
    match std::env::var("SEQCH_TEST_CLICKHOUSE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!(
                "CI=true but SEQCH_TEST_CLICKHOUSE_URL is not set: run the tests with scripts/test.sh"
            )
        }
        _ => {
            eprintln!(
                "skipped: SEQCH_TEST_CLICKHOUSE_URL is not set (scripts/test.sh starts a server)"
            );
            None
        }
    }
}

/// A name no other test of this run uses, for databases and tables.
pub fn unique_name(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{prefix}_{}_{n}_{nanos}", std::process::id())
}
