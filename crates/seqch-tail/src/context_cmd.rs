//! `seqch-tail context`: a project's brief from ClickHouse, printed or kept current in the
//! memory files both agents read (`CLAUDE.md`, `AGENTS.md`); and the same refresh for `run`'s
//! automatic handoff.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use jiff::Timestamp;
use seqch_brief::brief::{Audience, Brief, BriefOptions};
use seqch_brief::{Source, memory};

use crate::server::ServerArgs;

/// The brief's default size cap: a few screens, well within what an agent reads cheaply.
pub const DEFAULT_MAX_BYTES: usize = 4096;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum For {
    /// With the handoff from Codex (what CLAUDE.md gets).
    Claude,
    /// With the handoff from Claude Code (what AGENTS.md gets).
    Codex,
    /// With both handoffs.
    Both,
}

#[derive(Args, Debug)]
pub struct ContextArgs {
    /// The project directory, as the agents ran in it [default: the current directory].
    #[arg(long)]
    project: Option<PathBuf>,
    /// Update the seqch block of CLAUDE.md and AGENTS.md in the project instead of printing.
    #[arg(long)]
    write: bool,
    /// Whose brief to print: the handoff shown is the other agent's.
    #[arg(long = "for", value_enum, default_value = "both")]
    audience: For,
    /// Longest brief, in bytes (lists are shortened to fit).
    #[arg(long, default_value_t = DEFAULT_MAX_BYTES)]
    max_bytes: usize,
    /// Time zone of the times shown, and of a date given to --now (IANA name)
    /// [default: the system's, from $TZ or /etc/localtime].
    #[arg(long, default_value_t = crate::config::system_time_zone(), hide_default_value = true)]
    tz: String,
    /// Describe the project as of this instant (YYYY-MM-DD or RFC 3339) [default: now].
    #[arg(long)]
    now: Option<String>,
    /// Print the brief's data and Markdown as one JSON object.
    #[arg(long, conflicts_with = "write")]
    json: bool,
    #[command(flatten)]
    server: ServerArgs,
}

pub fn run(args: &ContextArgs) -> Result<()> {
    let server = args.server.resolved()?;
    let project = match &args.project {
        Some(p) => std::path::absolute(p)?,
        None => std::env::current_dir()?,
    };
    let now = match &args.now {
        Some(s) => crate::report_cmd::instant(s, &args.tz)?,
        None => Timestamp::now(),
    };
    let source = Source::new(&server.writer_config());
    let options = BriefOptions::new(project.to_string_lossy(), now, &args.tz);
    if args.write {
        for (path, change) in refresh(&source, &project, &options, args.max_bytes)? {
            println!("{}: {change:?}", path.display());
        }
        return Ok(());
    }
    let brief = fetch(&source, &options)?;
    let audience = match args.audience {
        For::Claude => Audience::Claude,
        For::Codex => Audience::Codex,
        For::Both => Audience::Both,
    };
    if args.json {
        println!("{}", brief.json(audience, args.max_bytes));
    } else {
        print!("{}", brief.markdown(audience, args.max_bytes));
    }
    Ok(())
}

fn fetch(source: &Source, options: &BriefOptions) -> Result<Brief> {
    Brief::fetch(source, options)
        .map_err(|e| anyhow::anyhow!(crate::server::explain(&e.to_string())))
        .with_context(|| format!("the brief of {}", options.project))
}

/// Writes the project's brief into each agent's memory file (with the other agent's handoff).
pub fn refresh(
    source: &Source,
    project: &Path,
    options: &BriefOptions,
    max_bytes: usize,
) -> Result<Vec<(PathBuf, memory::Change)>> {
    anyhow::ensure!(
        project.is_dir(),
        "{} is not a directory: the memory files live in the project",
        project.display()
    );
    let brief = fetch(source, options)?;
    memory::files(project)
        .into_iter()
        .map(|(audience, path)| {
            let change = memory::update(&path, &brief.markdown(audience, max_bytes))?;
            Ok((path, change))
        })
        .collect()
}
