//! The daemon end to end against the test server: killed with SIGKILL at random moments during a
//! backfill and restarted, and fed live appends (a partial line completed later, a new
//! sub-agent file); the tables and views then equal one offline pass of the parser.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clickhouse::Client;
use seqch_parse::{Parser, Prices, Summary, sources};

fn cases() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../seqch-parse/tests/fixtures/cases")
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walk(from) {
        let rel = entry.strip_prefix(from).unwrap();
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(&entry, &dest).unwrap();
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p))
        } else {
            out.push(p)
        }
    }
    out
}

/// Every fixture case's logs in one home: `claude/projects/<case>-<project>/…`,
/// `codex/sessions/<case>/…`.
fn corpus(home: &Path) {
    for case in std::fs::read_dir(cases())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
    {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        for project in std::fs::read_dir(case.join("claude/projects"))
            .into_iter()
            .flatten()
            .flatten()
        {
            let dest = home
                .join("claude/projects")
                .join(format!("{name}-{}", project.file_name().to_string_lossy()));
            copy_dir(&project.path(), &dest);
        }
        if case.join("codex/sessions").exists() {
            copy_dir(
                &case.join("codex/sessions"),
                &home.join("codex/sessions").join(&name),
            );
        }
    }
}

/// What one clean offline pass says: calls, token sums, tool calls, failed tool calls, sessions.
fn offline(home: &Path) -> (u64, u64, u64, u64, u64, u64) {
    let mut files = sources::claude_files(&[home.join("claude/projects")]);
    files.extend(sources::codex_files(&home.join("codex/sessions")));
    let mut parser = Parser::new(Prices::embedded());
    let mut summary = Summary::new(jiff::tz::TimeZone::UTC);
    sources::scan(&files, &mut parser, &mut summary);
    let usage = summary.usage();
    let tools = summary.tools();
    (
        usage.iter().map(|u| u.totals.calls).sum(),
        usage.iter().map(|u| u.totals.input_tokens).sum(),
        usage.iter().map(|u| u.totals.output_tokens).sum(),
        tools.iter().map(|t| t.calls).sum(),
        tools.iter().map(|t| t.failed).sum(),
        summary.sessions().len() as u64,
    )
}

async fn in_clickhouse(url: &str, prefix: &str) -> (u64, u64, u64, u64, u64, u64) {
    let c = Client::default().with_url(url);
    let parts = [
        "count() FROM {p}_agent.turns FINAL",
        "sum(input_tokens) FROM {p}_agent.turns FINAL",
        "sum(output_tokens) FROM {p}_agent.turns FINAL",
        "count() FROM {p}_agent.tool_calls FINAL",
        "countIf(ok = 0) FROM {p}_agent.tool_calls FINAL",
        "count() FROM {p}_agent.sessions FINAL",
    ];
    let cols: Vec<String> = parts
        .iter()
        .map(|p| format!("toUInt64(ifNull((SELECT {}), 0))", p.replace("{p}", prefix)))
        .collect();
    let q = format!("SELECT {}", cols.join(", "));
    c.query(&q).fetch_one().await.expect("counts")
}

async fn views_agree(url: &str, prefix: &str) {
    let c = Client::default().with_url(url);
    let q = format!(
        "SELECT toUInt64(ifNull((SELECT sum(calls) FROM {p}_agent.cost_daily), 0)), \
                toUInt64(ifNull((SELECT sum(calls) FROM {p}_agent.tool_success), 0)), \
                toUInt64(ifNull((SELECT count() FROM {p}_agent.turns FINAL), 0)), toUInt64(ifNull((SELECT count() FROM {p}_agent.tool_calls FINAL), 0))",
        p = prefix
    );
    let (daily, tools, turns, calls): (u64, u64, u64, u64) =
        c.query(&q).fetch_one().await.expect("views");
    assert_eq!(
        (daily, tools),
        (turns, calls),
        "views equal their base tables"
    );
}

