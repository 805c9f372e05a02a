//! The context brief of a project: what both agents just did there, newest first.

use std::fmt::Write as _;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::query::{Param, query_file, redact, utc_text};
use crate::{Error, Source};

/// What to put in a brief.
#[derive(Debug, Clone)]
pub struct BriefOptions {
    /// The project path, exactly as the agents logged it (their working directory).
    pub project: String,
    /// The instant the brief describes; sessions and errors after it are left out.
    pub now: Timestamp,
    /// IANA time zone of the times shown.
    pub tz: String,
    /// Sessions active within this long before `now` are listed.
    pub history: SignedDuration,
    /// Tools that failed within this long before `now` are listed.
    pub failure_window: SignedDuration,
    /// At most this many recent sessions, and files from this many latest sessions.
    pub sessions: u32,
    /// At most this many entries in each other list.
    pub items: u32,
}

impl BriefOptions {
    /// The defaults: 30 days of sessions (at most 6), failures of the last hour, 8 entries per list.
    pub fn new(project: impl Into<String>, now: Timestamp, tz: impl Into<String>) -> Self {
        Self {
            project: project.into(),
            now,
            tz: tz.into(),
            history: SignedDuration::from_hours(30 * 24),
            failure_window: SignedDuration::from_hours(1),
            sessions: 6,
            items: 8,
        }
    }
}

/// One session as of its latest snapshot (`sessions.sql`, `handoff_sessions.sql`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRow {
    pub agent: String,
    pub session_id: String,
    pub model: String,
    pub project_path: String,
    pub git_branch: String,
    pub started_at: String,
    pub last_activity_at: String,
    pub dur_ms: u64,
    pub turns: u64,
    pub total_input_tokens: u64,
    pub total_cached_tokens: u64,
    pub total_cache_write_tokens: u64,
    pub total_output_tokens: u64,
    pub total_reasoning_tokens: u64,
    pub total_cost_usd: f64,
    pub tool_calls: u64,
    pub failed_tool_calls: u64,
    pub parent_session_id: String,
    pub source: String,
}

/// A tool input that failed recently (`failing_inputs.sql`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedInput {
    pub agent: String,
    pub tool_name: String,
    pub input_summary: String,
    pub failures: u64,
    pub last_failed_at: String,
}

/// A file the latest sessions read or edited (`brief_files.sql`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileTouch {
    pub path: String,
    /// `edited` or `read`.
    pub action: String,
    /// The agents that touched it, comma-separated.
    pub agents: String,
    pub touches: u64,
    pub last_at: String,
}

/// An agent's latest error in the project (`last_errors.sql`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LastError {
    pub agent: String,
    pub at: String,
    pub session_id: String,
    /// `tool` (a failed tool call) or `model` (a model call that ended in an error).
    pub kind: String,
    /// The tool or the model.
    pub name: String,
    /// The tool's input summary or the call's stop reason.
    pub detail: String,
}

/// One thing a session left behind (`handoff.sql`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HandoffItem {
    /// `edited`, `command` or `unresolved`.
    pub kind: String,
    pub tool_name: String,
    /// The path, the command or the failed input.
    pub detail: String,
    /// Times done (for `unresolved`: times failed).
    pub times: u64,
    pub last_at: String,
}

/// An agent's latest session in the project and what it left behind.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Handoff {
    pub session: SessionRow,
    /// Files it modified, newest first.
    pub edited: Vec<HandoffItem>,
    /// Shell commands it ran, newest first.
    pub commands: Vec<HandoffItem>,
    /// Tool calls that failed and were not followed by a success of the same tool and input.
    pub unresolved: Vec<HandoffItem>,
}

/// Everything a brief says about a project.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Brief {
    pub project: String,
    pub tz: String,
    /// Sessions of both agents, latest activity first.
    pub sessions: Vec<SessionRow>,
    /// Tool inputs that failed in the failure window, most failures first.
    pub failed_tools: Vec<FailedInput>,
    /// Files the latest sessions read and edited, newest first.
    pub files: Vec<FileTouch>,
    /// Each agent's latest error.
    pub last_errors: Vec<LastError>,
    /// Each agent's latest session, as a handoff to the other.
    pub handoffs: Vec<Handoff>,
}

