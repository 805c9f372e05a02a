//! `seqch-tail dashboard`: one self-contained HTML page of spend, cache, tools, sessions, rate
//! limits and (when `seq.context` has rows) coding time against AI time.
//!
//! The data comes from ClickHouse through the query files of `sql/queries` (the same ones
//! `report` and the Grafana board run), or, with `--offline` and whenever no server is
//! configured, from the logs directly through the parser and the summary's aggregation. It is
//! embedded as JSON in `dashboard/page.html`, whose inline script draws every chart as SVG: the
//! page makes no network request (its Content-Security-Policy forbids any) and works from
//! `file://`.
//!
//! # Render time (measured 2026-11-24, 2 cores shared with other jobs, Debian Chromium 156)
//! `python3 benches/scripts/dashboard_render.py`: a year of data (365 days × 2 agents × 3
//! models, 265,669 calls, 5,000 rate-limit snapshots, 8,760 hours of coding against AI time,
//! the lists at their caps; a 2.7 MB page) renders in a median of 588 ms (512–663 ms over 5
//! runs; the page's own `data-render-ms`, data to last chart). Each whole headless Chromium run
//! took 5.8 s against 1.5 s for an empty page.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use seqch_parse::{Parser, Prices, Sink, Summary, sources};
use seqch_rows::{RateLimit, Session, ToolCall, Turn};
use serde_json::{Value, json};

use crate::report_cmd::{Report, Window};
use crate::server::ServerArgs;

const PAGE: &str = include_str!("dashboard/page.html");

#[derive(Args, Debug)]
pub struct DashboardArgs {
    /// Where to write the page.
    #[arg(long, default_value = "seqch-dashboard.html")]
    out: PathBuf,
    #[command(flatten)]
    window: Window,
    /// Read the logs instead of ClickHouse (the default when no server is configured).
    #[arg(long)]
    offline: bool,
    /// Claude Code projects directory for `--offline` (repeatable; default: ~/.claude/projects).
    #[arg(long = "claude-dir")]
    claude_dirs: Vec<PathBuf>,
    /// Codex sessions directory for `--offline` (default: ~/.codex/sessions).
    #[arg(long)]
    codex_dir: Option<PathBuf>,
    #[command(flatten)]
    server: ServerArgs,
}

pub fn run(args: &DashboardArgs) -> Result<()> {
    let server = args.server.resolved()?;
    let window = args.window.fixed()?;
    let tz = crate::config::time_zone(&args.window.tz)?;
    let prices = Prices::embedded();
    let offline = args.offline || server.url.is_none();
    let mut data = if offline {
        from_logs(args, &window, &tz, &prices)?
    } else {
        from_clickhouse(&server, &window)?
    };
    add_savings(&mut data, &prices);
    let (since, until) = window.bounds()?;
    data["meta"] = json!({
        "title": "seqch",
        "source": if offline { "offline" } else { "clickhouse" },
        "since": since,
        "until": until,
        "tz": args.window.tz,
        "project": args.window.project,
        "generated_at": Timestamp::now().to_zoned(tz).strftime("%Y-%m-%d %H:%M:%S").to_string(),
    });
    std::fs::write(&args.out, page(&data))
        .with_context(|| format!("writing {}", args.out.display()))?;
    eprintln!(
        "dashboard of {} written to {}",
        if offline { "the logs" } else { server.url() },
        args.out.display()
    );
    Ok(())
}

/// The page with `data` in its data script. `<` is escaped so no value can close the script.
fn page(data: &Value) -> String {
    PAGE.replacen(
        "__SEQCH_DATA__",
        &data.to_string().replace('<', "\\u003c"),
        1,
    )
}

/// The datasets, each the JSON rows of its query file.
fn from_clickhouse(server: &ServerArgs, w: &Window) -> Result<Value> {
    let mut data = json!({});
    for (key, report) in [
        ("daily", Report::Daily),
        ("tools", Report::Tools),
        ("failing_inputs", Report::FailingInputs),
        ("projects", Report::Projects),
        ("context_fill", Report::ContextFill),
        ("rate_limits", Report::RateLimitHistory),
        ("coding_vs_ai", Report::ContextHourly),
    ] {
        let bytes = crate::report_cmd::fetch(server, report, w, "JSONEachRow")?;
        let rows: Vec<Value> = bytes
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(serde_json::from_slice)
            .collect::<Result<_, _>>()
            .with_context(|| format!("rows of {}", report.file().0))?;
        data[key] = Value::Array(rows);
    }
    // Hours with calls but no context rows: without seq.context there is nothing to compare.
    let has_context = data["coding_vs_ai"].as_array().is_some_and(|rows| {
        rows.iter()
            .any(|r| number(&r["coding_min"]) + number(&r["ai_ui_min"]) > 0.0)
    });
    if !has_context {
        data["coding_vs_ai"] = json!([]);
    }
    Ok(data)
}

