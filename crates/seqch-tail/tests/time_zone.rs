//! Days are the user's days: the system's time zone (`$TZ`, else `/etc/localtime`) unless
//! `--tz` names another, as in ccusage.

use std::process::Command;

fn days(tz_env: &str, flags: &[&str]) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!("seqch-tz-{}", std::process::id()));
    let project = dir.join("projects/p");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("S.jsonl"),
        r#"{"type":"assistant","timestamp":"2026-03-18T23:30:00.000Z","sessionId":"S","cwd":"/w","uuid":"u1","requestId":"r1","message":{"id":"m1","model":"claude-sonnet-4-6","role":"assistant","content":[],"usage":{"input_tokens":1000,"output_tokens":100}}}
"#,
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_seqch-tail"))
        .args(["summary", "--json", "--claude-dir"])
        .arg(dir.join("projects"))
        .arg("--codex-dir")
        .arg(dir.join("none"))
        .args(flags)
        .env("TZ", tz_env)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["kind"] == "usage")
        .map(|v| v["day"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_call_is_on_the_day_of_the_system_time_zone_unless_tz_says_otherwise() {
    assert_eq!(days("Asia/Tokyo", &[]), ["2026-03-19"]);
    assert_eq!(days("America/Los_Angeles", &[]), ["2026-03-18"]);
    assert_eq!(days("Asia/Tokyo", &["--tz", "UTC"]), ["2026-03-18"]);
}
