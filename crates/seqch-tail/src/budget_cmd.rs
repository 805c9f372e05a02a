//! `seqch-tail budget`: today's spend per agent and model, the latest rate-limit windows, and a
//! routing verdict (`cloud` or `local`) that a router such as Hive's can consume as JSON.

use anyhow::{Context, Result};
use clap::Args;
use jiff::Timestamp;
use seqch_brief::Source;
use seqch_brief::budget::{Budget, BudgetOptions, Route};

use crate::server::ServerArgs;
use crate::table::Table;

#[derive(Args, Debug)]
pub struct BudgetArgs {
    /// Route to `local` once today's spend (all agents, USD) reaches this [config: budget.daily_limit_usd].
    #[arg(long)]
    daily_limit: Option<f64>,
    /// Route to `local` while a rate-limit window is used at least this much, in percent
    /// [config: budget.rate_limit_pct; default: 95].
    #[arg(long)]
    rate_limit_pct: Option<f64>,
    /// Time zone whose calendar day is "today" [config: budget.tz; default: the system's].
    #[arg(long)]
    tz: Option<String>,
    /// Judge as of this instant (YYYY-MM-DD or RFC 3339) [default: now].
    #[arg(long)]
    now: Option<String>,
    /// Print one JSON object (verdict, reason, spend, rate limits).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    server: ServerArgs,
}

pub fn run(args: &BudgetArgs) -> Result<()> {
    let (_, file) = args.server.file()?;
    let server = args.server.over(&file);
    let defaults = file.budget.unwrap_or_default();
    let tz = args
        .tz
        .clone()
        .or(defaults.tz)
        .unwrap_or_else(crate::config::system_time_zone);
    let now = match &args.now {
        Some(s) => crate::report_cmd::instant(s, &tz)?,
        None => Timestamp::now(),
    };
    let mut options = BudgetOptions::new(now, tz);
    options.daily_limit_usd = args.daily_limit.or(defaults.daily_limit_usd);
    if let Some(pct) = args.rate_limit_pct.or(defaults.rate_limit_pct) {
        options.rate_limit_pct = pct;
    }
    let budget = Budget::fetch(&Source::new(&server.writer_config()), &options)
        .map_err(|e| anyhow::anyhow!(crate::server::explain(&e.to_string())))
        .context("the budget")?;
    if args.json {
        println!("{}", serde_json::to_string(&budget)?);
        return Ok(());
    }
    let verdict = match budget.verdict {
        Route::Cloud => "cloud",
        Route::Local => "local",
    };
    println!("verdict: {verdict} ({})", budget.reason);
    println!(
        "today ({}, since {} UTC): ${:.2}{}",
        budget.tz,
        budget.day_start_utc,
        budget.spent_usd,
        budget
            .remaining_usd
            .map(|r| format!(", ${r:.2} left"))
            .unwrap_or_default()
    );
    let mut out = std::io::stdout();
    if !budget.spend.is_empty() {
        println!();
        let mut t = Table::new(
            [
                "agent", "model", "calls", "input", "cached", "output", "cost_usd",
            ]
            .map(String::from),
        );
        for s in &budget.spend {
            t.row([
                s.agent.clone(),
                s.model.clone(),
                s.calls.to_string(),
                s.input_tokens.to_string(),
                s.cached_tokens.to_string(),
                s.output_tokens.to_string(),
                format!("{:.6}", s.cost_usd),
            ]);
        }
        t.print(&mut out)?;
    }
    if !budget.rate_limits.is_empty() {
        println!();
        let mut t = Table::new(
            ["agent", "limit", "window", "used_%", "resets_at", "state"].map(String::from),
        );
        for w in &budget.rate_limits {
            let resets = Timestamp::from_second(w.resets_at as i64)
                .ok()
                .filter(|_| w.resets_at != 0)
                .map_or_else(
                    || "unknown".into(),
                    |t| t.strftime("%Y-%m-%d %H:%M UTC").to_string(),
                );
            let state = if w.reset {
                "reset"
            } else if w.exhausted {
                "exhausted"
            } else {
                "ok"
            };
            t.row([
                w.agent.clone(),
                w.limit_id.clone(),
                w.window.clone(),
                w.used_percent.to_string(),
                resets,
                state.into(),
            ]);
        }
        t.print(&mut out)?;
    }
    Ok(())
}
