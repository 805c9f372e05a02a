//! A backfill's progress is counted in the files' own bytes, as its total is: for an archived
//! `.jsonl.zst` session, its compressed size, not the size of what it decompresses to (the
//! daemon ends bulk batches when an eighth of that total is left).

use std::process::Command;

#[test]
fn an_archived_session_counts_its_compressed_bytes() {
    let dir = std::env::temp_dir().join(format!("seqch-backfill-progress-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let archived = dir.join("codex/archived_sessions");
    std::fs::create_dir_all(&archived).unwrap();
    std::fs::create_dir_all(dir.join("codex/sessions")).unwrap();
    std::fs::create_dir_all(dir.join("claude/projects")).unwrap();
    let mut lines = vec![
        r#"{"timestamp":"2026-05-11T08:27:17.490Z","type":"session_meta","payload":{"id":"th-1","timestamp":"2026-05-11T08:26:55.042Z","cwd":"/p","cli_version":"0.125.0"}}"#.to_owned(),
        r#"{"timestamp":"2026-05-11T08:27:17.493Z","type":"turn_context","payload":{"model":"gpt-5.5","cwd":"/p"}}"#.to_owned(),
    ];
    for i in 0..400 {
        lines.push(format!(
            r#"{{"timestamp":"2026-05-11T08:28:{:02}.000Z","type":"event_msg","payload":{{"type":"agent_message","message":"working on it"}}}}"#,
            i % 60
        ));
    }
    let text = lines.join("\n") + "\n";
    let compressed = zstd::encode_all(text.as_bytes(), 19).unwrap();
    // Under a KiB, the progress line prints it in bytes; decompressed, it is far more.
    assert!(compressed.len() < 1024 && text.len() > 32 << 10);
    std::fs::write(
        archived.join("rollout-2026-05-11T11-26-55-th-1.jsonl.zst"),
        &compressed,
    )
    .unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_seqch-tail"))
        .args(["run", "--once", "--claude-dir"])
        .arg(dir.join("claude/projects"))
        .arg("--codex-dir")
        .arg(dir.join("codex/sessions"))
        .arg("--state-dir")
        .arg(dir.join("state"))
        .env_remove("SEQ_CH_URL")
        .env("HOME", &dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let want = format!("backfill: 1 files, {} B,", compressed.len());
    assert!(stderr.contains(&want), "want {want:?} in {stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}
