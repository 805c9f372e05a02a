//! `seqch-bench gen --mb 500 --out DIR`: writes a synthetic corpus laid out like
//! `~/.claude/projects` and `~/.codex/sessions` under DIR.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write a corpus.
    Gen {
        /// Approximate size in megabytes.
        #[arg(long, default_value_t = 100)]
        mb: usize,
        /// Output directory (gets `claude/projects/...` and `codex/sessions/...`).
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Gen { mb, out, seed } => {
            let files = seqch_bench::generate(mb, seed);
            let mut bytes = 0;
            for f in &files {
                let path = out.join(&f.path);
                std::fs::create_dir_all(path.parent().expect("has a parent"))?;
                std::fs::write(&path, &f.bytes)
                    .with_context(|| format!("writing {}", path.display()))?;
                bytes += f.bytes.len();
            }
            println!(
                "{} files, {:.1} MB in {}",
                files.len(),
                bytes as f64 / 1e6,
                out.display()
            );
        }
    }
    Ok(())
}