fn daemon(url: &str, prefix: &str, home: &Path, state: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_seqch-tail"));
    cmd.arg("run")
        .args([
            "--url",
            url,
            "--database-prefix",
            prefix,
            "--poll-ms",
            "20",
            "--grace-ms",
            "100",
            "--rescan-ms",
            "200",
        ])
        .arg("--claude-dir")
        .arg(home.join("claude/projects"))
        .arg("--codex-dir")
        .arg(home.join("codex/sessions"))
        .arg("--state-dir")
        .arg(state)
        .args(extra)
        .env("RUST_BACKTRACE", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

async fn setup() -> Option<(String, String, PathBuf)> {
    let url = seqch_testkit::clickhouse_url()?;
    let prefix = seqch_testkit::unique_name("tail");
    let dbs = seqch_writer::schema::Databases::prefixed(&prefix);
    seqch_writer::schema::apply(&Client::default().with_url(&url), &dbs)
        .await
        .expect("schema");
    let dir = std::env::temp_dir().join(&prefix);
    std::fs::create_dir_all(&dir).unwrap();
    Some((url, prefix, dir))
}

fn kill(mut child: Child) {
    unsafe { libc_kill(child.id() as i32, 9) };
    let _ = child.wait();
}

unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_moments_then_restart_gives_the_single_pass() {
    let Some((url, prefix, dir)) = setup().await else {
        return;
    };
    let home = dir.join("home");
    corpus(&home);
    let state = dir.join("state");
    let want = offline(&home);
    assert!(
        want.0 > 500 && want.3 > 500,
        "a corpus worth killing: {want:?}"
    );

    // 24 kills at pseudo-random moments from 5 to 400 ms into a run.
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    for _ in 0..24 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let child = daemon(&url, &prefix, &home, &state, &[])
            .spawn()
            .expect("spawn");
        std::thread::sleep(Duration::from_millis(5 + seed % 400));
        kill(child);
    }
    let status = daemon(&url, &prefix, &home, &state, &["--once"])
        .status()
        .expect("final pass");
    assert!(status.success());
    assert_eq!(in_clickhouse(&url, &prefix).await, want);
    views_agree(&url, &prefix).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_appends_partial_lines_and_new_files() {
    let Some((url, prefix, dir)) = setup().await else {
        return;
    };
    let source = dir.join("source");
    corpus(&source);
    let home = dir.join("home");
    let state = dir.join("state");
    std::fs::create_dir_all(home.join("claude/projects")).unwrap();
    std::fs::create_dir_all(home.join("codex/sessions")).unwrap();
    let mut daemon = daemon(&url, &prefix, &home, &state, &[])
        .spawn()
        .expect("spawn");

    // Write the corpus into the watched home while the daemon runs: every file in pieces cut
    // mid-line, so that partial lines are seen and completed later. Files are written in path
    // order, the order the offline pass reads them in (the one-line sample files of one case
    // hold tool results in files that sort before their calls' files).
    let mut files = walk(&source);
    files.sort();
    for (n, f) in files.iter().enumerate() {
        let bytes = std::fs::read(f).unwrap();
        let dest = home.join(f.strip_prefix(&source).unwrap());
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        let mut out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&dest)
            .unwrap();
        let mut at = 0;
        while at < bytes.len() {
            let end = (at + 7919 + n * 13).min(bytes.len());
            out.write_all(&bytes[at..end]).unwrap();
            out.flush().unwrap();
            at = end;
            if n % 17 == 0 {
                std::thread::sleep(Duration::from_millis(3));
            }
        }
    }
    let want = offline(&home);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let got = in_clickhouse(&url, &prefix).await;
        if got == want || Instant::now() > deadline {
            assert_eq!(got, want);
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    unsafe { libc_kill(daemon.id() as i32, 15) };
    let status = daemon.wait().unwrap();
    assert!(status.success(), "SIGTERM exits 0: {status:?}");
    views_agree(&url, &prefix).await;
}
