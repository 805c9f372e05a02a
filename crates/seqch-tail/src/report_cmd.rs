//! `seqch-tail report <name>`: the analytics queries of `sql/queries`, run against the
//! configured server with named parameters, printed as a table or JSON Lines.

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use jiff::Timestamp;
use seqch_writer::schema::query_text;

use crate::server::{ServerArgs, explain};
use crate::table::Table;

/// The reports and the query file behind each.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Report {
    Daily,
    Cache,
    Tools,
    Productivity,
    Sessions,
    Projects,
    Context,
    ContextHourly,
    RateLimits,
    RateLimitHistory,
    FailingInputs,
    ContextFill,
    /// Recent Codex reviews, then the files their findings name most, per project.
    Reviews,
    ReviewFiles,
}

impl Report {
    pub fn file(self) -> (&'static str, &'static str) {
        match self {
            Report::Daily => ("daily.sql", include_str!("../../../sql/queries/daily.sql")),
            Report::Cache => ("cache.sql", include_str!("../../../sql/queries/cache.sql")),
            Report::Tools => ("tools.sql", include_str!("../../../sql/queries/tools.sql")),
            Report::Productivity => (
                "productivity.sql",
                include_str!("../../../sql/queries/productivity.sql"),
            ),
            Report::Sessions => (
                "sessions.sql",
                include_str!("../../../sql/queries/sessions.sql"),
            ),
            Report::Projects => (
                "projects.sql",
                include_str!("../../../sql/queries/projects.sql"),
            ),
            Report::Context => (
                "context_turns.sql",
                include_str!("../../../sql/queries/context_turns.sql"),
            ),
            Report::ContextHourly => (
                "context_hourly.sql",
                include_str!("../../../sql/queries/context_hourly.sql"),
            ),
            Report::RateLimits => (
                "rate_limits.sql",
                include_str!("../../../sql/queries/rate_limits.sql"),
            ),
            Report::RateLimitHistory => (
                "rate_limit_history.sql",
                include_str!("../../../sql/queries/rate_limit_history.sql"),
            ),
            Report::FailingInputs => (
                "failing_inputs.sql",
                include_str!("../../../sql/queries/failing_inputs.sql"),
            ),
            Report::ContextFill => (
                "context_fill.sql",
                include_str!("../../../sql/queries/context_fill.sql"),
            ),
            Report::Reviews => (
                "reviews.sql",
                include_str!("../../../sql/queries/reviews.sql"),
            ),
            Report::ReviewFiles => (
                "review_files.sql",
                include_str!("../../../sql/queries/review_files.sql"),
            ),
        }
    }
}

/// The parameters every report may take (each query uses the ones it names).
#[derive(Args, Debug, Clone)]
pub struct Window {
    /// Start of the window (YYYY-MM-DD or RFC 3339; default: 30 days ago).
    #[arg(long)]
    pub since: Option<String>,
    /// End of the window, exclusive (default: now).
    #[arg(long)]
    pub until: Option<String>,
    /// Only this project path (reports that take one).
    #[arg(long, default_value = "")]
    pub project: String,
    /// Time zone for days and hours, and of a date given to --since/--until (IANA name)
    /// [default: the system's, from $TZ or /etc/localtime].
    #[arg(long, default_value_t = crate::config::system_time_zone(), hide_default_value = true)]
    pub tz: String,
    /// Rows for `sessions`, `failing-inputs` and `context-fill`.
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
    /// Apps that count as coding (context reports).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "Zed,Code,Cursor,Xcode,Terminal,iTerm2,Ghostty,WezTerm,kitty,Alacritty"
    )]
    pub coding_apps: Vec<String>,
    /// Apps that count as AI chat (context reports).
    #[arg(long, value_delimiter = ',', default_value = "Claude,ChatGPT,Codex")]
    pub ai_apps: Vec<String>,
}

impl Window {
    /// The window's ends (defaults: 30 days ago, now).
    fn instants(&self) -> Result<(Timestamp, Timestamp)> {
        let now = Timestamp::now();
        let since = match &self.since {
            Some(s) => instant(s, &self.tz)?,
            None => now - jiff::SignedDuration::from_hours(30 * 24),
        };
        let until = match &self.until {
            Some(s) => instant(s, &self.tz)?,
            None => now,
        };
        Ok((since, until))
    }

    /// The same window with "now" resolved once, so that several queries see one window.
    pub fn fixed(&self) -> Result<Window> {
        let (since, until) = self.instants()?;
        Ok(Window {
            since: Some(since.to_string()),
            until: Some(until.to_string()),
            ..self.clone()
        })
    }

    /// `since` and `until` as the UTC text the queries take.
    pub fn bounds(&self) -> Result<(String, String)> {
        let (since, until) = self.instants()?;
        let text = |ts: Timestamp| ts.strftime("%Y-%m-%d %H:%M:%S%.3f").to_string();
        Ok((text(since), text(until)))
    }
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[arg(value_enum)]
    report: Report,
    #[command(flatten)]
    window: Window,
    /// Print JSON Lines instead of a table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    server: ServerArgs,
}