/// Which agent the brief is written for: the handoff shown is the other agent's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// `CLAUDE.md`: the handoff from Codex.
    Claude,
    /// `AGENTS.md`: the handoff from Claude Code.
    Codex,
    /// Both handoffs.
    Both,
}

impl Audience {
    fn reads_handoff_of(self, agent: &str) -> bool {
        match self {
            Audience::Claude => agent != "claude",
            Audience::Codex => agent != "codex",
            Audience::Both => true,
        }
    }
}

impl Brief {
    /// Asks the server.
    pub fn fetch(source: &Source, o: &BriefOptions) -> Result<Brief, Error> {
        let until = utc_text(o.now);
        let since = utc_text(o.now - o.history);
        let failures_since = utc_text(o.now - o.failure_window);
        let project = o.project.as_str();
        let tz = o.tz.as_str();
        source.block_on(async {
            let sessions: Vec<SessionRow> = source
                .rows(
                    &query_file!("sessions.sql"),
                    &[
                        ("since", Param::Text(&since)),
                        ("until", Param::Text(&until)),
                        ("project", Param::Text(project)),
                        ("tz", Param::Text(tz)),
                        ("limit", Param::Count(o.sessions)),
                    ],
                )
                .await?;
            let mut failed_tools: Vec<FailedInput> = source
                .rows(
                    &query_file!("failing_inputs.sql"),
                    &[
                        ("since", Param::Text(&failures_since)),
                        ("until", Param::Text(&until)),
                        ("project", Param::Text(project)),
                        ("tz", Param::Text(tz)),
                        ("limit", Param::Count(o.items)),
                    ],
                )
                .await?;
            let mut files: Vec<FileTouch> = source
                .rows(
                    &query_file!("brief_files.sql"),
                    &[
                        ("project", Param::Text(project)),
                        ("until", Param::Text(&until)),
                        ("sessions", Param::Count(o.sessions)),
                        ("limit", Param::Count(o.items * 2)),
                        ("tz", Param::Text(tz)),
                    ],
                )
                .await?;
            let mut last_errors: Vec<LastError> = source
                .rows(
                    &query_file!("last_errors.sql"),
                    &[
                        ("project", Param::Text(project)),
                        ("until", Param::Text(&until)),
                        ("tz", Param::Text(tz)),
                    ],
                )
                .await?;
            let latest: Vec<SessionRow> = source
                .rows(
                    &query_file!("handoff_sessions.sql"),
                    &[
                        ("project", Param::Text(project)),
                        ("until", Param::Text(&until)),
                        ("tz", Param::Text(tz)),
                    ],
                )
                .await?;
            let mut handoffs = Vec::with_capacity(latest.len());
            for session in latest {
                let items: Vec<HandoffItem> = source
                    .rows(
                        &query_file!("handoff.sql"),
                        &[
                            ("agent", Param::Text(&session.agent)),
                            ("session", Param::Text(&session.session_id)),
                            ("project", Param::Text(project)),
                            ("tz", Param::Text(tz)),
                            ("limit", Param::Count(o.items)),
                        ],
                    )
                    .await?;
                let (mut edited, mut commands, mut unresolved) =
                    (Vec::new(), Vec::new(), Vec::new());
                for mut item in items {
                    redact(&mut item.detail);
                    match item.kind.as_str() {
                        "edited" => edited.push(item),
                        "command" => commands.push(item),
                        _ => unresolved.push(item),
                    }
                }
                handoffs.push(Handoff {
                    session,
                    edited,
                    commands,
                    unresolved,
                });
            }
            failed_tools
                .iter_mut()
                .for_each(|f| redact(&mut f.input_summary));
            files.iter_mut().for_each(|f| redact(&mut f.path));
            last_errors.iter_mut().for_each(|e| redact(&mut e.detail));
            Ok(Brief {
                project: o.project.clone(),
                tz: o.tz.clone(),
                sessions,
                failed_tools,
                files,
                last_errors,
                handoffs,
            })
        })
    }

