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

/// With `[handoff] enabled`, a session that starts while the daemon runs refreshes its project's
/// memory files with the other agent's latest session; sessions already there at start do not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_session_hands_off_to_the_other_agent() {
    let Some((url, prefix, dir)) = setup().await else {
        return;
    };
    let home = dir.join("home");
    let project = dir.join("project");
    std::fs::create_dir_all(&project).unwrap();
    let user_text = "# Mine\n\nNever touch vendor/.\n";
    std::fs::write(project.join("CLAUDE.md"), user_text).unwrap();
    let config = dir.join("config.toml");
    std::fs::write(&config, "[handoff]\nenabled = true\n").unwrap();
    let cwd = serde_json::to_string(project.to_str().unwrap()).unwrap();
    let at = |ago_s: i64| {
        (jiff::Timestamp::now() - jiff::SignedDuration::from_secs(ago_s))
            .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string()
    };

    // History: a Codex session in the project ten minutes ago whose `cargo build` failed.
    let codex = home.join("codex/sessions/2026/11/24/rollout-history.jsonl");
    std::fs::create_dir_all(codex.parent().unwrap()).unwrap();
    let t = at(600);
    std::fs::write(
        &codex,
        format!(
            r#"{{"timestamp":"{t}","type":"session_meta","payload":{{"id":"hist-codex","timestamp":"{t}","cwd":{cwd},"cli_version":"0.169.0","git":{{"branch":"main"}}}}}}
{{"timestamp":"{t}","type":"turn_context","payload":{{"turn_id":"turn-1","cwd":{cwd},"model":"gpt-5.3-codex"}}}}
{{"timestamp":"{t}","type":"response_item","payload":{{"type":"function_call","name":"exec_command","arguments":"{{\"cmd\":\"cargo build\"}}","call_id":"call_1"}}}}
{{"timestamp":"{t}","type":"response_item","payload":{{"type":"function_call_output","call_id":"call_1","output":"Process exited with code 101\nerror[E0425]"}}}}
{{"timestamp":"{t}","type":"event_msg","payload":{{"type":"token_count","info":{{"total_token_usage":{{"input_tokens":900,"cached_input_tokens":0,"output_tokens":90,"total_tokens":990}},"last_token_usage":{{"input_tokens":900,"cached_input_tokens":0,"output_tokens":90,"total_tokens":990}}}}}}}}
"#
        ),
    )
    .unwrap();
    std::fs::create_dir_all(home.join("claude/projects")).unwrap();
    let state = dir.join("state");
    let config_arg = config.to_str().unwrap();
    let mut child = daemon(&url, &prefix, &home, &state, &["--config", config_arg])
        .spawn()
        .expect("spawn");
    let c = Client::default().with_url(&url);
    let sessions = seqch_writer::schema::Databases::prefixed(&prefix)
        .rewrite("SELECT count() FROM agent.sessions FINAL")
        .into_owned();
    let deadline = Instant::now() + Duration::from_secs(30);
    while c.query(&sessions).fetch_one::<u64>().await.unwrap() < 1 {
        assert!(Instant::now() < deadline, "the history never arrived");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        std::fs::read_to_string(project.join("CLAUDE.md")).unwrap(),
        user_text,
        "history is not a new session"
    );

    // A Claude Code session starts in the project.
    let claude = home.join("claude/projects/-project/new-claude.jsonl");
    std::fs::create_dir_all(claude.parent().unwrap()).unwrap();
    let t = at(0);
    std::fs::write(
        &claude,
        format!(
            r#"{{"type":"user","timestamp":"{t}","sessionId":"new-claude","cwd":{cwd},"gitBranch":"main","uuid":"u1","message":{{"role":"user","content":"carry on"}}}}
{{"type":"assistant","timestamp":"{t}","sessionId":"new-claude","cwd":{cwd},"gitBranch":"main","uuid":"u2","requestId":"req_1","message":{{"id":"msg_1","model":"claude-sonnet-4-5","role":"assistant","content":[{{"type":"text","text":"on it"}}],"usage":{{"input_tokens":10,"output_tokens":5}}}}}}
"#
        ),
    )
    .unwrap();
    // Both memory files are refreshed, CLAUDE.md with the Codex session, AGENTS.md with the new
    // Claude Code one.
    let read = |name: &str| std::fs::read_to_string(project.join(name)).unwrap_or_default();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !(read("CLAUDE.md").contains("exec_command `cargo build` failed 1×")
        && read("AGENTS.md").contains("`new-claude`"))
    {
        assert!(
            Instant::now() < deadline,
            "no handoff:\n{}\n{}",
            read("CLAUDE.md"),
            read("AGENTS.md")
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let text = read("CLAUDE.md");
    assert!(text.starts_with(user_text), "{text}");
    assert!(
        text.contains("### Latest Codex session (handoff)"),
        "{text}"
    );
    let agents = read("AGENTS.md");
    assert!(
        agents.contains("### Latest Claude Code session (handoff)"),
        "{agents}"
    );
    unsafe { libc_kill(child.id() as i32, 15) };
    assert!(child.wait().unwrap().success());
}

/// A Claude Code session of `calls` billed calls, each with one tool call (every third fails).
fn claude_session(id: &str, calls: u32) -> String {
    let mut out = String::new();
    for i in 0..calls {
        let ts = format!("2026-11-20T10:{:02}:{:02}.000Z", i / 60 % 60, i % 60);
        let failed = i % 3 == 2;
        out.push_str(&format!(
            r#"{{"type":"assistant","timestamp":"{ts}","sessionId":"{id}","cwd":"/w/{id}","uuid":"{id}-a{i}","requestId":"req_{id}_{i}","message":{{"id":"msg_{id}_{i}","model":"claude-sonnet-4-5","role":"assistant","content":[{{"type":"tool_use","id":"toolu_{id}_{i}","name":"Bash","input":{{"command":"make {i}"}}}}],"usage":{{"input_tokens":{},"output_tokens":{},"cache_read_input_tokens":{}}}}}}}
{{"type":"user","timestamp":"{ts}","sessionId":"{id}","cwd":"/w/{id}","uuid":"{id}-u{i}","message":{{"role":"user","content":[{{"type":"tool_result","tool_use_id":"toolu_{id}_{i}","content":"done","is_error":{failed}}}]}}}}
"#,
            100 + i,
            10 + i,
            50 * i
        ));
    }
    out
}

/// Files renamed, truncated and rewritten, deleted, a burst of 1,000 new files, and the server
/// stopped and started again, all while the daemon runs: the tables then hold exactly what one
/// offline pass over every file ever written gives (a deleted file's rows stay, a renamed or
/// rewritten file's rows are not doubled).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_come_and_go_while_the_server_restarts() {
    let Some(_) = seqch_testkit::clickhouse_url() else {
        return;
    };
    let prefix = seqch_testkit::unique_name("churn");
    let dir = std::env::temp_dir().join(&prefix);
    let server = seqch_testkit::PrivateServer::start(&dir.join("server"));
    let url = server.url.clone();
    let dbs = seqch_writer::schema::Databases::prefixed(&prefix);
    seqch_writer::schema::apply(&Client::default().with_url(&url), &dbs)
        .await
        .expect("schema");
    let home = dir.join("home");
    // Every file ever written, under its final name: what the offline pass reads.
    let expected = dir.join("expected");
    let projects = home.join("claude/projects/-w");
    std::fs::create_dir_all(&projects).unwrap();
    std::fs::create_dir_all(home.join("codex/sessions")).unwrap();
    let write = |name: &str, text: &str| {
        std::fs::write(projects.join(name), text).unwrap();
        let e = expected.join("claude/projects/-w").join(name);
        std::fs::create_dir_all(e.parent().unwrap()).unwrap();
        std::fs::write(e, text).unwrap();
    };
    write("renamed.jsonl", &claude_session("renamed", 5));
    write("rewritten.jsonl", &claude_session("rewritten", 4));
    write("deleted.jsonl", &claude_session("deleted", 3));
    let state = dir.join("state");
    let mut child = daemon(&url, &prefix, &home, &state, &[])
        .spawn()
        .expect("spawn");
    let settled = |want: (u64, u64, u64, u64, u64, u64)| {
        let url = url.clone();
        let prefix = prefix.clone();
        async move {
            let deadline = Instant::now() + Duration::from_secs(90);
            loop {
                let got = in_clickhouse(&url, &prefix).await;
                if got == want || Instant::now() > deadline {
                    assert_eq!(got, want);
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    settled(offline(&expected)).await;

    // Renamed (same inode, new name), rewritten in place (truncated, then the same lines and
    // more), deleted; and a burst of 1,000 new one-call files.
    std::fs::rename(
        projects.join("renamed.jsonl"),
        projects.join("renamed-2.jsonl"),
    )
    .unwrap();
    std::fs::rename(
        expected.join("claude/projects/-w/renamed.jsonl"),
        expected.join("claude/projects/-w/renamed-2.jsonl"),
    )
    .unwrap();
    std::fs::write(projects.join("rewritten.jsonl"), "").unwrap();
    write("rewritten.jsonl", &claude_session("rewritten", 6));
    std::fs::remove_file(projects.join("deleted.jsonl")).unwrap();
    for n in 0..1000 {
        write(
            &format!("burst-{n:04}.jsonl"),
            &claude_session(&format!("b{n}"), 1),
        );
    }
    // 5 + 6 + 3 + 1,000 calls, each with a tool call (4 failed), in 1,003 sessions.
    let want = offline(&expected);
    assert_eq!((want.0, want.3, want.4, want.5), (1014, 1014, 4, 1003));
    settled(want).await;

    // The server goes away; files keep coming; it returns and the spool drains.
    server.stop();
    write("while-down.jsonl", &claude_session("down", 7));
    std::fs::OpenOptions::new()
        .append(true)
        .open(projects.join("burst-0000.jsonl"))
        .unwrap()
        .write_all(claude_session("b0-more", 2).as_bytes())
        .unwrap();
    std::fs::OpenOptions::new()
        .append(true)
        .open(expected.join("claude/projects/-w/burst-0000.jsonl"))
        .unwrap()
        .write_all(claude_session("b0-more", 2).as_bytes())
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    server.restart();
    settled(offline(&expected)).await;
    // `status` tells what went wrong meanwhile.
    let deadline = Instant::now() + Duration::from_secs(10);
    let shown = loop {
        let out = Command::new(env!("CARGO_BIN_EXE_seqch-tail"))
            .args(["status", "--state-dir"])
            .arg(&state)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        if text.contains("last error") || Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        shown.contains("last error") && shown.contains("failed, spooling"),
        "{shown}"
    );

    unsafe { libc_kill(child.id() as i32, 15) };
    assert!(child.wait().unwrap().success(), "SIGTERM exits 0");
    views_agree(&url, &prefix).await;
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A file larger than one read (8 MiB), with a line larger than one read in its middle: read in
/// pieces, it gives exactly what reading it whole gives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_and_a_line_larger_than_a_read_are_read_in_pieces() {
    let Some((url, prefix, dir)) = setup().await else {
        return;
    };
    let home = dir.join("home");
    let project = home.join("claude/projects/big");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::create_dir_all(home.join("codex/sessions")).unwrap();
    let long = format!(
        r#"{{"type":"user","timestamp":"2026-11-20T11:00:00.000Z","sessionId":"a","cwd":"/w/a","uuid":"long","message":{{"role":"user","content":"{}"}}}}"#,
        "x".repeat(10 << 20)
    );
    let text = [
        claude_session("a", 6000),
        long + "\n",
        claude_session("b", 6000),
    ]
    .concat();
    assert!(text.len() > 2 * (8 << 20));
    std::fs::write(project.join("s.jsonl"), text).unwrap();
    let want = offline(&home);
    assert_eq!(want.0, 12_000);
    let status = daemon(&url, &prefix, &home, &dir.join("state"), &["--once"])
        .status()
        .expect("one pass");
    assert!(status.success());
    assert_eq!(in_clickhouse(&url, &prefix).await, want);
}

/// A daemon that is killed if the test fails before stopping it.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A file that disappears keeps its checkpoint for `--forget-after-ms`, then is forgotten; a
/// file brought back within that time goes on from its offset, its rows not doubled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_disappears_is_forgotten_after_the_grace_period() {
    let Some((url, prefix, dir)) = setup().await else {
        return;
    };
    let home = dir.join("home");
    let state = dir.join("state");
    let project = home.join("claude/projects/-w");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::create_dir_all(home.join("codex/sessions")).unwrap();
    let (gone, back, stays) = (
        project.join("a.jsonl"),
        project.join("b.jsonl"),
        project.join("c.jsonl"),
    );
    std::fs::write(&gone, claude_session("a", 5)).unwrap();
    std::fs::write(&back, claude_session("b", 5)).unwrap();
    std::fs::write(&stays, claude_session("c", 5)).unwrap();
    let offsets = || -> std::collections::BTreeMap<PathBuf, u64> {
        let text = std::fs::read(state.join("checkpoints.json")).unwrap_or_default();
        let json: serde_json::Value = serde_json::from_slice(&text).unwrap_or_default();
        json["files"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(p, c)| (PathBuf::from(p), c["offset"].as_u64().unwrap()))
            .collect()
    };
    let wait_for = |what: &str, done: &dyn Fn() -> bool| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !done() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let forget_after = Duration::from_millis(3000);
    let mut daemon = Running(
        daemon(&url, &prefix, &home, &state, &["--forget-after-ms", "3000"])
            .spawn()
            .expect("spawn"),
    );
    wait_for("three files read", &|| offsets().len() == 3);

    // One file deleted for good, one moved away and brought back; the third keeps growing, so
    // checkpoints are written meanwhile.
    let moved = dir.join("b.jsonl.away");
    std::fs::rename(&back, &moved).unwrap();
    std::fs::remove_file(&gone).unwrap();
    let deleted_at = Instant::now();
    let before = offsets()[&stays];
    let mut out = std::fs::OpenOptions::new()
        .append(true)
        .open(&stays)
        .unwrap();
    out.write_all(claude_session("c2", 1).as_bytes()).unwrap();
    wait_for("the growing file's new offset", &|| {
        offsets()[&stays] > before
    });
    let kept = offsets();
    assert!(
        deleted_at.elapsed() < forget_after,
        "the machine is too slow for this test"
    );
    assert!(
        kept.contains_key(&gone) && kept.contains_key(&back),
        "{kept:?}"
    );
    std::fs::rename(&moved, &back).unwrap();

    wait_for("the deleted file forgotten", &|| {
        !offsets().contains_key(&gone)
    });
    assert!(deleted_at.elapsed() >= forget_after);
    std::thread::sleep(Duration::from_millis(500));
    assert!(offsets().contains_key(&back), "a file back in time is kept");

    unsafe { libc_kill(daemon.0.id() as i32, 15) };
    assert!(daemon.0.wait().unwrap().success());
    // Every call once: 5 + 5 + 5 + 1. Counted without FINAL too: the file that came back was
    // not read again from its start (that would have inserted its 5 calls a second time).
    let client = Client::default().with_url(&url);
    let count = |q: String| {
        let client = client.clone();
        async move { client.query(&q).fetch_one::<u64>().await.unwrap() }
    };
    assert_eq!(
        count(format!("SELECT count() FROM {prefix}_agent.turns FINAL")).await,
        16
    );
    assert_eq!(
        count(format!("SELECT count() FROM {prefix}_agent.turns")).await,
        16
    );
}

/// A line longer than the parser takes (256 MiB) is skipped and counted, without being held
/// whole, and the lines around it are read (file mode: no server needed).
#[test]
fn a_line_over_the_limit_is_skipped_and_counted() {
    let dir = std::env::temp_dir().join(seqch_testkit::unique_name("oversized"));
    let project = dir.join("home/claude/projects/big");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::create_dir_all(dir.join("home/codex/sessions")).unwrap();
    let mut f = std::fs::File::create(project.join("s.jsonl")).unwrap();
    f.write_all(claude_session("before", 1).as_bytes()).unwrap();
    f.write_all(br#"{"type":"user","sessionId":"huge","message":{"content":""#)
        .unwrap();
    let block = vec![b'A'; 1 << 20];
    for _ in 0..(seqch_parse::MAX_LINE_BYTES >> 20) + 1 {
        f.write_all(&block).unwrap();
    }
    f.write_all(b"\"}}\n").unwrap();
    f.write_all(claude_session("after", 1).as_bytes()).unwrap();
    drop(f);

    let out = Command::new(env!("CARGO_BIN_EXE_seqch-tail"))
        .args(["run", "--once", "--mode", "file", "--claude-dir"])
        .arg(project.parent().unwrap())
        .arg("--codex-dir")
        .arg(dir.join("home/codex/sessions"))
        .arg("--state-dir")
        .arg(dir.join("state"))
        .env_remove("SEQ_CH_URL")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("\"oversized\": 1"), "{stdout}");
    let turns = std::fs::read_to_string(dir.join("state/files/agent.turns.jsonl")).unwrap();
    assert_eq!(turns.lines().count(), 2, "{turns}");
    assert!(turns.contains("before") && turns.contains("after"));
    let _ = std::fs::remove_dir_all(&dir);
}
