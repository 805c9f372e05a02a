//! `seqch-tail schema` and `seqch-tail report` against the test server, run as the real binary.

mod common;

use std::process::Command;

use common::{post, run as seqch};

#[test]
fn schema_then_reports_give_exact_numbers() {
    let Some(url) = seqch_testkit::clickhouse_url() else {
        return;
    };
    let prefix = seqch_testkit::unique_name("cli");

    let (ok, _, err) = seqch(&url, &prefix, &["report", "daily"]);
    assert!(!ok);
    assert!(
        err.contains("seqch-tail schema apply"),
        "missing-schema hint: {err}"
    );
    assert!(
        err.contains(&url) && err.contains("daily.sql"),
        "names the server and query: {err}"
    );

    let (ok, out, err) = seqch(&url, &prefix, &["schema", "apply"]);
    assert!(ok, "{err}");
    assert_eq!(out.lines().count(), 6, "{out}");
    let (ok, out, _) = seqch(&url, &prefix, &["schema", "apply"]);
    assert!(ok && out.contains("up to date"), "{out}");
    let (ok, out, _) = seqch(&url, &prefix, &["schema", "status"]);
    assert!(ok && out.matches(" applied").count() == 6, "{out}");

    // Two calls on one day (one streamed twice: the later, larger copy replaces the first),
    // one failed tool call.
    let turns = format!(
        "INSERT INTO {prefix}_agent.turns (ts_ms, session_id, agent, model, input_tokens, output_tokens, cached_tokens, \
         cache_write_tokens, cost_usd, turn_id) SETTINGS async_insert = 0 VALUES \
         (1794873600000, 's1', 'claude', 'claude-opus-4-6', 1000, 10, 600, 100, 0.25, 'm1:r1'), \
         (1794873600000, 's1', 'claude', 'claude-opus-4-6', 1000, 50, 600, 100, 0.5, 'm1:r1'), \
         (1794877200000, 'x1', 'codex', 'gpt-5.5', 2000, 30, 1500, 0, 0.125, 'x1@10')"
    );
    post(&url, &turns);
    let tools = format!(
        "INSERT INTO {prefix}_agent.tool_calls (ts_ms, session_id, agent, tool_name, ok, call_id) SETTINGS async_insert = 0 VALUES \
         (1794873600000, 's1', 'claude', 'Bash', 0, 'toolu_1'), (1794873601000, 's1', 'claude', 'Bash', 1, 'toolu_2')"
    );
    post(&url, &tools);

    let (ok, out, err) = seqch(
        &url,
        &prefix,
        &[
            "report",
            "daily",
            "--since",
            "2026-11-17",
            "--until",
            "2026-11-18",
            "--json",
        ],
    );
    assert!(ok, "{err}");
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2, "{out}");
    assert_eq!(rows[0]["agent"], "claude");
    assert_eq!(rows[0]["output_tokens"], 50);
    assert_eq!(rows[0]["cost_usd"], 0.5);
    assert_eq!(rows[1]["agent"], "codex");
    assert_eq!(rows[1]["input_tokens"], 2000);

    let (ok, out, err) = seqch(
        &url,
        &prefix,
        &[
            "report",
            "tools",
            "--since",
            "2026-11-17",
            "--until",
            "2026-11-18",
        ],
    );
    assert!(ok, "{err}");
    let bash = out
        .lines()
        .find(|l| l.contains("Bash"))
        .unwrap_or_else(|| panic!("{out}"));
    let cells: Vec<&str> = bash.split_whitespace().collect();
    assert_eq!(&cells[..4], ["claude", "Bash", "2", "1"], "{out}");

    for db in ["agent", "seq", "hive"] {
        post(&url, &format!("DROP DATABASE IF EXISTS {prefix}_{db} SYNC"));
    }
}

#[test]
fn file_mode_then_replay_and_status() {
    let Some(url) = seqch_testkit::clickhouse_url() else {
        return;
    };
    let prefix = seqch_testkit::unique_name("replay");
    let state = std::env::temp_dir().join(&prefix);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let bin = env!("CARGO_BIN_EXE_seqch-tail");
    let out = Command::new(bin)
        .args(["run", "--once", "--claude-dir"])
        .arg(root.join("examples/logs/claude/projects"))
        .arg("--codex-dir")
        .arg(root.join("examples/logs/codex/sessions"))
        .arg("--state-dir")
        .arg(&state)
        .env_remove("SEQ_CH_URL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("rows written to JSONEachRow files"));

    assert!(seqch(&url, &prefix, &["schema", "apply"]).0);
    let files = state.join("files");
    let copy = state.join("files.copy");
    std::fs::create_dir_all(&copy).unwrap();
    for f in std::fs::read_dir(&files).unwrap().flatten() {
        std::fs::copy(f.path(), copy.join(f.file_name())).unwrap();
    }
    let replay = |dir: &std::path::Path| {
        let (ok, out, err) = seqch(
            &url,
            &prefix,
            &["replay", "--files-dir", dir.to_str().unwrap()],
        );
        assert!(ok, "{err}");
        out
    };
    assert!(replay(&files).contains("rows from"));
    replay(&copy); // the same rows again: deduplicated
    let count = |sql: &str| -> String {
        let out = Command::new("curl")
            .args(["-fsS", &url, "--data-binary", &sql.replace("{p}", &prefix)])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    // The example logs hold 15 calls and 19 tool calls (what `summary` reports for them).
    assert_eq!(count("SELECT count() FROM {p}_agent.turns FINAL"), "15");
    assert_eq!(
        count("SELECT count() FROM {p}_agent.tool_calls FINAL"),
        "19"
    );

    let status = Command::new(bin)
        .args(["status", "--state-dir"])
        .arg(&state)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(
        status.status.success()
            && text.contains("5 files tracked, 0 behind")
            && text.contains("filed 63"),
        "{text}"
    );
}
