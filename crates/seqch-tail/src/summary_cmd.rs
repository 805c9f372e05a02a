//! `seqch-tail summary`: the offline report over both agents' logs.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, ValueEnum};
use seqch_parse::summary::{SessionRow, Totals};
use seqch_parse::{Parser, Prices, Summary, sources};

use seqch_brief::brief::thousands;

use crate::table::Table;

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum By {
    Day,
    Model,
    Session,
    Project,
}

#[derive(Args, Debug)]
pub struct SummaryArgs {
    /// Claude Code projects directory (repeatable; default: $CLAUDE_CONFIG_DIR/projects or ~/.claude/projects).
    #[arg(long = "claude-dir")]
    claude_dirs: Vec<PathBuf>,
    /// Codex sessions directory (default: $CODEX_HOME/sessions or ~/.codex/sessions); archived_sessions beside it is read too.
    #[arg(long)]
    codex_dir: Option<PathBuf>,
    /// Only activity on or after this day (YYYY-MM-DD, in --tz).
    #[arg(long)]
    since: Option<jiff::civil::Date>,
    /// How to group the usage table.
    #[arg(long, value_enum, default_value = "day")]
    by: By,
    /// Print the stable JSON Lines form instead of tables.
    #[arg(long)]
    json: bool,
    /// Time zone for day buckets (IANA name) [default: the system's, from $TZ or /etc/localtime].
    #[arg(long, default_value_t = crate::config::system_time_zone(), hide_default_value = true)]
    tz: String,
    /// A price file that adds or replaces models (same shape as the shipped pricing.toml).
    #[arg(long)]
    prices: Option<PathBuf>,
}

pub fn run(args: &SummaryArgs) -> Result<()> {
    let tz = crate::config::time_zone(&args.tz)?;
    let prices = match &args.prices {
        Some(p) => Prices::with_overrides(p)?,
        None => Prices::embedded(),
    };
    let files = sources::all_files(&args.claude_dirs, args.codex_dir.as_deref());

    let mut parser = Parser::new(prices);
    let mut summary = Summary::new(tz);
    if let Some(since) = args.since {
        summary = summary.since(since);
    }
    let stats = sources::scan(&files, &mut parser, &mut summary);
    for (path, err) in &stats.unreadable {
        tracing::warn!("cannot read {}: {err}", path.display());
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        summary.write_json(parser.skipped(), parser.unpriced(), &mut out)?;
    } else {
        print_tables(&summary, args.by, &mut out)?;
        writeln!(
            out,
            "\n{} files, {:.1} MB read",
            stats.files,
            stats.bytes as f64 / 1e6
        )?;
        let skipped = parser.skipped().by_reason();
        if !skipped.is_empty() {
            writeln!(out, "skipped lines: {}", fmt_map(&skipped))?;
        }
        if !parser.unpriced().is_empty() {
            writeln!(
                out,
                "calls without a price (cost counted as 0): {}",
                fmt_map(parser.unpriced())
            )?;
        }
    }
    Ok(())
}

fn fmt_map<K: std::fmt::Display, V: std::fmt::Display>(m: &BTreeMap<K, V>) -> String {
    m.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn grouped<'a>(
    rows: impl Iterator<Item = (Vec<String>, &'a Totals)>,
) -> BTreeMap<Vec<String>, Totals> {
    let mut out: BTreeMap<Vec<String>, Totals> = BTreeMap::new();
    for (key, t) in rows {
        out.entry(key).or_default().add(t);
    }
    out
}

pub fn print_tables(summary: &Summary, by: By, out: &mut dyn Write) -> Result<()> {
    let usage = summary.usage();
    let sessions: Vec<SessionRow> = summary.sessions();
    let (heads, rows): (Vec<&str>, BTreeMap<Vec<String>, Totals>) = match by {
        By::Day => (
            vec!["Day", "Agent", "Model"],
            grouped(usage.iter().map(|u| {
                (
                    vec![u.day.clone(), u.agent.clone(), u.model.clone()],
                    &u.totals,
                )
            })),
        ),
        By::Model => (
            vec!["Agent", "Model"],
            grouped(
                usage
                    .iter()
                    .map(|u| (vec![u.agent.clone(), u.model.clone()], &u.totals)),
            ),
        ),
        By::Session => (
            vec!["Agent", "Session", "Project"],
            grouped(sessions.iter().map(|s| {
                (
                    vec![
                        s.agent.clone(),
                        s.session_id.clone(),
                        s.project_path.clone(),
                    ],
                    &s.totals,
                )
            })),
        ),
        By::Project => (
            vec!["Project", "Agent"],
            grouped(
                sessions
                    .iter()
                    .map(|s| (vec![s.project_path.clone(), s.agent.clone()], &s.totals)),
            ),
        ),
    };
    let mut table = Table::new(heads.iter().copied().chain([
        "Calls",
        "Input",
        "Output",
        "Cache read",
        "Cache write",
        "Reasoning",
        "Cost (USD)",
    ]));
    let mut total = Totals::default();
    for (key, t) in &rows {
        total.add(t);
        table.row(key.iter().cloned().chain(numbers(t)));
    }
    let mut last: Vec<String> = vec!["Total".into()];
    last.resize(heads.len(), String::new());
    table.row(last.into_iter().chain(numbers(&total)));
    table.print(out)?;

    let tools = summary.tools();
    if !tools.is_empty() {
        writeln!(out)?;
        let mut t = Table::new(["Agent", "Tool", "Calls", "Failed", "Failure rate"]);
        for tool in tools {
            let rate = if tool.calls > 0 {
                100.0 * tool.failed as f64 / tool.calls as f64
            } else {
                0.0
            };
            t.row([
                tool.agent,
                tool.tool_name,
                thousands(tool.calls),
                thousands(tool.failed),
                format!("{rate:.1}%"),
            ]);
        }
        t.print(out)?;
    }
    Ok(())
}

fn numbers(t: &Totals) -> [String; 7] {
    [
        thousands(t.calls),
        thousands(t.input_tokens),
        thousands(t.output_tokens),
        thousands(t.cached_tokens),
        thousands(t.cache_write_tokens),
        thousands(t.reasoning_tokens),
        format!("{:.2}", t.cost_usd),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