    /// The brief's data and its Markdown (key `markdown`) as one JSON object.
    pub fn json(&self, audience: Audience, max_bytes: usize) -> String {
        #[derive(Serialize)]
        struct WithMarkdown<'a> {
            #[serde(flatten)]
            brief: &'a Brief,
            markdown: String,
        }
        serde_json::to_string(&WithMarkdown {
            brief: self,
            markdown: self.markdown(audience, max_bytes),
        })
        .unwrap_or_default()
    }

    /// The brief as Markdown for `audience`, at most `max_bytes` long: lists are shortened
    /// until it fits, and a brief that still does not fit is cut at a line.
    pub fn markdown(&self, audience: Audience, max_bytes: usize) -> String {
        let longest = [
            self.sessions.len(),
            self.failed_tools.len(),
            self.files.len(),
        ]
        .into_iter()
        .chain(
            self.handoffs
                .iter()
                .flat_map(|h| [h.edited.len(), h.commands.len(), h.unresolved.len()]),
        )
        .max()
        .unwrap_or(0);
        let mut items = longest.max(1);
        loop {
            let text = self.render(audience, items);
            if text.len() <= max_bytes {
                return text;
            }
            if items == 1 {
                return cut_at_line(&text, max_bytes);
            }
            items -= 1;
        }
    }

    fn render(&self, audience: Audience, items: usize) -> String {
        let mut out = String::new();
        let latest = self
            .sessions
            .iter()
            .chain(self.handoffs.iter().map(|h| &h.session))
            .map(|s| s.last_activity_at.as_str())
            .max();
        let _ = writeln!(out, "## Recent agent activity (seqch)\n");
        let _ = write!(out, "Project `{}`", inline(&self.project));
        match latest {
            Some(at) => {
                let _ = writeln!(out, ", latest activity {} {}.", minute(at), self.tz);
            }
            None => {
                let _ = writeln!(out, ": no agent activity recorded yet.");
            }
        }
        let _ = writeln!(
            out,
            "Written by `seqch-tail context` from ClickHouse; this block is replaced on every update."
        );

        for h in self
            .handoffs
            .iter()
            .filter(|h| audience.reads_handoff_of(&h.session.agent))
        {
            let s = &h.session;
            let _ = writeln!(
                out,
                "\n### Latest {} session (handoff)\n",
                agent_name(&s.agent)
            );
            let _ = writeln!(
                out,
                "`{}` · {} · branch `{}` · {} → {} · {} calls · {} · {} tool calls ({} failed)",
                inline(&s.session_id),
                inline(&s.model),
                inline(&s.git_branch),
                minute(&s.started_at),
                minute(&s.last_activity_at),
                s.turns,
                usd(s.total_cost_usd),
                s.tool_calls,
                s.failed_tool_calls
            );
            let list = |label: &str, items_of: &[HandoffItem], out: &mut String| {
                if items_of.is_empty() {
                    let _ = writeln!(out, "- {label}: none");
                    return;
                }
                let shown: Vec<String> = items_of
                    .iter()
                    .take(items)
                    .map(|i| {
                        let times = if i.times > 1 {
                            format!(" ({}×)", i.times)
                        } else {
                            String::new()
                        };
                        format!("`{}`{times}", inline(&i.detail))
                    })
                    .collect();
                let more = items_of.len().saturating_sub(items);
                let more = if more > 0 {
                    format!(", and {more} more")
                } else {
                    String::new()
                };
                let _ = writeln!(out, "- {label}: {}{more}", shown.join(", "));
            };
            list("Files modified", &h.edited, &mut out);
            list("Commands run", &h.commands, &mut out);
            if h.unresolved.is_empty() {
                let _ = writeln!(out, "- Unresolved errors: none");
            } else {
                let _ = writeln!(out, "- Unresolved errors:");
                for u in h.unresolved.iter().take(items) {
                    let _ = writeln!(
                        out,
                        "  - {} `{}` failed {}×, last {}",
                        inline(&u.tool_name),
                        inline(&u.detail),
                        u.times,
                        minute(&u.last_at)
                    );
                }
            }
        }

        if !self.sessions.is_empty() {
            let _ = writeln!(out, "\n### Recent sessions\n");
            let _ = writeln!(
                out,
                "| last activity | agent | session | model | calls | tokens in / out | cost | tool calls (failed) |"
            );
            let _ = writeln!(out, "|---|---|---|---|---:|---:|---:|---:|");
            for s in self.sessions.iter().take(items) {
                let _ = writeln!(
                    out,
                    "| {} | {} | `{}` | {} | {} | {} / {} | {} | {} ({}) |",
                    minute(&s.last_activity_at),
                    agent_name(&s.agent),
                    cell(&s.session_id),
                    cell(&s.model),
                    s.turns,
                    thousands(s.total_input_tokens),
                    thousands(s.total_output_tokens),
                    usd(s.total_cost_usd),
                    s.tool_calls,
                    s.failed_tool_calls
                );
            }
        }

        if !self.failed_tools.is_empty() {
            let _ = writeln!(out, "\n### Tools that failed in the last hour\n");
            for f in self.failed_tools.iter().take(items) {
                let _ = writeln!(
                    out,
                    "- {} {} `{}` failed {}×, last {}",
                    agent_name(&f.agent),
                    inline(&f.tool_name),
                    inline(&f.input_summary),
                    f.failures,
                    minute(&f.last_failed_at)
                );
            }
        }

        if !self.files.is_empty() {
            let _ = writeln!(out, "\n### Files the latest sessions read and edited\n");
            for f in self.files.iter().take(items) {
                let _ = writeln!(
                    out,
                    "- {} `{}` ({}, {}×, last {})",
                    inline(&f.action),
                    inline(&f.path),
                    inline(&f.agents),
                    f.touches,
                    minute(&f.last_at)
                );
            }
        }

        if !self.last_errors.is_empty() {
            let _ = writeln!(out, "\n### Last error of each agent\n");
            for e in &self.last_errors {
                let what = if e.kind == "model" {
                    format!(
                        "model call to {} ended with `{}`",
                        inline(&e.name),
                        inline(&e.detail)
                    )
                } else {
                    format!("{} `{}` failed", inline(&e.name), inline(&e.detail))
                };
                let _ = writeln!(
                    out,
                    "- {}: {what} (session `{}`, {})",
                    agent_name(&e.agent),
                    inline(&e.session_id),
                    minute(&e.at)
                );
            }
        }
        out
    }
}

