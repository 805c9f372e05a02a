//! The offline summary: per-day and per-model usage, per-tool counts and per-session totals,
//! aggregated from the rows a [`Parser`](crate::Parser) emits, and its stable JSON Lines form
//! (COUNTING.md, "Summary").

use std::collections::BTreeMap;

use foldhash::{HashMap, HashMapExt};
use std::io::{self, Write};

use jiff::tz::TimeZone;
use seqch_rows::{Session, ToolCall, Turn};
use serde::Serialize;

use crate::parser::Sink;
use crate::skipped::Skipped;
use crate::time::{day_span, format_ts_ms};

/// Token and cost totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Totals {
    pub calls: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cached_tokens: u64,
    pub cache_write_tokens: u64,
    pub reasoning_tokens: u64,
    pub cost_usd: f64,
}

impl Totals {
    fn apply(&mut self, t: &Turn<'_>, sign: i64) {
        let add = |n: &mut u64, v: u32| *n = (*n as i64 + sign * i64::from(v)) as u64;
        if sign > 0 {
            self.calls += 1;
        } else {
            self.calls -= 1;
        }
        add(&mut self.input_tokens, t.input_tokens);
        add(&mut self.output_tokens, t.output_tokens);
        add(&mut self.cached_tokens, t.cached_tokens);
        add(&mut self.cache_write_tokens, t.cache_write_tokens);
        add(&mut self.reasoning_tokens, t.reasoning_tokens);
        self.cost_usd += sign as f64 * t.cost_usd;
    }

    pub fn add(&mut self, o: &Totals) {
        self.calls += o.calls;
        self.input_tokens += o.input_tokens;
        self.output_tokens += o.output_tokens;
        self.cached_tokens += o.cached_tokens;
        self.cache_write_tokens += o.cache_write_tokens;
        self.reasoning_tokens += o.reasoning_tokens;
        self.cost_usd += o.cost_usd;
    }
}

/// Usage of one (day, agent, model).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsageRow {
    pub kind: &'static str,
    pub agent: String,
    pub model: String,
    pub day: String,
    #[serde(flatten)]
    pub totals: Totals,
}

/// Calls of one (agent, tool).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolRow {
    pub kind: &'static str,
    pub agent: String,
    pub tool_name: String,
    pub calls: u64,
    pub failed: u64,
}

/// One session's totals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionRow {
    pub kind: &'static str,
    pub agent: String,
    pub session_id: String,
    pub project_path: String,
    pub git_branch: String,
    pub first_ts: String,
    pub last_ts: String,
    #[serde(skip)]
    pub first_ts_ms: u64,
    #[serde(skip)]
    pub dur_ms: u64,
    #[serde(flatten)]
    pub totals: Totals,
    #[serde(skip)]
    pub tool_calls: u32,
    #[serde(skip)]
    pub failed_tool_calls: u32,
}

/// The day of `ms` in `tz`, from `last` (the last row's day) when it is the same.
fn day_of<'d>(last: &'d mut (std::ops::Range<u64>, String), tz: &TimeZone, ms: u64) -> &'d str {
    if !last.0.contains(&ms) {
        *last = day_span(ms, tz);
    }
    &last.1
}

/// Aggregates rows into the summary. Days are calendar days in `tz`.
pub struct Summary {
    tz: TimeZone,
    /// The first day kept, as `day_span` writes it.
    since: Option<String>,
    usage: BTreeMap<(String, String, String), Totals>,
    tools: BTreeMap<(String, String), (u64, u64)>,
    sessions: HashMap<(String, String), SessionRow>,
    /// The last row's day and its span: rows come in time order, mostly of the same day.
    day: (std::ops::Range<u64>, String),
    /// Keys to look rows up with, refilled per row instead of allocated.
    usage_key: (String, String, String),
    tool_key: (String, String),
}

impl Summary {
    pub fn new(tz: TimeZone) -> Self {
        Self {
            tz,
            since: None,
            usage: BTreeMap::new(),
            tools: BTreeMap::new(),
            sessions: HashMap::new(),
            day: (0..0, String::new()),
            usage_key: Default::default(),
            tool_key: Default::default(),
        }
    }

    /// Keeps only activity on or after `day` (in the summary's time zone).
    pub fn since(mut self, day: jiff::civil::Date) -> Self {
        self.since = Some(day.to_string());
        self
    }

    fn before_since(&mut self, ms: u64) -> bool {
        self.since
            .as_deref()
            .is_some_and(|since| day_of(&mut self.day, &self.tz, ms) < since)
    }

