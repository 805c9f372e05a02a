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

/// The pinned Codex CLI that `scripts/codex.sh install` put in the cache, or `None` (after
/// printing why) when it is not there and this is not CI.
///
/// # Panics
/// When `CI=true` and it is missing: `scripts/test.sh` installs it.
pub fn codex_bin() -> Option<std::path::PathBuf> {
    let out = std::process::Command::new("bash")
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/codex.sh"))
        .arg("path")
        .output()
        .expect("scripts/codex.sh");
    if out.status.success() {
        return Some(String::from_utf8_lossy(&out.stdout).trim().into());
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but codex is not installed: scripts/test.sh runs scripts/codex.sh install"
    );
    eprintln!("skipped: codex not installed (scripts/codex.sh install)");
    None
}

/// What the review bridge's tests need around the real `codex`: a stand-in for the model and a
/// repository to review.
pub mod review {
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    /// The model stand-in, killed when dropped.
    pub struct StandIn {
        child: Child,
        /// Its loopback port.
        pub port: u16,
    }

    impl StandIn {
        /// Starts it, logging to `dir/standin.log`.
        pub fn start(dir: &Path) -> StandIn {
            let port_file = dir.join("port");
            // Owned by the StandIn at once, so that a failed start still stops the process.
            let mut standin = StandIn {
                child: Command::new("python3")
                    .arg(
                        Path::new(env!("CARGO_MANIFEST_DIR"))
                            .join("../seqch-tail/tests/review/responses_standin.py"),
                    )
                    .arg("--port-file")
                    .arg(&port_file)
                    .arg("--log")
                    .arg(dir.join("standin.log"))
                    .spawn()
                    .expect("python3"),
                port: 0,
            };
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if let Some(port) = std::fs::read_to_string(&port_file)
                    .ok()
                    .and_then(|p| p.trim().parse().ok())
                {
                    standin.port = port;
                    return standin;
                }
                assert!(Instant::now() < deadline, "the stand-in did not start");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    impl Drop for StandIn {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    /// A git repository with one commit and an uncommitted change, and a `CODEX_HOME` whose model
    /// provider is the stand-in at `port` (retries off, so failures come at once).
    pub fn workspace(dir: &Path, port: u16) -> (PathBuf, PathBuf) {
        let repo = dir.join("repo");
        std::fs::create_dir_all(&repo).unwrap();
        let git = |args: &[&str]| {
            let ok = Command::new("git")
                .args(["-c", "user.email=t@example.com", "-c", "user.name=t"])
                .args(args)
                .current_dir(&repo)
                .stdout(Stdio::null())
                .status()
                .unwrap()
                .success();
            assert!(ok, "git {args:?}");
        };
        git(&["init", "-q"]);
        std::fs::write(repo.join("stats.py"), "def mean(xs):\n    return sum(xs)\n").unwrap();
        git(&["add", "."]);
        git(&["commit", "-qm", "init"]);
        std::fs::write(
            repo.join("stats.py"),
            "def mean(xs):\n    total = sum(xs)\n    return round(total / len(xs), 2)\n",
        )
        .unwrap();
        let home = dir.join("codex-home");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::write(
            home.join("config.toml"),
            format!(
                "model_provider = \"standin\"\nmodel = \"standin-model\"\n\
                 [model_providers.standin]\nname = \"standin\"\n\
                 base_url = \"http://127.0.0.1:{port}/v1\"\nwire_api = \"responses\"\n\
                 env_key = \"SEQCH_STANDIN_API_KEY\"\nrequest_max_retries = 0\nstream_max_retries = 0\n"
            ),
        )
        .unwrap();
        (repo, home)
    }
}
