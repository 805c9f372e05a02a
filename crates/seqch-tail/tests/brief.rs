//! `seqch-tail context` and `seqch-tail budget` on known rows in the test server (the SQL
//! tests' seed plus `tests/brief/extra.sql`), run as the real binary: the exact brief (golden
//! file), the three routing verdicts, and `--write` keeping the user's text byte for byte.

mod common;

use common::{here, post, seqch};
use seqch_writer::schema::Databases;

fn database(url: &str, project: &str) -> String {
    common::database(url, project, &["tests/brief/extra.sql"])
}

/// 2031-03-10 19:00 UTC: after every row of `/w/app`'s day.
const NOW: &str = "2031-03-10T19:00:00Z";

#[test]
fn the_brief_is_exactly_the_golden_file() {
    let Some(url) = seqch_testkit::clickhouse_url() else {
        return;
    };
    let prefix = database(&url, "/w/app");
    let brief = seqch(
        &url,
        &prefix,
        &["context", "--project", "/w/app", "--now", NOW],
    );
    let golden = here("tests/brief/app.md");
    if std::env::var_os("SEQCH_BLESS").is_some() {
        std::fs::write(&golden, &brief).unwrap();
    }
    assert_eq!(brief, std::fs::read_to_string(&golden).unwrap());
    assert!(!brief.contains("sk-ant-"), "a secret in the brief");

    // The size cap shortens lists first and never exceeds the cap.
    let short = seqch(
        &url,
        &prefix,
        &[
            "context",
            "--project",
            "/w/app",
            "--now",
            NOW,
            "--max-bytes",
            "900",
        ],
    );
    assert!(short.len() <= 900, "{} bytes:\n{short}", short.len());
    assert!(short.starts_with("## Recent agent activity (seqch)"));
}

fn budget(url: &str, prefix: &str, limit: &str) -> serde_json::Value {
    let out = seqch(
        url,
        prefix,
        &["budget", "--json", "--now", NOW, "--daily-limit", limit],
    );
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn budget_verdicts_under_over_and_rate_limited() {
    let Some(url) = seqch_testkit::clickhouse_url() else {
        return;
    };
    let prefix = database(&url, "/w/app");
    // Today (UTC) until 19:00: c1 0.5 + 0.25 + 0.125, x1 0.0625 + 0.125 + 0 (the error call).
    let under = budget(&url, &prefix, "5");
    assert_eq!(under["verdict"], "cloud", "{under}");
    assert_eq!(under["spent_usd"], 1.0625);
    assert_eq!(under["remaining_usd"], 3.9375);
    assert_eq!(
        under["reason"],
        "spent $1.06 of the $5.00 daily limit; busiest rate limit codex codex/secondary at 10.5%"
    );
    assert_eq!(under["spend"][0]["model"], "claude-opus-4-6");
    assert_eq!(under["spend"][0]["calls"], 3);
    assert_eq!(under["spend"][1]["calls"], 3);
    // The primary window reset at 05:00, before the verdict: its 6.5 % no longer counts.
    assert_eq!(under["rate_limits"][0]["window"], "primary");
    assert_eq!(under["rate_limits"][0]["reset"], true);
    assert_eq!(under["rate_limits"][1]["reset"], false);

    let over = budget(&url, &prefix, "1");
    assert_eq!(over["verdict"], "local");
    assert_eq!(
        over["reason"],
        "spent $1.06 today, at or over the daily limit of $1.00"
    );
    assert_eq!(over["remaining_usd"], 0.0);

    // A new snapshot: the primary window full until 23:00.
    post(
        &url,
        &Databases::prefixed(&prefix).rewrite(
            "INSERT INTO agent.rate_limits (ts_ms, session_id, agent, limit_id, `window`, used_percent, window_minutes, resets_at, plan_type) \
             SETTINGS async_insert = 0 VALUES (1930935000000, 'x2', 'codex', 'codex', 'primary', 100.0, 300, 1930950000, 'pro')",
        ),
    );
    let limited = budget(&url, &prefix, "5");
    assert_eq!(limited["verdict"], "local");
    assert_eq!(
        limited["reason"],
        "rate limit codex codex/primary is at 100% (threshold 95%) until 2031-03-10 23:00 UTC"
    );
    assert_eq!(limited["rate_limits"][0]["exhausted"], true);
}

/// The seqch block of a memory file, markers excluded.
fn block(text: &str) -> &str {
    let start = text.find("<!-- seqch:begin").expect("opening marker");
    let body = start + text[start..].find('\n').unwrap() + 1;
    let end = body
        + text[body..]
            .find("<!-- seqch:end -->")
            .expect("closing marker");
    &text[body..end]
}

#[test]
fn write_keeps_the_user_text_and_a_second_run_changes_nothing() {
    let Some(url) = seqch_testkit::clickhouse_url() else {
        return;
    };
    let project = std::env::temp_dir().join(seqch_testkit::unique_name("project"));
    std::fs::create_dir_all(&project).unwrap();
    let project_text = project.to_str().unwrap();
    let prefix = database(&url, project_text);
    let claude_user = "# House rules\n\nRun `cargo test` before committing.\n";
    let agents_user = "Codex: prefer small patches.\n<!-- a comment of the user's -->\n";
    std::fs::write(project.join("CLAUDE.md"), claude_user).unwrap();
    std::fs::write(project.join("AGENTS.md"), agents_user).unwrap();

    let write = || {
        seqch(
            &url,
            &prefix,
            &[
                "context",
                "--project",
                project_text,
                "--now",
                NOW,
                "--write",
            ],
        )
    };
    let first = write();
    assert_eq!(first.matches(": Updated").count(), 2, "{first}");
    let claude = std::fs::read_to_string(project.join("CLAUDE.md")).unwrap();
    let agents = std::fs::read_to_string(project.join("AGENTS.md")).unwrap();
    assert!(claude.starts_with(claude_user), "{claude}");
    assert!(agents.starts_with(agents_user), "{agents}");
    let brief_for = |who: &str| {
        seqch(
            &url,
            &prefix,
            &[
                "context",
                "--project",
                project_text,
                "--now",
                NOW,
                "--for",
                who,
            ],
        )
    };
    assert_eq!(block(&claude), brief_for("claude"));
    assert_eq!(block(&agents), brief_for("codex"));
    assert!(block(&claude).contains("### Latest Codex session (handoff)"));
    assert!(!block(&claude).contains("### Latest Claude Code session"));
    assert!(block(&agents).contains("### Latest Claude Code session (handoff)"));

    let modified = |p: &str| {
        std::fs::metadata(project.join(p))
            .unwrap()
            .modified()
            .unwrap()
    };
    let before = (modified("CLAUDE.md"), modified("AGENTS.md"));
    let second = write();
    assert_eq!(second.matches(": Unchanged").count(), 2, "{second}");
    assert_eq!(
        std::fs::read_to_string(project.join("CLAUDE.md")).unwrap(),
        claude
    );
    assert_eq!(
        std::fs::read_to_string(project.join("AGENTS.md")).unwrap(),
        agents
    );
    assert_eq!((modified("CLAUDE.md"), modified("AGENTS.md")), before);
    std::fs::remove_dir_all(&project).unwrap();
}
