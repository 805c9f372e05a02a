//! A reader that stops early (`seqch-tail summary | head -1`) ends a printing command quietly,
//! as it ends `cat`: no error message, no panic.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn a_closed_pipe_ends_summary_quietly() {
    let dir = std::env::temp_dir().join(format!("seqch-pipe-{}", std::process::id()));
    let project = dir.join("projects/p");
    std::fs::create_dir_all(&project).unwrap();
    // Two thousand sessions: a summary far larger than a pipe's buffer.
    let lines: String = (0..2000)
        .map(|i| {
            format!(
                r#"{{"type":"assistant","timestamp":"2026-03-18T10:00:00.000Z","sessionId":"session-{i}","cwd":"/w","uuid":"u{i}","requestId":"r{i}","message":{{"id":"m{i}","model":"claude-sonnet-4-6","role":"assistant","content":[],"usage":{{"input_tokens":1000,"output_tokens":100}}}}}}"#
            ) + "\n"
        })
        .collect();
    std::fs::write(project.join("S.jsonl"), lines).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_seqch-tail"))
        .args(["summary", "--json", "--claude-dir"])
        .arg(dir.join("projects"))
        .arg("--codex-dir")
        .arg(dir.join("none"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.contains(r#""kind":"usage""#), "{first}");
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert!(
            out.status.success() || out.status.signal() == Some(libc::SIGPIPE),
            "{:?}",
            out.status
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
