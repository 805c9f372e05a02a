//! Today's spend, the latest rate-limit windows, and the routing verdict built from them.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::query::{Param, query_file, utc_text};
use crate::{Error, Source};

/// The limits a verdict is held against.
#[derive(Debug, Clone)]
pub struct BudgetOptions {
    /// The instant of the verdict.
    pub now: Timestamp,
    /// IANA time zone whose calendar day is "today".
    pub tz: String,
    /// Spending at or above this (USD, today, all agents) routes to `local`; `None`: no limit.
    pub daily_limit_usd: Option<f64>,
    /// A rate-limit window used at or above this percentage, and not yet reset, routes to
    /// `local`.
    pub rate_limit_pct: f64,
}

impl BudgetOptions {
    /// No daily limit; a window at 95 % or more counts as exhausted.
    pub fn new(now: Timestamp, tz: impl Into<String>) -> Self {
        Self {
            now,
            tz: tz.into(),
            daily_limit_usd: None,
            rate_limit_pct: 95.0,
        }
    }
}

/// What one agent and model cost today (`budget_spend.sql`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spend {
    pub agent: String,
    pub model: String,
    pub calls: u64,
    pub input_tokens: u64,
    pub cached_tokens: u64,
    pub output_tokens: u64,
    pub cost_usd: f64,
}

/// The latest state of one rate-limit window (`rate_limits.sql`), judged at the verdict's
/// instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Window {
    pub agent: String,
    pub limit_id: String,
    pub window: String,
    pub used_percent: f64,
    pub window_minutes: u64,
    /// Unix seconds; 0 when unknown.
    pub resets_at: u64,
    pub plan_type: String,
    pub seen_at: String,
    /// The window has reset since it was seen (its usage no longer applies).
    #[serde(default)]
    pub reset: bool,
    /// Used at or above the threshold and not reset.
    #[serde(default)]
    pub exhausted: bool,
}

/// Where the next model call should go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Route {
    Cloud,
    Local,
}

/// The verdict and what it rests on; serialized, the JSON a router consumes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Budget {
    pub verdict: Route,
    pub reason: String,
    /// The start of today in `tz`, as UTC text.
    pub day_start_utc: String,
    pub tz: String,
    pub spent_usd: f64,
    pub daily_limit_usd: Option<f64>,
    /// `daily_limit_usd - spent_usd`, not below 0.
    pub remaining_usd: Option<f64>,
    pub spend: Vec<Spend>,
    pub rate_limits: Vec<Window>,
}

impl Budget {
    /// Asks the server and judges.
    pub fn fetch(source: &Source, o: &BudgetOptions) -> Result<Budget, Error> {
        let zone = TimeZone::get(&o.tz).map_err(|source| Error::TimeZone {
            name: o.tz.clone(),
            source,
        })?;
        let day_start = o
            .now
            .to_zoned(zone)
            .start_of_day()
            .map_err(|source| Error::TimeZone {
                name: o.tz.clone(),
                source,
            })?
            .timestamp();
        let (since, until) = (utc_text(day_start), utc_text(o.now));
        let (spend, windows) = source.block_on(async {
            let spend: Vec<Spend> = source
                .rows(
                    &query_file!("budget_spend.sql"),
                    &[
                        ("since", Param::Text(&since)),
                        ("until", Param::Text(&until)),
                    ],
                )
                .await?;
            let windows: Vec<Window> = source
                .rows(
                    &query_file!("rate_limits.sql"),
                    &[("until", Param::Text(&until))],
                )
                .await?;
            Ok((spend, windows))
        })?;
        Ok(judge(o, since, spend, windows))
    }
}

