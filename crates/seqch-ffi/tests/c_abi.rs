//! C programs against the built `libseqch.so` and a real server: a `dlopen` caller using the
//! exact v1 function-pointer types pushes to every v1 table, and a v2 caller exercises result
//! codes and bad input; the rows are asserted in ClickHouse. The C and C++ examples are
//! compiled and run too.

use std::path::{Path, PathBuf};
use std::process::Command;

use clickhouse::Client;
use seqch_writer::schema::{self, Databases};

/// The directory of `libseqch.so`: the profile directory this test binary was built in.
fn lib_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap().to_path_buf();
    assert!(
        dir.join("libseqch.so").exists() || dir.join("libseqch.dylib").exists(),
        "libseqch not built in {}",
        dir.display()
    );
    dir
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn compile(compiler: &str, src: &Path, out: &Path, link: &[String]) {
    let status = Command::new(compiler)
        .args(["-Wall", "-Wextra", "-Werror", "-o"])
        .arg(out)
        .arg(src)
        .arg("-I")
        .arg(root().join("include"))
        .arg("-I")
        .arg(root().join("bindings/cpp"))
        .args(link)
        .status()
        .unwrap_or_else(|e| panic!("{compiler}: {e}"));
    assert!(status.success(), "{compiler} failed on {}", src.display());
}

fn linked() -> Vec<String> {
    let dir = lib_dir();
    vec![
        format!("-L{}", dir.display()),
        "-lseqch".into(),
        format!("-Wl,-rpath,{}", dir.display()),
    ]
}

