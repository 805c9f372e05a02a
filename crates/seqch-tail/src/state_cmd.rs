//! `seqch-tail status` and `seqch-tail replay`: what the daemon has read and holds, and sending
//! file mode's JSONEachRow files to a server.

use std::path::PathBuf;
use std::time::SystemTime;

use anyhow::{Context, Result};
use clap::Args;
use seqch_writer::schema::query_text;
use seqch_writer::{LastError, Stats};
use serde::{Deserialize, Serialize};

use crate::checkpoint::Checkpoints;
use crate::server::{ServerArgs, explain};
use crate::table::Table;

/// Milliseconds since the Unix epoch (0 for a clock set before it).
pub fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// What the daemon saves beside its checkpoints.
#[derive(Debug, Serialize, Deserialize)]
pub struct DaemonStatus {
    pub pid: u32,
    pub updated_unix_ms: u64,
    pub mode: String,
    pub target: String,
    pub writer: Stats,
    /// The latest delivery error or unreadable file.
    #[serde(default)]
    pub last_error: Option<LastError>,
}

pub fn default_state_dir() -> PathBuf {
    seqch_writer::config::state_dir()
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    /// The daemon's state directory (default: $XDG_STATE_HOME/seqch or ~/.local/state/seqch).
    #[arg(long, env = "SEQCH_STATE_DIR")]
    state_dir: Option<PathBuf>,
    /// List every tracked file, not only those behind.
    #[arg(long)]
    all: bool,
}

pub fn status(args: &StatusArgs) -> Result<()> {
    let state = args.state_dir.clone().unwrap_or_else(default_state_dir);
    let checkpoints = Checkpoints::load(&state.join("checkpoints.json"))?.with_context(|| {
        format!(
            "no checkpoints in {}: has `seqch-tail run` started there?",
            state.display()
        )
    })?;
    let now = SystemTime::now();
    let mut table = Table::new(["File", "Read", "Size", "Behind (bytes)", "Behind (s)"]);
    let (mut tracked, mut behind_files, mut behind_bytes) = (0u64, 0u64, 0u64);
    for (path, c) in &checkpoints.files {
        tracked += 1;
        let meta = std::fs::metadata(path).ok();
        let size = meta.as_ref().map_or(0, |m| m.len());
        let lag = size.saturating_sub(c.offset);
        let age = meta
            .and_then(|m| m.modified().ok())
            .and_then(|m| now.duration_since(m).ok())
            .map_or(0, |d| d.as_secs());
        if lag > 0 {
            behind_files += 1;
            behind_bytes += lag;
        }
        if lag > 0 || args.all {
            table.row([
                path.display().to_string(),
                c.offset.to_string(),
                size.to_string(),
                lag.to_string(),
                if lag > 0 { age.to_string() } else { "0".into() },
            ]);
        }
    }
    println!("{tracked} files tracked, {behind_files} behind by {behind_bytes} bytes in all");
    if behind_files > 0 || args.all {
        table.print(&mut std::io::stdout())?;
    }
    let spool = seqch_writer::spool::census(&state.join("spool"));
    println!(
        "spool: {} batches, {} bytes; dead letters: {} (in the dead/ directories under {})",
        spool.batches,
        spool.bytes,
        spool.dead,
        state.join("spool").display()
    );
    match std::fs::read(state.join("status.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<DaemonStatus>(&b).ok())
    {
        Some(s) => {
            let ago = unix_ms(now).saturating_sub(s.updated_unix_ms) / 1000;
            println!(
                "daemon pid {} ({} mode, to {}), counters as of {ago} s ago:",
                s.pid, s.mode, s.target
            );
            let w = s.writer;
            println!(
                "  pushed {}  inserted {}  spooled {}  replayed {}  retried {}  dead-lettered {}  refused {}  filed {}  errors {}",
                w.pushed,
                w.inserted,
                w.spooled,
                w.replayed,
                w.retried,
                w.dead_lettered,
                w.refused,
                w.filed,
                w.errors
            );
            if let Some(e) = &s.last_error {
                let ago = s.updated_unix_ms.saturating_sub(e.unix_ms) / 1000 + ago;
                println!("  last error, {ago} s ago: {}", e.message);
            }
        }
        None => println!("no daemon counters yet"),
    }
    Ok(())
}

#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// File mode's JSONEachRow files (default: the state directory's `files/`).
    #[arg(long)]
    files_dir: Option<PathBuf>,
    #[arg(long, env = "SEQCH_STATE_DIR")]
    state_dir: Option<PathBuf>,
    #[command(flatten)]
    server: ServerArgs,
}

/// Chunks of at most `max` bytes, cut after a `\n`.
fn chunks(bytes: &[u8], max: usize) -> impl Iterator<Item = &[u8]> {
    let mut rest = bytes;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let cut = if rest.len() <= max {
            rest.len()
        } else {
            memchr::memrchr(b'\n', &rest[..max]).map_or(rest.len(), |i| i + 1)
        };
        let (head, tail) = rest.split_at(cut);
        rest = tail;
        Some(head)
    })
}

/// Sends every `<database>.<table>.jsonl` of file mode to the server (each chunk with a
/// deduplication token, so running it twice inserts nothing twice) and removes the files sent.
/// Run it while no writer in file mode appends to those files.
pub fn replay(args: &ReplayArgs) -> Result<()> {
    let dir = args.files_dir.clone().unwrap_or_else(|| {
        args.state_dir
            .clone()
            .unwrap_or_else(default_state_dir)
            .join("files")
    });
    let server = args.server.resolved()?;
    let client = server.client();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    for path in files {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        let Some((db, table)) = name.split_once('.') else {
            continue;
        };
        let target = format!(
            "{}.{table}",
            server
                .databases()
                .rewrite(&format!("{db}."))
                .trim_end_matches('.')
        );
        let bytes = std::fs::read(&path)?;
        let mut rows = 0;
        for chunk in chunks(&bytes, 8 << 20) {
            let token = format!(
                "{:032x}",
                xxhash_rust::xxh3::xxh3_128(&[name.as_bytes(), chunk].concat())
            );
            let sql = query_text(&format!("INSERT INTO {target} FORMAT JSONEachRow"));
            rt.block_on(async {
                let mut insert = client
                    .insert_formatted_with(sql)
                    .with_setting("async_insert", "0")
                    .with_setting("insert_deduplication_token", token);
                insert.send(bytes_of(chunk)).await?;
                insert.end().await
            })
            .map_err(|e| anyhow::anyhow!(explain(&e.to_string())))
            .with_context(|| {
                format!("sending {} to {target} on {}", path.display(), server.url())
            })?;
            rows += chunk.iter().filter(|b| **b == b'\n').count();
        }
        std::fs::remove_file(&path)?;
        println!("{rows} rows from {} into {target}", path.display());
    }
    Ok(())
}

fn bytes_of(chunk: &[u8]) -> bytes::Bytes {
    bytes::Bytes::copy_from_slice(chunk)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_end_on_line_ends() {
        let text = b"aaaa\nbb\ncccccc\nd\n";
        let got: Vec<&[u8]> = chunks(text, 8).collect();
        assert_eq!(got, vec![&b"aaaa\nbb\n"[..], &b"cccccc\n"[..], &b"d\n"[..]]);
        assert_eq!(chunks(b"", 4).count(), 0);
    }
}