/// The verdict: an exhausted rate-limit window first, then the daily limit, else the cloud.
fn judge(
    o: &BudgetOptions,
    day_start_utc: String,
    spend: Vec<Spend>,
    mut windows: Vec<Window>,
) -> Budget {
    let now_s = o.now.as_second().max(0) as u64;
    for w in &mut windows {
        // Without a reset time, the window has surely reset one window length after it was seen.
        let resets_at = match w.resets_at {
            0 => seen_s(&w.seen_at).map_or(0, |s| s + w.window_minutes * 60),
            r => r,
        };
        w.reset = resets_at != 0 && resets_at <= now_s;
        w.exhausted = !w.reset && w.used_percent >= o.rate_limit_pct;
    }
    let spent = round6(spend.iter().map(|s| s.cost_usd).sum());
    let remaining = o.daily_limit_usd.map(|l| round6((l - spent).max(0.0)));
    let name = |w: &Window| format!("{} {}/{}", w.agent, w.limit_id, w.window);
    let (verdict, reason) = if let Some(w) = windows.iter().find(|w| w.exhausted) {
        let until = if w.resets_at == 0 {
            "an unknown reset time".to_owned()
        } else {
            Timestamp::from_second(w.resets_at as i64)
                .map(|t| format!("{} UTC", t.strftime("%Y-%m-%d %H:%M")))
                .unwrap_or_else(|_| w.resets_at.to_string())
        };
        (
            Route::Local,
            format!(
                "rate limit {} is at {}% (threshold {}%) until {until}",
                name(w),
                w.used_percent,
                o.rate_limit_pct
            ),
        )
    } else if let Some(limit) = o.daily_limit_usd.filter(|&l| spent >= l) {
        (
            Route::Local,
            format!("spent ${spent:.2} today, at or over the daily limit of ${limit:.2}"),
        )
    } else {
        let spent_text = match o.daily_limit_usd {
            Some(limit) => format!("spent ${spent:.2} of the ${limit:.2} daily limit"),
            None => format!("spent ${spent:.2} today, no daily limit set"),
        };
        let busiest = windows
            .iter()
            .filter(|w| !w.reset)
            .max_by(|a, b| a.used_percent.total_cmp(&b.used_percent));
        let limits = match busiest {
            Some(w) => format!("; busiest rate limit {} at {}%", name(w), w.used_percent),
            None => String::new(),
        };
        (Route::Cloud, format!("{spent_text}{limits}"))
    };
    Budget {
        verdict,
        reason,
        day_start_utc,
        tz: o.tz.clone(),
        spent_usd: spent,
        daily_limit_usd: o.daily_limit_usd,
        remaining_usd: remaining,
        spend,
        rate_limits: windows,
    }
}

/// `seen_at` (`YYYY-MM-DD hh:mm:ss[.fff]`, UTC) in unix seconds.
fn seen_s(seen_at: &str) -> Option<u64> {
    let ts: Timestamp = format!("{}Z", seen_at.replacen(' ', "T", 1)).parse().ok()?;
    u64::try_from(ts.as_second()).ok()
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(used: f64, resets_at: u64) -> Window {
        Window {
            agent: "codex".into(),
            limit_id: "codex".into(),
            window: "primary".into(),
            used_percent: used,
            window_minutes: 300,
            resets_at,
            plan_type: "pro".into(),
            seen_at: String::new(),
            reset: false,
            exhausted: false,
        }
    }

    fn spend(cost: f64) -> Vec<Spend> {
        vec![Spend {
            agent: "claude".into(),
            model: "m".into(),
            calls: 1,
            input_tokens: 1,
            cached_tokens: 0,
            output_tokens: 1,
            cost_usd: cost,
        }]
    }

    #[test]
    fn a_window_that_has_reset_no_longer_counts() {
        let mut o = BudgetOptions::new(Timestamp::from_second(2_000).unwrap(), "UTC");
        o.daily_limit_usd = Some(10.0);
        let b = judge(&o, String::new(), spend(1.0), vec![window(100.0, 1_000)]);
        assert_eq!(b.verdict, Route::Cloud, "{}", b.reason);
        assert!(b.rate_limits[0].reset);
        let b = judge(&o, String::new(), spend(1.0), vec![window(100.0, 3_000)]);
        assert_eq!(b.verdict, Route::Local, "{}", b.reason);
        let b = judge(&o, String::new(), spend(1.0), vec![window(100.0, 0)]);
        assert_eq!(
            b.verdict,
            Route::Local,
            "an unknown reset time is not a reset"
        );
    }
}