/// A JSON number or a numeric string (ClickHouse quotes 64-bit integers).
fn number(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().unwrap_or(0.0),
        Value::String(s) => s.parse().unwrap_or(0.0),
        _ => 0.0,
    }
}

/// Each daily row gains `saved_usd`: what its cached tokens would have cost at the model's
/// input price, less what they cost at its cache-read price.
fn add_savings(data: &mut Value, prices: &Prices) {
    let Some(rows) = data["daily"].as_array_mut() else {
        return;
    };
    for row in rows {
        let saved = row["model"]
            .as_str()
            .and_then(|m| prices.get(m))
            .map_or(0.0, |p| {
                number(&row["cached_tokens"]) * (p.input - p.cache_read.unwrap_or(p.input)) / 1e6
            });
        row["saved_usd"] = json!((saved * 1e6).round() / 1e6);
    }
}

/// Rows of the window (and project) go to the summary and to what the summary does not keep.
struct Offline {
    summary: Summary,
    since_ms: u64,
    until_ms: u64,
    project: String,
    tz: TimeZone,
    /// (agent, tool) → (calls, summed duration)
    durations: BTreeMap<(String, String), (u64, u64)>,
    /// (agent, tool, input) → (failures, latest failure)
    failing: BTreeMap<(String, String, String), (u64, u64)>,
    /// (agent, session) → its latest call
    fill: HashMap<(String, String), LatestCall>,
    /// (ts, agent, limit, window) → the window as seen then
    limits: BTreeMap<(u64, String, String, String), WindowSeen>,
}

/// What `context_fill` shows of a session's latest call.
#[derive(Clone)]
struct LatestCall {
    ts_ms: u64,
    project: String,
    model: String,
    window: u32,
    used_pct: f32,
}

/// What `rate_limit_history` shows of a snapshot.
struct WindowSeen {
    used_percent: f64,
    window_minutes: u32,
    resets_at: u64,
}

impl Offline {
    fn keeps(&self, ts_ms: u64, project: &str) -> bool {
        (self.since_ms..self.until_ms).contains(&ts_ms)
            && (self.project.is_empty() || self.project == project)
    }

    fn at(&self, ms: u64) -> String {
        Timestamp::from_millisecond(ms as i64)
            .unwrap_or_default()
            .to_zoned(self.tz.clone())
            .strftime("%Y-%m-%d %H:%M:%S%.3f")
            .to_string()
    }
}

impl Sink for Offline {
    fn turn(&mut self, t: &Turn<'_>, replaces: Option<&Turn<'_>>) {
        if !self.keeps(t.ts_ms, t.project_path) {
            return;
        }
        let replaces = replaces.filter(|old| self.keeps(old.ts_ms, old.project_path));
        self.summary.turn(t, replaces);
        let latest = LatestCall {
            ts_ms: t.ts_ms,
            project: t.project_path.to_owned(),
            model: t.model.to_owned(),
            window: t.context_window,
            used_pct: t.context_used_pct,
        };
        self.fill
            .entry((t.agent.to_owned(), t.session_id.to_owned()))
            .and_modify(|f| {
                if latest.ts_ms >= f.ts_ms {
                    *f = latest.clone();
                }
            })
            .or_insert(latest);
    }

    fn tool_call(&mut self, c: &ToolCall<'_>) {
        if !self.keeps(c.ts_ms, c.project_path) {
            return;
        }
        self.summary.tool_call(c);
        let d = self
            .durations
            .entry((c.agent.to_owned(), c.tool_name.to_owned()))
            .or_default();
        d.0 += 1;
        d.1 += u64::from(c.dur_ms);
        if c.ok == 0 {
            let f = self
                .failing
                .entry((
                    c.agent.to_owned(),
                    c.tool_name.to_owned(),
                    c.input_summary.to_owned(),
                ))
                .or_default();
            f.0 += 1;
            f.1 = f.1.max(c.ts_ms);
        }
    }

    fn rate_limit(&mut self, r: &RateLimit<'_>) {
        if !(self.since_ms..self.until_ms).contains(&r.ts_ms) {
            return;
        }
        self.limits.insert(
            (
                r.ts_ms,
                r.agent.to_owned(),
                r.limit_id.to_owned(),
                r.window.to_owned(),
            ),
            WindowSeen {
                used_percent: r.used_percent,
                window_minutes: r.window_minutes,
                resets_at: r.resets_at,
            },
        );
    }

    fn session(&mut self, s: &Session<'_>) {
        if self.keeps(s.ts_ms, s.project_path) {
            self.summary.session(s);
        }
    }
}

