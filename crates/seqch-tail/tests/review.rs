//! `seqch-tail review` against the real `codex app-server` (0.169.0, `scripts/codex.sh`), with
//! a loopback stand-in for the model (`tests/review/responses_standin.py`): the only part that
//! cannot be real here. The printed JSON and the rows in `agent.reviews` / `review_findings`
//! are exact; the tailer then reads the same rollout files and changes nothing. Without the
//! model, the review stops at its deadline and is recorded as interrupted.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::seqch;
use seqch_testkit::review::{StandIn, workspace};
use seqch_writer::schema::Databases;

/// `seqch-tail review --uncommitted …` on `repo` with the codex of `home`.
fn review_command(
    url: &str,
    prefix: &str,
    codex: &Path,
    repo: &Path,
    home: &Path,
    timeout: &str,
) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_seqch-tail"));
    cmd.args(["review", "--uncommitted", "--timeout", timeout])
        .arg("--project")
        .arg(repo)
        .arg("--codex-bin")
        .arg(codex)
        .args(["--url", url, "--database-prefix", prefix])
        .env("CODEX_HOME", home)
        .env("SEQCH_STANDIN_API_KEY", "sk-standin-not-a-real-key")
        .env("SEQCH_CONFIG", "/nonexistent/seqch.toml")
        .env("XDG_STATE_HOME", home.join("state"));
    cmd
}

/// `seqch-tail review --json …`: its exit code and JSON.
fn review(
    url: &str,
    prefix: &str,
    codex: &Path,
    repo: &Path,
    home: &Path,
    timeout: &str,
) -> (i32, serde_json::Value) {
    let out = review_command(url, prefix, codex, repo, home, timeout)
        .arg("--json")
        .output()
        .expect("seqch-tail review");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{e}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap_or(-1), json)
}

