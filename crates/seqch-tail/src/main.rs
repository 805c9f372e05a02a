//! `seqch-tail`: tails Claude Code and Codex logs into ClickHouse, and the seqch command line.

mod budget_cmd;
mod checkpoint;
mod config;
mod context_cmd;
mod daemon;
mod dashboard_cmd;
mod progress;
mod report_cmd;
mod review_cmd;
mod schema_cmd;
mod server;
mod state_cmd;
mod summary_cmd;
mod table;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "seqch-tail",
    version,
    about = "Coding-agent logs into ClickHouse: ingest daemon and reports"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse the logs directly (no server) and print usage, cost and tool statistics.
    Summary(summary_cmd::SummaryArgs),
    /// Create, upgrade or inspect the ClickHouse schema.
    Schema {
        #[command(subcommand)]
        command: schema_cmd::SchemaCommand,
        #[command(flatten)]
        server: server::ServerArgs,
    },
    /// Run an analytics query against ClickHouse.
    Report(report_cmd::ReportArgs),
    /// Write a self-contained HTML dashboard (from ClickHouse, or the logs with --offline).
    Dashboard(dashboard_cmd::DashboardArgs),
    /// Tail the logs into ClickHouse (or files), exactly once; `--once` for one pass.
    Run(daemon::RunArgs),
    /// What the daemon has read, what it holds in its spool, and its counters.
    Status(state_cmd::StatusArgs),
    /// A project's recent agent activity as a brief, or kept in CLAUDE.md and AGENTS.md (`--write`).
    Context(context_cmd::ContextArgs),
    /// Today's spend, the rate limits, and whether to route to the cloud or a local model.
    Budget(budget_cmd::BudgetArgs),
    /// Run a Codex code review of the project through `codex app-server` and record it.
    Review(review_cmd::ReviewArgs),
    /// Send the JSONEachRow files of file mode to ClickHouse.
    Replay(state_cmd::ReplayArgs),
    /// Print the configuration `run` would use (file < environment < flags), password masked.
    Config {
        /// As JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        run: daemon::RunArgs,
    },
}

/// For commands that only print: a reader that stops early (`seqch-tail summary | head`) ends
/// them as it ends `cat`, instead of with an error or a panic on the closed pipe. Not for the
/// daemon or the review bridge, which must see a closed pipe as an error to handle.
fn end_quietly_on_a_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: sets a signal's disposition back to the default, before any other thread runs.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SEQCH_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    if matches!(
        cli.command,
        Command::Summary(_)
            | Command::Report(_)
            | Command::Context(_)
            | Command::Budget(_)
            | Command::Status(_)
            | Command::Config { .. }
    ) {
        end_quietly_on_a_closed_pipe();
    }
    match cli.command {
        Command::Summary(args) => summary_cmd::run(&args),
        Command::Schema { command, server } => schema_cmd::run(&command, &server),
        Command::Report(args) => report_cmd::run(&args),
        Command::Dashboard(args) => dashboard_cmd::run(&args),
        Command::Run(args) => daemon::run(&args),
        Command::Status(args) => state_cmd::status(&args),
        Command::Context(args) => context_cmd::run(&args),
        Command::Budget(args) => budget_cmd::run(&args),
        // Its exit code says how the review went; an error before it ran is a failed review (3),
        // not anyhow's 1, which means "findings" here.
        Command::Review(args) => std::process::exit(review_cmd::run(&args).unwrap_or_else(|e| {
            eprintln!("Error: {e:#}");
            3
        })),
        Command::Replay(args) => state_cmd::replay(&args),
        Command::Config { json, run } => daemon::print_config(&run, json),
    }
}