/// `claude` → `Claude Code`, `codex` → `Codex`; other agents by their own name.
fn agent_name(agent: &str) -> &str {
    match agent {
        "claude" => "Claude Code",
        "codex" => "Codex",
        other => other,
    }
}

/// `2031-03-10 18:45:00.000` → `2031-03-10 18:45`.
fn minute(at: &str) -> &str {
    at.get(..16).unwrap_or(at)
}

/// Text from the tables, safe inside a Markdown code span on one line and unable to close the
/// marker comments of a memory file.
fn inline(text: &str) -> String {
    text.replace(['\n', '\r', '\t'], " ")
        .replace('`', "'")
        .replace("<!--", "< !--")
        .replace("-->", "-- >")
}

/// [`inline`] for a table cell: `|` would end the cell.
fn cell(text: &str) -> String {
    inline(text).replace('|', "\\|")
}

fn usd(v: f64) -> String {
    if v != 0.0 && v.abs() < 0.01 {
        format!("${v:.4}")
    } else {
        format!("${v:.2}")
    }
}

/// `1234567` → `1,234,567`: how the brief and `seqch-tail summary` print counts.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The longest prefix of whole lines within `max` bytes, with a note that it was cut.
fn cut_at_line(text: &str, max: usize) -> String {
    const NOTE: &str = "…(cut to fit)\n";
    let budget = max.saturating_sub(NOTE.len());
    let end = text[..seqch_rows::redact::truncate(text, budget).len()]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    format!("{}{NOTE}", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_text_cannot_break_out_of_a_code_span_or_a_marker() {
        assert_eq!(
            inline("a`b\n<!-- seqch:end -->"),
            "a'b < !-- seqch:end -- >"
        );
        assert_eq!(cell("x|y"), "x\\|y");
    }

    #[test]
    fn numbers_read_like_money_and_counts() {
        assert_eq!(usd(0.875), "$0.88");
        assert_eq!(usd(0.003125), "$0.0031");
        assert_eq!(usd(0.0), "$0.00");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
    }

    #[test]
    fn an_over_long_brief_is_cut_at_a_line() {
        let cut = cut_at_line("line one\nline two\nline three\n", 30);
        assert!(cut.len() <= 30, "{cut:?}");
        assert_eq!(cut, "line one\n…(cut to fit)\n");
    }
}
