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

/// A ClickHouse of one test's own (`scripts/clickhouse.sh`, data in `dir`), for tests that stop
/// and start the server under a writer; stopped when dropped, also when the test fails.
pub struct PrivateServer {
    dir: std::path::PathBuf,
    /// Its HTTP URL; a restart keeps the port.
    pub url: String,
}

impl PrivateServer {
    pub fn start(dir: &std::path::Path) -> Self {
        let dir = dir.to_path_buf();
        let url = clickhouse_sh("start", &dir);
        Self { dir, url }
    }

    pub fn stop(&self) {
        clickhouse_sh("stop", &self.dir);
    }

    /// Starts it again on the same data and port.
    pub fn restart(&self) {
        assert_eq!(
            clickhouse_sh("start", &self.dir),
            self.url,
            "the server came back on its port"
        );
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        let _ = script().arg("stop").arg(&self.dir).output();
    }
}

fn script() -> std::process::Command {
    let mut c = std::process::Command::new("bash");
    c.arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/clickhouse.sh"));
    c
}

fn clickhouse_sh(action: &str, dir: &std::path::Path) -> String {
    let out = script()
        .arg(action)
        .arg(dir)
        .output()
        .expect("scripts/clickhouse.sh");
    assert!(
        out.status.success(),
        "clickhouse.sh {action} {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}
