//! `seqch-tail review`: a Codex code review of the project, run through the real `codex
//! app-server`, printed, and written to ClickHouse at once (with the ids the tailer would give
//! the same rollout files, so nothing is doubled when it reads them later).
//!
//! Exit codes: 0 no findings, 1 findings, 2 bad usage, 3 the review failed, was interrupted or
//! timed out, 4 codex is missing or not logged in.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use seqch_review::{ReviewError, ReviewOptions, ReviewResult, Target};
use seqch_writer::{Mode, Writer};

use crate::server::ServerArgs;

#[derive(Args, Debug)]
pub struct ReviewArgs {
    /// Review the uncommitted changes: staged, unstaged and untracked [the default].
    #[arg(long, group = "target")]
    uncommitted: bool,
    /// Review the changes against this base branch.
    #[arg(long, group = "target")]
    base: Option<String>,
    /// Review one commit.
    #[arg(long, group = "target")]
    commit: Option<String>,
    /// The commit's title, shown to the reviewer (with --commit).
    #[arg(long, requires = "commit")]
    title: Option<String>,
    /// Review by these instructions instead.
    #[arg(long, group = "target")]
    instructions: Option<String>,
    /// The repository to review [default: the current directory].
    #[arg(long)]
    project: Option<PathBuf>,
    /// Interrupt the review after this many seconds.
    #[arg(long, default_value_t = 600)]
    timeout: u64,
    /// The codex binary [default: $SEQCH_CODEX_BIN, then codex on PATH].
    #[arg(long)]
    codex_bin: Option<PathBuf>,
    /// A codex configuration override `key=value`, passed as `-c` (repeatable).
    #[arg(long = "codex-config")]
    codex_config: Vec<String>,
    /// Print one JSON object instead of the findings.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    server: ServerArgs,
}

/// Runs the review; the process exit code.
pub fn run(args: &ReviewArgs) -> Result<i32> {
    let target = match (&args.base, &args.commit, &args.instructions) {
        (Some(branch), _, _) => Target::BaseBranch {
            branch: branch.clone(),
        },
        (_, Some(sha), _) => Target::Commit {
            sha: sha.clone(),
            title: args.title.clone(),
        },
        (_, _, Some(text)) => Target::Custom {
            instructions: text.clone(),
        },
        _ => Target::UncommittedChanges,
    };
    let project = match &args.project {
        Some(p) => std::path::absolute(p)?,
        None => std::env::current_dir()?,
    };
    let options = ReviewOptions {
        target,
        project,
        timeout: Duration::from_secs(args.timeout),
        codex_bin: args.codex_bin.clone(),
        codex_config: args.codex_config.clone(),
    };
    let writer = writer(&args.server)?;
    let spinner = std::io::stderr().is_terminal().then(|| {
        let s = indicatif::ProgressBar::new_spinner();
        s.enable_steady_tick(Duration::from_millis(120));
        s
    });
    let mut progress = |what: &str| match &spinner {
        Some(s) => s.set_message(what.to_owned()),
        None => tracing::info!("review: {what}"),
    };
    let outcome = seqch_review::run(&options, Some(&writer), &mut progress);
    if let Some(s) = &spinner {
        s.finish_and_clear();
    }
    writer.close(Duration::from_secs(30));
    let result = match outcome {
        Ok(r) => r,
        Err(e @ (ReviewError::CodexMissing(_) | ReviewError::NotLoggedIn)) => {
            eprintln!("seqch-tail review: {e}");
            return Ok(4);
        }
        Err(e) => {
            eprintln!("seqch-tail review: {e}");
            return Ok(3);
        }
    };
    if args.json {
        println!("{}", serde_json::to_string(&result)?);
    } else {
        print(&result);
    }
    Ok(result.exit_code())
}

/// The writer of the configured server, or file mode (the embedded default) without one.
fn writer(server: &ServerArgs) -> Result<Writer> {
    let server = server.resolved()?;
    let mut config = server.writer_config();
    let state = crate::state_cmd::default_state_dir();
    config.mode = if server.url.is_some() {
        Mode::Http
    } else {
        Mode::File
    };
    config.spool_dir = state.join("spool/review");
    config.file_dir = state.join("files");
    Writer::new(config).context("starting the writer")
}

fn print(r: &ReviewResult) {
    let target = match r.target_value.as_str() {
        "" => r.target_kind.clone(),
        v => format!("{} {v}", r.target_kind),
    };
    println!(
        "review {} of {} ({target}): {}",
        r.review_id, r.project, r.status
    );
    if !r.error.is_empty() {
        println!("  {}", r.error);
    }
    if !r.verdict.is_empty() {
        let confidence = r
            .confidence
            .map(|c| format!(", confidence {c}"))
            .unwrap_or_default();
        println!("verdict: {}{confidence}", r.verdict);
        println!("{}", r.explanation);
    }
    for f in &r.findings {
        let priority = f
            .priority
            .map(|p| format!("P{p}"))
            .unwrap_or_else(|| "P?".into());
        println!(
            "\n[{priority}] {}:{}-{}  {}",
            f.file, f.line_start, f.line_end, f.title
        );
        for line in f.body.lines() {
            println!("    {line}");
        }
    }
    println!(
        "\n{} findings; reviewer {} used {} input and {} output tokens (${:.4}); {} rows written",
        r.findings.len(),
        if r.model.is_empty() { "?" } else { &r.model },
        r.input_tokens,
        r.output_tokens,
        r.cost_usd,
        r.rows_written
    );
}