/// `2026-11-01` (its midnight in the time zone `tz`) or an RFC 3339 instant.
pub fn instant(s: &str, tz: &str) -> Result<Timestamp> {
    match s.parse::<Timestamp>() {
        Ok(ts) => Ok(ts),
        Err(_) => {
            let date = s
                .parse::<jiff::civil::Date>()
                .with_context(|| format!("{s:?} is neither YYYY-MM-DD nor an RFC 3339 time"))?;
            Ok(date.to_zoned(crate::config::time_zone(tz)?)?.timestamp())
        }
    }
}

/// The `{name:Type}` parameters a query uses.
fn parameters(sql: &str) -> Vec<&str> {
    let mut names: Vec<&str> = sql
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once(':').map(|(name, _)| name))
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// Runs a report's query on `server` with the window's parameters; the result in `format`.
pub fn fetch(server: &ServerArgs, report: Report, w: &Window, format: &str) -> Result<Vec<u8>> {
    let (file, sql) = report.file();
    let (since, until) = w.bounds()?;
    let mut q = server
        .client()
        .query(&query_text(&server.databases().rewrite(sql)));
    for name in parameters(sql) {
        q = match name {
            "since" => q.param(name, &since),
            "until" => q.param(name, &until),
            "tz" => q.param(name, &w.tz),
            "project" => q.param(name, &w.project),
            "limit" => q.param(name, w.limit),
            "coding_apps" => q.param(name, &w.coding_apps),
            "ai_apps" => q.param(name, &w.ai_apps),
            other => bail!("query {file} needs a parameter `{other}` this command does not know"),
        };
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let bytes = rt
        .block_on(async { q.fetch_bytes(format)?.collect().await })
        .map_err(|e| anyhow::anyhow!(explain(&e.to_string())))
        .with_context(|| format!("report {file} on {}", server.url()))?;
    Ok(bytes.to_vec())
}

pub fn run(args: &ReportArgs) -> Result<()> {
    let server = args.server.resolved()?;
    let format = if args.json {
        "JSONEachRow"
    } else {
        "TabSeparatedWithNames"
    };
    // `reviews` also shows the files the findings name most.
    let reports = match args.report {
        Report::Reviews => vec![Report::Reviews, Report::ReviewFiles],
        one => vec![one],
    };
    for (i, &report) in reports.iter().enumerate() {
        let bytes = fetch(&server, report, &args.window, format)?;
        let text = String::from_utf8_lossy(&bytes);
        if args.json {
            print!("{text}");
            continue;
        }
        if i > 0 {
            println!();
        }
        let mut lines = text.lines();
        let mut table = Table::new(lines.next().unwrap_or("").split('\t').map(unescape));
        for line in lines {
            table.row(line.split('\t').map(unescape));
        }
        table.print(&mut std::io::stdout())?;
    }
    Ok(())
}

/// TabSeparated escapes, undone for display.
fn unescape(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push(' '),
            Some('n') => out.push(' '),
            Some('N') => out.push_str("NULL"),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_parameters_of_every_report() {
        assert_eq!(
            parameters("SELECT {a:String}, {b:Array(String)} WHERE x = {a:String}"),
            vec!["a", "b"]
        );
        for r in Report::value_variants() {
            let (file, sql) = r.file();
            for p in parameters(sql) {
                assert!(
                    [
                        "since",
                        "until",
                        "tz",
                        "project",
                        "limit",
                        "coding_apps",
                        "ai_apps"
                    ]
                    .contains(&p),
                    "{file} takes {p}"
                );
            }
        }
    }

    #[test]
    fn window_bounds_are_utc_text() {
        let w = |since: &str| Window {
            since: Some(since.into()),
            until: Some("2026-11-02".into()),
            project: String::new(),
            tz: "UTC".into(),
            limit: 20,
            coding_apps: Vec::new(),
            ai_apps: Vec::new(),
        };
        assert_eq!(
            w("2026-11-01").bounds().unwrap(),
            (
                "2026-11-01 00:00:00.000".to_owned(),
                "2026-11-02 00:00:00.000".to_owned()
            )
        );
        assert_eq!(
            w("2026-11-01T10:00:00+02:00").bounds().unwrap().0,
            "2026-11-01 08:00:00.000"
        );
        assert!(w("last week").bounds().is_err());
        // A date is its midnight in the window's time zone.
        let tokyo = Window {
            tz: "Asia/Tokyo".into(),
            ..w("2026-11-01")
        };
        assert_eq!(
            tokyo.bounds().unwrap(),
            (
                "2026-10-31 15:00:00.000".to_owned(),
                "2026-11-01 15:00:00.000".to_owned()
            )
        );
    }
}
