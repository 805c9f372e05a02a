//! `seqch-tail config`: the file < environment < flags layering, and the password masked.

use std::process::Command;

#[test]
fn file_then_environment_then_flags() {
    let dir = std::env::temp_dir().join(format!("seqch-cli-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("config.toml");
    std::fs::write(
        &file,
        "url = \"http://from-file:8123\"\npassword = \"s3cret\"\npoll_ms = 50\ngrace_ms = 70\n",
    )
    .unwrap();
    let config = |env: &[(&str, &str)], flags: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_seqch-tail"))
            .args(["config", "--json", "--config"])
            .arg(&file)
            .args(flags)
            .env_remove("SEQ_CH_URL")
            .env_remove("SEQ_CH_PASSWORD")
            .envs(env.iter().copied())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let c = config(&[], &[]);
    assert_eq!(
        (
            c["url"].as_str(),
            c["poll_ms"].as_u64(),
            c["grace_ms"].as_u64()
        ),
        (Some("http://from-file:8123"), Some(50), Some(70))
    );
    assert_eq!(c["password"], "********");
    let c = config(
        &[("SEQ_CH_URL", "http://from-env:8123")],
        &["--poll-ms", "7"],
    );
    assert_eq!(
        (
            c["url"].as_str(),
            c["poll_ms"].as_u64(),
            c["grace_ms"].as_u64()
        ),
        (Some("http://from-env:8123"), Some(7), Some(70))
    );
    let c = config(
        &[("SEQ_CH_URL", "http://from-env:8123")],
        &["--url", "http://from-flag:8123"],
    );
    assert_eq!(c["url"], "http://from-flag:8123");
    std::fs::write(&file, "urll = \"typo\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_seqch-tail"))
        .args(["config", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("unknown field")
    );
}