fn query(url: &str, prefix: &str, sql: &str) -> String {
    let sql = Databases::prefixed(prefix).rewrite(sql).into_owned();
    let out = Command::new("curl")
        .args(["-fsS", url, "--data-binary", &sql])
        .output()
        .expect("curl");
    assert!(out.status.success(), "{sql}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_review_through_the_real_codex_is_printed_recorded_and_not_doubled() {
    let Some(url) = seqch_testkit::clickhouse_url() else {
        return;
    };
    let Some(codex) = seqch_testkit::codex_bin() else {
        return;
    };
    let prefix = seqch_testkit::unique_name("review");
    seqch(&url, &prefix, &["schema", "apply"]);
    let dir = std::env::temp_dir().join(&prefix);
    std::fs::create_dir_all(&dir).unwrap();
    let standin = StandIn::start(&dir);
    let (repo, home) = workspace(&dir, standin.port);

    let (code, r) = review(&url, &prefix, &codex, &repo, &home, "120");
    assert_eq!(code, 1, "findings: exit 1; {r}");
    assert_eq!(r["status"], "completed");
    assert_eq!(r["verdict"], "patch is incorrect");
    assert_eq!(r["confidence"], 0.85);
    assert_eq!(r["explanation"], "The new mean() crashes on an empty list.");
    assert_eq!(r["target_kind"], "uncommittedChanges");
    assert_eq!(r["model"], "standin-model");
    assert_eq!(
        (r["input_tokens"].as_u64(), r["output_tokens"].as_u64()),
        (Some(1200), Some(300))
    );
    let findings = r["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2);
    let stats = repo.join("stats.py").display().to_string();
    assert_eq!(findings[0]["priority"], 1);
    assert_eq!(
        findings[0]["title"],
        "[P1] Division by zero when the list is empty"
    );
    assert_eq!(findings[0]["file"], stats.as_str());
    assert_eq!(
        (
            findings[0]["line_start"].as_u64(),
            findings[0]["line_end"].as_u64()
        ),
        (Some(2), Some(3))
    );
    assert_eq!(findings[1]["priority"], 3);
    let thread = r["thread_id"].as_str().unwrap();
    let review_id = r["review_id"].as_str().unwrap();
    assert!(review_id.starts_with(&format!("{thread}:")));
    assert!(r["rollout"].as_str().unwrap().contains(thread));

    // Exactly these rows, read back.
    let reviews_sql = "SELECT review_id, session_id, project_path, target_kind, status, verdict, \
        confidence, findings, reviewer_session_id, model, input_tokens, cached_tokens, output_tokens \
        FROM agent.reviews FINAL FORMAT TSV";
    let reviews = query(&url, &prefix, reviews_sql);
    assert_eq!(
        reviews,
        format!(
            "{review_id}\t{thread}\t{}\tuncommittedChanges\tcompleted\tpatch is incorrect\t0.85\t2\t{}\tstandin-model\t1200\t200\t300\n",
            repo.display(),
            r["reviewer_session_id"].as_str().unwrap()
        )
    );
    let findings_sql = "SELECT idx, priority, confidence, title, file_path, line_start, line_end \
        FROM agent.review_findings FINAL ORDER BY idx FORMAT TSV";
    let findings_rows = query(&url, &prefix, findings_sql);
    assert_eq!(
        findings_rows,
        format!(
            "0\t1\t0.9\t[P1] Division by zero when the list is empty\t{stats}\t2\t3\n\
             1\t3\t0.4\t[P3] Name the rounding precision\t{stats}\t3\t3\n"
        )
    );
    let everything = "SELECT (SELECT count() FROM agent.reviews), (SELECT count() FROM agent.review_findings), \
        (SELECT count() FROM agent.turns FINAL), (SELECT count() FROM agent.sessions FINAL), \
        (SELECT sum(input_tokens) FROM agent.turns FINAL) FORMAT TSV";
    let before = query(&url, &prefix, everything);
    let final_rows = |sql: &str| query(&url, &prefix, sql);
    let (reviews_before, findings_before) = (final_rows(reviews_sql), final_rows(findings_sql));

    // The tailer reads the same rollouts later: nothing changes, nothing is doubled.
    let empty = dir.join("no-claude");
    std::fs::create_dir_all(&empty).unwrap();
    seqch(
        &url,
        &prefix,
        &[
            "run",
            "--once",
            "--claude-dir",
            empty.to_str().unwrap(),
            "--codex-dir",
            home.join("sessions").to_str().unwrap(),
            "--state-dir",
            dir.join("tail-state").to_str().unwrap(),
        ],
    );
    assert_eq!(final_rows(reviews_sql), reviews_before);
    assert_eq!(final_rows(findings_sql), findings_before);
    let after = query(
        &url,
        &prefix,
        "SELECT (SELECT count() FROM agent.reviews FINAL), (SELECT count() FROM agent.review_findings FINAL), \
         (SELECT count() FROM agent.turns FINAL), (SELECT count() FROM agent.sessions FINAL), \
         (SELECT sum(input_tokens) FROM agent.turns FINAL) FORMAT TSV",
    );
    let logical_before = before.split('\t').skip(2).collect::<Vec<_>>().join("\t");
    assert_eq!(after, format!("1\t2\t{logical_before}"));

    // Without --json: the findings as a person reads them.
    let out = review_command(&url, &prefix, &codex, &repo, &home, "120")
        .output()
        .expect("seqch-tail review");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for line in [
        "verdict: patch is incorrect, confidence 0.85".to_owned(),
        format!("[P1] {stats}:2-3  [P1] Division by zero when the list is empty"),
        "    `mean` divides by `len(xs)` without checking for an empty list, so `mean([])` raises ZeroDivisionError instead of returning a value.".to_owned(),
        format!("[P3] {stats}:3-3  [P3] Name the rounding precision"),
    ] {
        assert!(text.lines().any(|l| l == line), "no line {line:?} in\n{text}");
    }
    assert!(
        text.contains("\n2 findings; reviewer standin-model used 1200 input and 300 output tokens"),
        "{text}"
    );
    drop(standin);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn without_a_model_the_review_stops_at_its_deadline_and_is_recorded_interrupted() {
    let Some(url) = seqch_testkit::clickhouse_url() else {
        return;
    };
    let Some(codex) = seqch_testkit::codex_bin() else {
        return;
    };
    let prefix = seqch_testkit::unique_name("review_down");
    seqch(&url, &prefix, &["schema", "apply"]);
    let dir = std::env::temp_dir().join(&prefix);
    std::fs::create_dir_all(&dir).unwrap();
    // Nothing listens on the stand-in's port: a port of a stopped stand-in.
    let port = StandIn::start(&dir).port;
    let (repo, home) = workspace(&dir, port);
    let started = Instant::now();
    let (code, r) = review(&url, &prefix, &codex, &repo, &home, "4");
    assert_eq!(code, 3, "{r}");
    assert_eq!(r["status"], "timed_out");
    assert!(
        r["error"]
            .as_str()
            .unwrap()
            .contains("no result within 4 s"),
        "{r}"
    );
    assert!(started.elapsed() < Duration::from_secs(60));
    let rows = query(
        &url,
        &prefix,
        "SELECT status, findings, verdict FROM agent.reviews FINAL FORMAT TSV",
    );
    assert_eq!(rows, "interrupted\t0\t\n");
    let _ = std::fs::remove_dir_all(&dir);
}
