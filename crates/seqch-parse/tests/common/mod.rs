//! Helpers shared by the parser's integration tests.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use seqch_parse::sources::{self, LogFile};
use seqch_parse::{Agent, Sink};
use seqch_rows::{RateLimit, Session, ToolCall, Turn};

/// The final content of every keyed table after a run: what ClickHouse would hold once
/// replacements are merged.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Tables {
    pub turns: BTreeMap<(String, String, String), String>,
    pub tool_calls: BTreeMap<(String, String, String), String>,
    pub rate_limits: BTreeMap<(String, u64, String), String>,
    pub sessions: BTreeMap<(String, String), String>,
    pub rows_seen: u64,
}

impl Sink for Tables {
    fn turn(&mut self, t: &Turn<'_>, _replaces: Option<&Turn<'_>>) {
        self.rows_seen += 1;
        self.turns.insert(
            (t.agent.into(), t.session_id.into(), t.turn_id.into()),
            format!("{t:?}"),
        );
    }
    fn tool_call(&mut self, c: &ToolCall<'_>) {
        self.rows_seen += 1;
        self.tool_calls.insert(
            (c.agent.into(), c.session_id.into(), c.call_id.into()),
            format!("{c:?}"),
        );
    }
    fn rate_limit(&mut self, r: &RateLimit<'_>) {
        self.rows_seen += 1;
        self.rate_limits.insert(
            (r.session_id.into(), r.ts_ms, r.window.into()),
            format!("{r:?}"),
        );
    }
    fn session(&mut self, s: &Session<'_>) {
        self.rows_seen += 1;
        self.sessions
            .insert((s.agent.into(), s.session_id.into()), format!("{s:?}"));
    }
}

pub fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cases")
}

/// Every case directory, by name.
pub fn cases() -> Vec<PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(cases_dir())
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The log files of a case, in the order `seqch-tail summary` reads them.
pub fn case_files(case: &Path) -> Vec<LogFile> {
    let mut files = sources::claude_files(&[case.join("claude/projects")]);
    files.extend(sources::codex_files(&case.join("codex/sessions")));
    files
}

pub fn is_claude(f: &LogFile) -> bool {
    f.agent == Agent::Claude
}