    /// Adds `turn` (`sign` 1) or takes it back (-1) from its day and model.
    fn add_usage(&mut self, turn: &Turn<'_>, sign: i64) {
        let key = &mut self.usage_key;
        for (k, v) in [
            (&mut key.0, day_of(&mut self.day, &self.tz, turn.ts_ms)),
            (&mut key.1, turn.agent),
            (&mut key.2, turn.model),
        ] {
            k.clear();
            k.push_str(v);
        }
        match self.usage.get_mut(key) {
            Some(t) => t.apply(turn, sign),
            // A row taken back was added before.
            None if sign > 0 => {
                let mut t = Totals::default();
                t.apply(turn, sign);
                self.usage.insert(key.clone(), t);
            }
            None => {}
        }
    }

    /// Usage rows sorted by (day, agent, model).
    pub fn usage(&self) -> Vec<UsageRow> {
        self.usage
            .iter()
            .map(|((day, agent, model), totals)| UsageRow {
                kind: "usage",
                agent: agent.clone(),
                model: model.clone(),
                day: day.clone(),
                totals: *totals,
            })
            .collect()
    }

    /// Tool rows sorted by (agent, tool).
    pub fn tools(&self) -> Vec<ToolRow> {
        self.tools
            .iter()
            .map(|((agent, tool), (calls, failed))| ToolRow {
                kind: "tool",
                agent: agent.clone(),
                tool_name: tool.clone(),
                calls: *calls,
                failed: *failed,
            })
            .collect()
    }

    /// Session rows sorted by (agent, first activity, id).
    pub fn sessions(&self) -> Vec<SessionRow> {
        let mut rows: Vec<_> = self.sessions.values().cloned().collect();
        rows.sort_by(|a, b| {
            (&a.agent, a.first_ts_ms, &a.session_id).cmp(&(&b.agent, b.first_ts_ms, &b.session_id))
        });
        rows
    }

    /// Writes the documented JSON Lines: usage, tool and session objects, then `skipped` and
    /// `unpriced`.
    pub fn write_json(
        &self,
        skipped: &Skipped,
        unpriced: &BTreeMap<String, u64>,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        for row in self.usage() {
            writeln!(out, "{}", serde_json::to_string(&row)?)?;
        }
        for row in self.tools() {
            writeln!(out, "{}", serde_json::to_string(&row)?)?;
        }
        for row in self.sessions() {
            writeln!(out, "{}", serde_json::to_string(&row)?)?;
        }
        let mut skipped_obj = serde_json::Map::new();
        skipped_obj.insert("kind".into(), "skipped".into());
        for (reason, n) in skipped.by_reason() {
            skipped_obj.insert(reason.into(), n.into());
        }
        writeln!(out, "{}", serde_json::Value::Object(skipped_obj))?;
        let mut unpriced_obj = serde_json::Map::new();
        unpriced_obj.insert("kind".into(), "unpriced".into());
        for (model, n) in unpriced {
            unpriced_obj.insert(model.clone(), (*n).into());
        }
        writeln!(out, "{}", serde_json::Value::Object(unpriced_obj))?;
        Ok(())
    }
}

impl Sink for Summary {
    fn turn(&mut self, turn: &Turn<'_>, replaces: Option<&Turn<'_>>) {
        if self.before_since(turn.ts_ms) {
            return;
        }
        if let Some(old) = replaces {
            self.add_usage(old, -1);
        }
        self.add_usage(turn, 1);
    }

    fn tool_call(&mut self, call: &ToolCall<'_>) {
        if self.before_since(call.ts_ms) {
            return;
        }
        let key = &mut self.tool_key;
        key.0.clear();
        key.0.push_str(call.agent);
        key.1.clear();
        key.1.push_str(call.tool_name);
        let e = match self.tools.get_mut(key) {
            Some(e) => e,
            None => self.tools.entry(key.clone()).or_default(),
        };
        e.0 += 1;
        e.1 += u64::from(call.ok == 0);
    }

    fn session(&mut self, s: &Session<'_>) {
        if self.before_since(s.ts_ms) {
            return;
        }
        let row = SessionRow {
            kind: "session",
            agent: s.agent.to_owned(),
            session_id: s.session_id.to_owned(),
            project_path: s.project_path.to_owned(),
            git_branch: s.git_branch.to_owned(),
            first_ts: format_ts_ms(s.first_ts_ms),
            last_ts: format_ts_ms(s.ts_ms),
            first_ts_ms: s.first_ts_ms,
            dur_ms: s.dur_ms,
            totals: Totals {
                calls: u64::from(s.turns),
                input_tokens: s.total_input_tokens,
                output_tokens: s.total_output_tokens,
                cached_tokens: s.total_cached_tokens,
                cache_write_tokens: s.total_cache_write_tokens,
                reasoning_tokens: s.total_reasoning_tokens,
                cost_usd: s.total_cost_usd,
            },
            tool_calls: s.tool_calls,
            failed_tool_calls: s.failed_tool_calls,
        };
        self.sessions
            .insert((row.agent.clone(), row.session_id.clone()), row);
    }
}