fn run(exe: &Path, envs: &[(&str, String)]) -> String {
    let out = Command::new(exe)
        .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{} exited {:?}\nstdout: {stdout}\nstderr: {}",
        exe.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

async fn setup(url: &str) -> (Databases, String, PathBuf) {
    let prefix = seqch_testkit::unique_name("ffi");
    let dbs = Databases::prefixed(&prefix);
    schema::apply(&Client::default().with_url(url), &dbs)
        .await
        .expect("schema");
    let tmp = std::env::temp_dir().join(&prefix);
    std::fs::create_dir_all(&tmp).unwrap();
    (dbs, prefix, tmp)
}

async fn count(url: &str, dbs: &Databases, sql: &str) -> u64 {
    Client::default()
        .with_url(url)
        .query(&dbs.rewrite(sql))
        .fetch_one()
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[tokio::test]
async fn v1_symbols_through_dlopen_write_every_v1_table() {
    let Some(url) = seqch_testkit::clickhouse_url() else {
        return;
    };
    let (dbs, prefix, tmp) = setup(&url).await;
    let exe = tmp.join("v1_dlopen");
    compile(
        "cc",
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/v1_dlopen.c"),
        &exe,
        &["-ldl".into()],
    );
    let port = url
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches('/')
        .to_owned();
    let out = run(
        &exe,
        &[
            (
                "LIBSEQCH",
                lib_dir().join("libseqch.so").display().to_string(),
            ),
            ("SEQCH_TEST_PORT", port),
            ("SEQCH_TEST_DB", dbs.seq.clone()),
            ("SEQ_CH_DATABASE_PREFIX", prefix),
            ("SEQ_CH_SPOOL_DIR", tmp.join("spool").display().to_string()),
            // Not a mode: a v1 writer, handed a server, still sends.
            ("SEQ_CH_MODE", "auto".into()),
        ],
    );
    assert!(out.contains("inserted=902"), "{out}");
    for (sql, want) in [
        ("SELECT count() FROM seq.mem_events", 100),
        ("SELECT countIf(subject IS NULL) FROM seq.mem_events", 50),
        ("SELECT count() FROM seq.trace_events", 100),
        ("SELECT count() FROM seq.context", 100),
        (
            "SELECT countIf(status = 'finished') FROM hive.supersteps",
            25,
        ),
        ("SELECT count() FROM hive.model_invocations", 100),
        ("SELECT count() FROM hive.tool_calls", 100),
        ("SELECT count() FROM agent.sessions FINAL", 100),
        ("SELECT sum(input_tokens) FROM agent.turns FINAL", 100_000),
        ("SELECT countIf(ok = 0) FROM agent.tool_calls FINAL", 10),
        (
            "SELECT count() FROM agent.tool_calls FINAL WHERE tool_name = 'Read'",
            2,
        ),
    ] {
        assert_eq!(count(&url, &dbs, sql).await, want, "{sql}");
    }
}

#[tokio::test]
async fn v2_result_codes_and_bad_input() {
    let Some(url) = seqch_testkit::clickhouse_url() else {
        return;
    };
    let (dbs, prefix, tmp) = setup(&url).await;
    let exe = tmp.join("v2");
    compile(
        "cc",
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/v2.c"),
        &exe,
        &linked(),
    );
    let out = run(
        &exe,
        &[
            ("SEQCH_TEST_URL", url.clone()),
            ("SEQCH_TEST_PREFIX", prefix),
            ("SEQCH_TEST_SPOOL", tmp.join("spool").display().to_string()),
        ],
    );
    assert!(out.contains("ok"), "{out}");
    assert_eq!(
        count(
            &url,
            &dbs,
            "SELECT count() FROM agent.turns FINAL WHERE session_id = 'v2-session'"
        )
        .await,
        1001
    );
    assert_eq!(
        count(
            &url,
            &dbs,
            "SELECT count() FROM agent.turns FINAL WHERE model = '\u{FFFD}\u{FFFD}'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &url,
            &dbs,
            "SELECT max(length(input_summary)) FROM agent.tool_calls FINAL"
        )
        .await,
        1 << 20
    );
}

/// A process killed (SIGKILL) with its rows only in the spool, its server down; the next
/// process on that spool, the server back, replays them once, and a third finds nothing left.
#[tokio::test]
async fn a_killed_process_spool_is_replayed_once_by_the_next() {
    if seqch_testkit::clickhouse_url().is_none() {
        return;
    }
    let dir = std::env::temp_dir().join(seqch_testkit::unique_name("ffi-crash-server"));
    let server = seqch_testkit::PrivateServer::start(&dir);
    let url = server.url.clone();
    let (dbs, prefix, tmp) = setup(&url).await;
    let exe = tmp.join("spool_crash");
    compile(
        "cc",
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/spool_crash.c"),
        &exe,
        &linked(),
    );
    let envs = |phase: &str| {
        [
            ("SEQCH_TEST_PHASE", phase.to_owned()),
            ("SEQCH_TEST_URL", url.clone()),
            ("SEQCH_TEST_PREFIX", prefix.clone()),
            ("SEQCH_TEST_SPOOL", tmp.join("spool").display().to_string()),
        ]
    };
    server.stop();
    let crashed = Command::new(&exe)
        .envs(envs("crash"))
        .output()
        .expect("run");
    server.restart();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        crashed.status.signal(),
        Some(9),
        "killed itself after spooling: {}",
        String::from_utf8_lossy(&crashed.stderr)
    );
    let turns = "SELECT count() FROM agent.turns FINAL WHERE session_id = 'crash'";
    assert_eq!(
        count(&url, &dbs, turns).await,
        0,
        "nothing reached the server"
    );
    let out = run(&exe, &envs("replay"));
    assert!(
        out.contains("replayed=1000 inserted=1000 spool_bytes=0"),
        "{out}"
    );
    assert_eq!(count(&url, &dbs, turns).await, 1000);
    let again = run(&exe, &envs("replay"));
    assert!(
        again.contains("replayed=0 inserted=0 spool_bytes=0"),
        "{again}"
    );
    let physical = "SELECT count() FROM agent.turns WHERE session_id = 'crash'";
    assert_eq!(count(&url, &dbs, physical).await, 1000, "stored once");
}

/// Hive's and seqd's read side: the brief and the budget verdict as JSON in caller buffers.
#[tokio::test]
async fn brief_and_budget_through_the_c_abi() {
    let Some(url) = seqch_testkit::clickhouse_url() else {
        return;
    };
    let (_dbs, prefix, tmp) = setup(&url).await;
    let exe = tmp.join("brief");
    compile(
        "cc",
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/brief.c"),
        &exe,
        &linked(),
    );
    let out = tokio::task::spawn_blocking(move || {
        run(
            &exe,
            &[
                ("SEQCH_TEST_URL", url),
                ("SEQCH_TEST_PREFIX", prefix),
                ("SEQCH_TEST_SPOOL", tmp.join("spool").display().to_string()),
                ("SEQCH_TEST_FILES", tmp.join("files").display().to_string()),
            ],
        )
    })
    .await
    .unwrap();
    let answer = |label: &str| -> serde_json::Value {
        let line = out
            .lines()
            .find_map(|l| l.strip_prefix(label))
            .unwrap_or_else(|| panic!("no {label} in {out}"));
        serde_json::from_str(line).unwrap_or_else(|e| panic!("{label}: {e}: {line}"))
    };
    let brief = answer("BRIEF ");
    assert_eq!(brief["project"], "/w/hive");
    assert_eq!(brief["sessions"][0]["session_id"], "hive-c1");
    let handoff = &brief["handoffs"][0];
    assert_eq!(handoff["session"]["agent"], "claude");
    assert_eq!(handoff["edited"][0]["detail"], "src/main.rs");
    assert_eq!(
        handoff["unresolved"][0]["detail"],
        "GITHUB_TOKEN=[REDACTED] cargo build"
    );
    let markdown = brief["markdown"].as_str().unwrap();
    assert!(markdown.contains("`hive-c1`"), "{markdown}");
    assert!(!out.contains("ghp_"), "a secret left the library: {out}");

    let budget = answer("BUDGET ");
    assert_eq!(budget["verdict"], "local", "{budget}");
    assert_eq!(budget["spent_usd"], 0.75);
    assert_eq!(budget["daily_limit_usd"], 0.5);
    assert_eq!(budget["remaining_usd"], 0.0);
    assert_eq!(budget["spend"][0]["calls"], 2);
    assert_eq!(budget["rate_limits"][0]["used_percent"], 40.5);
    assert_eq!(budget["rate_limits"][0]["exhausted"], false);
    assert_eq!(brief["sessions"][0]["failed_tool_calls"], 1);
}

/// Hive's review: `seq_ch_review` against the real codex and the model stand-in, the JSON in a
/// caller's buffer, the review's rows in ClickHouse.
#[tokio::test]
async fn a_review_through_the_c_abi() {
    let Some(url) = seqch_testkit::clickhouse_url() else {
        return;
    };
    let Some(codex) = seqch_testkit::codex_bin() else {
        return;
    };
    let (dbs, prefix, tmp) = setup(&url).await;
    let standin = seqch_testkit::review::StandIn::start(&tmp);
    let (repo, home) = seqch_testkit::review::workspace(&tmp, standin.port);
    let exe = tmp.join("review");
    compile(
        "cc",
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/review.c"),
        &exe,
        &linked(),
    );
    let envs = [
        ("SEQCH_TEST_URL", url.clone()),
        ("SEQCH_TEST_PREFIX", prefix),
        ("SEQCH_TEST_SPOOL", tmp.join("spool").display().to_string()),
        ("SEQCH_TEST_REPO", repo.display().to_string()),
        ("SEQCH_TEST_CODEX", codex.display().to_string()),
        ("CODEX_HOME", home.display().to_string()),
        ("SEQCH_STANDIN_API_KEY", "sk-standin-not-a-real-key".into()),
    ];
    let out = tokio::task::spawn_blocking(move || run(&exe, &envs))
        .await
        .unwrap();
    let line = out
        .lines()
        .find_map(|l| l.strip_prefix("REVIEW "))
        .unwrap_or_else(|| panic!("no review in {out}"));
    let review: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(review["status"], "completed");
    assert_eq!(review["verdict"], "patch is incorrect");
    assert_eq!(review["findings"].as_array().unwrap().len(), 2);
    assert_eq!(
        count(
            &url,
            &dbs,
            "SELECT count() FROM agent.review_findings FINAL WHERE priority = 1"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &url,
            &dbs,
            "SELECT toUInt64(sum(input_tokens)) FROM agent.reviews FINAL WHERE status = 'completed'"
        )
        .await,
        1200
    );
    drop(standin);
}

#[tokio::test]
async fn c_and_cpp_examples_run() {
    let Some(url) = seqch_testkit::clickhouse_url() else {
        return;
    };
    let (dbs, prefix, tmp) = setup(&url).await;
    let envs = [
        ("SEQ_CH_URL", url.clone()),
        ("SEQ_CH_DATABASE_PREFIX", prefix),
        ("SEQ_CH_SPOOL_DIR", tmp.join("spool").display().to_string()),
    ];
    compile(
        "cc",
        &root().join("examples/c/hello.c"),
        &tmp.join("hello_c"),
        &linked(),
    );
    assert!(run(&tmp.join("hello_c"), &envs).contains("inserted 3"));
    compile(
        "c++",
        &root().join("examples/cpp/hello.cpp"),
        &tmp.join("hello_cpp"),
        &linked(),
    );
    let cpp = run(&tmp.join("hello_cpp"), &envs);
    assert!(cpp.contains("inserted 3"), "{cpp}");
    assert!(cpp.contains(r#"budget {"verdict":"cloud""#), "{cpp}");
    assert_eq!(
        count(
            &url,
            &dbs,
            "SELECT count() FROM agent.turns FINAL WHERE session_id LIKE 'example-%'"
        )
        .await,
        6
    );
}
