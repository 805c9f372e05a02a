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

/// The data-driven cases of `sql/tests` (format in `sql/tests/README.md`), read once for every
/// runner: the single-server suite and the cluster suite.
pub mod sql_cases {
    use std::path::{Path, PathBuf};

    /// A parameter of a case: text, or an array of strings.
    pub enum Param {
        Text(String),
        List(Vec<String>),
    }

    pub struct Case {
        pub name: String,
        /// `setup.sql` with its `-- include: FILE` lines replaced by those files of `sql/tests`.
        pub setup: String,
        /// The text of the query file named in `query`.
        pub query: String,
        pub params: Vec<(String, Param)>,
        pub expected: String,
    }

    pub fn sql_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sql")
    }

    fn read(p: &Path) -> String {
        std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    /// Every case, by name.
    pub fn all() -> Vec<Case> {
        let tests = sql_dir().join("tests");
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(&tests)
            .expect("sql/tests")
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        dirs.iter().map(|d| load(d, &tests)).collect()
    }

    fn load(dir: &Path, tests: &Path) -> Case {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let setup = read(&dir.join("setup.sql"))
            .lines()
            .map(|line| match line.strip_prefix("-- include: ") {
                Some(file) => read(&tests.join(file.trim())),
                None => format!("{line}\n"),
            })
            .collect();
        let query = read(
            &sql_dir()
                .join("queries")
                .join(read(&dir.join("query")).trim()),
        );
        let params = match std::fs::read_to_string(dir.join("params.json")) {
            Err(_) => Vec::new(),
            Ok(text) => {
                let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{name}/params.json: {e}"));
                map.into_iter()
                    .map(|(k, v)| {
                        let p = match v {
                            serde_json::Value::String(s) => Param::Text(s),
                            serde_json::Value::Array(items) => Param::List(
                                items
                                    .into_iter()
                                    .map(|i| match i {
                                        serde_json::Value::String(s) => s,
                                        other => panic!("{name}: {k} holds {other}, not a string"),
                                    })
                                    .collect(),
                            ),
                            other => panic!("{name}: {k} is {other}, not a string or array"),
                        };
                        (k, p)
                    })
                    .collect()
            }
        };
        Case {
            expected: read(&dir.join("expected.tsv")),
            name,
            setup,
            query,
            params,
        }
    }
}