/// The same datasets from the logs, shaped like the query files' rows.
fn from_logs(
    args: &DashboardArgs,
    window: &Window,
    tz: &TimeZone,
    prices: &Prices,
) -> Result<Value> {
    let (since, until) = window.bounds()?;
    let ms = |text: &str| -> Result<u64> {
        let ts: Timestamp = format!("{}Z", text.replace(' ', "T")).parse()?;
        Ok(ts.as_millisecond().max(0) as u64)
    };
    let files = sources::all_files(&args.claude_dirs, args.codex_dir.as_deref());
    let mut o = Offline {
        summary: Summary::new(tz.clone()),
        since_ms: ms(&since)?,
        until_ms: ms(&until)?,
        project: args.window.project.clone(),
        tz: tz.clone(),
        durations: BTreeMap::new(),
        failing: BTreeMap::new(),
        fill: HashMap::new(),
        limits: BTreeMap::new(),
    };
    let mut parser = Parser::new(prices.clone());
    sources::scan(&files, &mut parser, &mut o);
    let round6 = |v: f64| (v * 1e6).round() / 1e6;

    let daily: Vec<Value> = o
        .summary
        .usage()
        .into_iter()
        .map(|u| {
            let t = u.totals;
            json!({"day": u.day, "agent": u.agent, "model": u.model, "calls": t.calls,
                "input_tokens": t.input_tokens, "cached_tokens": t.cached_tokens,
                "cache_write_tokens": t.cache_write_tokens, "output_tokens": t.output_tokens,
                "reasoning_tokens": t.reasoning_tokens, "cost_usd": round6(t.cost_usd)})
        })
        .collect();
    let tools: Vec<Value> = o
        .summary
        .tools()
        .into_iter()
        .map(|t| {
            let (n, dur) = o
                .durations
                .get(&(t.agent.clone(), t.tool_name.clone()))
                .copied()
                .unwrap_or_default();
            json!({"agent": t.agent, "tool_name": t.tool_name, "calls": t.calls,
                "failures": t.failed,
                "success_rate": ((t.calls - t.failed) as f64 / t.calls.max(1) as f64 * 1e4).round() / 1e4,
                "avg_dur_ms": (dur as f64 / n.max(1) as f64 * 10.0).round() / 10.0})
        })
        .collect();
    let mut failing: Vec<_> = o.failing.iter().collect();
    failing.sort_by(|a, b| (b.1.0, b.1.1).cmp(&(a.1.0, a.1.1)).then(a.0.cmp(b.0)));
    let failing_inputs: Vec<Value> = failing
        .into_iter()
        .take(args.window.limit as usize)
        .map(|((agent, tool, input), (n, last))| {
            json!({"agent": agent, "tool_name": tool, "input_summary": input,
                "failures": n, "last_failed_at": o.at(*last)})
        })
        .collect();
    let mut projects: BTreeMap<(String, String), (u64, u64, f64, u64)> = BTreeMap::new();
    for s in o.summary.sessions() {
        let p = projects
            .entry((s.project_path.clone(), s.agent.clone()))
            .or_default();
        p.0 += 1;
        p.1 += s.totals.input_tokens + s.totals.output_tokens;
        p.2 += s.totals.cost_usd;
        p.3 += s.dur_ms;
    }
    let projects: Vec<Value> = projects
        .into_iter()
        .map(|((project, agent), (n, tokens, cost, dur))| {
            json!({"project_path": project, "agent": agent, "sessions": n,
                "total_tokens": tokens, "total_cost_usd": round6(cost), "total_dur_ms": dur})
        })
        .collect();
    let mut fill: Vec<_> = o.fill.iter().collect();
    fill.sort_by(|a, b| b.1.ts_ms.cmp(&a.1.ts_ms).then(a.0.cmp(b.0)));
    let context_fill: Vec<Value> = fill
        .into_iter()
        .take(args.window.limit as usize)
        .map(|((agent, session), c)| {
            json!({"agent": agent, "session_id": session, "project_path": c.project,
                "model": c.model, "last_activity_at": o.at(c.ts_ms), "context_window": c.window,
                "context_used_pct": c.used_pct})
        })
        .collect();
    let rate_limits: Vec<Value> = o
        .limits
        .iter()
        .map(|((ts, agent, limit, window), w)| {
            json!({"seen_at": o.at(*ts), "agent": agent, "limit_id": limit, "window": window,
                "used_percent": w.used_percent, "window_minutes": w.window_minutes,
                "resets_at": w.resets_at})
        })
        .collect();
    Ok(json!({
        "daily": daily,
        "tools": tools,
        "failing_inputs": failing_inputs,
        "projects": projects,
        "context_fill": context_fill,
        "rate_limits": rate_limits,
        "coding_vs_ai": [],
    }))
}
