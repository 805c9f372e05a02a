//! Codex code reviews (`/review`, `review/start`) in rollout files, in both shapes: 0.169's
//! `event_msg.item_completed` items `EnteredReviewMode` / `ExitedReviewMode`, and the legacy
//! `event_msg` types `entered_review_mode` / `exited_review_mode`.
//!
//! A review spans two files. The parent thread's file holds its target, its output (verdict,
//! findings) and how its turn ended; the reviewer sub-session's file (`source =
//! {"subagent":"review"}`) holds the model calls, which the parser already counts as that
//! session's turns. A review is identified by (parent thread, root turn). Its reviewer is found,
//! whatever order the files are read in, by the first of: the thread id of the reviewer prompt
//! copied into the parent (0.169), the reviewer's `parent_thread_id` (later legacy), the
//! reviewer turn id both files share (plain legacy). The rules are in COUNTING.md ("Reviews").

use std::collections::HashMap;

use seqch_rows::{Review, ReviewFinding};

use crate::json::{BadField, Field, Value, field, obj_field, str_field, u64_field};
use crate::parser::{Agent, SessionAgg, Sink};

/// One finding of a review's output.
#[derive(Debug, Clone, PartialEq)]
struct Finding {
    priority: Option<u8>,
    confidence: f32,
    title: String,
    body: String,
    file: String,
    line_start: u32,
    line_end: u32,
}

/// A review's output (`review_output`): the verdict and the findings.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Output {
    verdict: String,
    confidence: Option<f32>,
    explanation: String,
    findings: Vec<Finding>,
}

impl Output {
    pub(crate) fn read(v: Value<'_, '_>) -> Field<Output> {
        let text = |v: Value<'_, '_>, key: &'static str| -> Result<String, BadField> {
            Ok(str_field(v, key)?.unwrap_or("").to_owned())
        };
        let number = |v: Value<'_, '_>, key: &'static str| field(v, key).and_then(|x| x.cast_f64());
        let mut findings = Vec::new();
        let list = field(v, "findings").and_then(|x| x.as_array());
        for f in list.iter().flat_map(|a| a.iter()) {
            let title = text(f, "title")?;
            let location = obj_field(f, "code_location")?;
            let range = location
                .map(|l| obj_field(l, "line_range"))
                .transpose()?
                .flatten();
            let line = |key| {
                range
                    .map(|r| u64_field(r, key))
                    .transpose()
                    .map(|n| n.flatten())
            };
            findings.push(Finding {
                priority: u64_field(f, "priority")?
                    .map(|p| p.min(3) as u8)
                    .or_else(|| title_priority(&title)),
                confidence: number(f, "confidence_score").unwrap_or(0.0) as f32,
                body: seqch_rows::redact::redact(&text(f, "body")?).into_owned(),
                file: location
                    .map(|l| str_field(l, "absolute_file_path"))
                    .transpose()?
                    .flatten()
                    .unwrap_or("")
                    .to_owned(),
                line_start: line("start")?.unwrap_or(0).min(u64::from(u32::MAX)) as u32,
                line_end: line("end")?.unwrap_or(0).min(u64::from(u32::MAX)) as u32,
                title,
            });
        }
        Ok(Some(Output {
            verdict: text(v, "overall_correctness")?,
            confidence: number(v, "overall_confidence_score").map(|c| c as f32),
            explanation: seqch_rows::redact::redact(&text(v, "overall_explanation")?).into_owned(),
            findings,
        }))
    }
}

/// `[P1] Title` → 1.
fn title_priority(title: &str) -> Option<u8> {
    let rest = title.strip_prefix("[P")?;
    let (n, _) = rest.split_once(']')?;
    n.parse::<u8>().ok().map(|p| p.min(3))
}

/// `{"type":"baseBranch","branch":"main"}` → (`baseBranch`, `main`).
pub(crate) fn target(v: Value<'_, '_>) -> Result<(String, String), BadField> {
    let kind = str_field(v, "type")?.unwrap_or("").to_owned();
    let value = match kind.as_str() {
        "baseBranch" => str_field(v, "branch")?.unwrap_or("").to_owned(),
        "commit" => {
            let sha = str_field(v, "sha")?.unwrap_or("");
            match str_field(v, "title")? {
                Some(title) => format!("{sha} {title}"),
                None => sha.to_owned(),
            }
        }
        "custom" => str_field(v, "instructions")?.unwrap_or("").to_owned(),
        _ => String::new(),
    };
    Ok((kind, value))
}

/// A review in progress in one parent file: from its entry event to the end of its turn.
#[derive(Debug, Default)]
pub(crate) struct Open {
    /// The root turn: the entry event's, or, in the plain legacy shape, the closing event's.
    pub(crate) outer: Option<String>,
    /// The reviewer's turn, from the reviewer's `task_started` copied into the parent.
    pub(crate) inner: Option<String>,
    /// The reviewer thread, from the reviewer prompt copied into the parent (0.169).
    pub(crate) reviewer: Option<String>,
    pub(crate) target_kind: String,
    pub(crate) target_value: String,
    pub(crate) started_ms: u64,
    pub(crate) exited: bool,
    pub(crate) output: Option<Output>,
}

impl Open {
    /// Whether a `task_complete` / `turn_aborted` of `turn_id` ends the review's turn.
    pub(crate) fn ends_with(&self, turn_id: Option<&str>) -> bool {
        match (&self.outer, turn_id) {
            (Some(outer), Some(t)) => outer == t,
            (Some(_), None) => false,
            // Plain legacy: the first end after the review that is not the reviewer's turn.
            (None, t) => t.is_none() || t != self.inner.as_deref(),
        }
    }
}

/// How a review's turn ended.
pub(crate) struct End {
    pub(crate) turn_id: Option<String>,
    pub(crate) status: &'static str,
    pub(crate) error: String,
    pub(crate) ended_ms: u64,
    pub(crate) dur_ms: Option<u64>,
}

/// A review whose turn ended, kept to be emitted again as its reviewer's calls arrive.
struct Closed {
    id: String,
    parent_id: String,
    project: String,
    open: Open,
    end: End,
    /// The version last emitted.
    emitted: Option<u32>,
}

/// Every review of a scan, and what links reviewers to them.
#[derive(Default)]
pub(crate) struct Reviews {
    closed: Vec<Closed>,
    by_id: HashMap<String, usize>,
    /// Reviewer sessions by the parent thread their `session_meta` names.
    children: HashMap<String, Vec<u32>>,
    /// Reviewer sessions by their first turn.
    by_turn: HashMap<String, u32>,
}

impl Reviews {
    /// A reviewer sub-session started: its session, the parent it names, its first turn.
    pub(crate) fn reviewer(&mut self, session: u32, parent: Option<&str>, turn: Option<&str>) {
        if let Some(p) = parent {
            let c = self.children.entry(p.to_owned()).or_default();
            if !c.contains(&session) {
                c.push(session);
            }
        }
        if let Some(t) = turn {
            self.by_turn.entry(t.to_owned()).or_insert(session);
        }
    }

    /// A review's turn ended in the parent thread `parent_id` (working in `project`).
    pub(crate) fn close(&mut self, parent_id: &str, project: &str, mut open: Open, end: End) {
        if open.outer.is_none() {
            open.outer = end.turn_id.clone();
        }
        // Without any turn id (a plain legacy review cut off by a crash), its start tells it
        // from the thread's other reviews.
        let id = match &open.outer {
            Some(outer) => format!("{parent_id}:{outer}"),
            None => format!("{parent_id}:{}", open.started_ms),
        };
        let closed = Closed {
            id: id.clone(),
            parent_id: parent_id.to_owned(),
            project: project.to_owned(),
            open,
            end,
            emitted: None,
        };
        match self.by_id.get(&id) {
            // The same review read again (a file re-read from its start): the same facts.
            Some(&i) => {
                let emitted = self.closed[i].emitted;
                self.closed[i] = Closed { emitted, ..closed };
            }
            None => {
                self.by_id.insert(id, self.closed.len());
                self.closed.push(closed);
            }
        }
    }

    /// Emits every review with something new since its last emission (its first emission also
    /// brings its findings). `session_of` finds a Codex session by id without creating one.
    pub(crate) fn flush(
        &mut self,
        sessions: &[SessionAgg],
        session_of: &dyn Fn(&str) -> Option<u32>,
        name: &dyn Fn(&SessionAgg) -> (String, String),
        sink: &mut dyn Sink,
    ) {
        for r in &mut self.closed {
            let reviewer = r
                .open
                .reviewer
                .as_deref()
                .and_then(session_of)
                .or_else(|| {
                    r.open
                        .inner
                        .as_deref()
                        .and_then(|t| self.by_turn.get(t).copied())
                })
                .or_else(|| {
                    // By parent: the child that started within the review (one review at a time
                    // runs in a thread, so at most one does).
                    let (from, to) = (r.open.started_ms, r.end.ended_ms);
                    self.children.get(&r.parent_id).and_then(|c| {
                        c.iter().copied().find(|&s| {
                            sessions[s as usize]
                                .first_ts
                                .is_some_and(|t| (from..=to).contains(&t))
                        })
                    })
                });
            let agg = reviewer.map(|s| &sessions[s as usize]);
            let version = 1 + u32::from(agg.is_some()) + agg.map_or(0, |a| a.turns);
            if r.emitted == Some(version) {
                continue;
            }
            let first = r.emitted.is_none();
            r.emitted = Some(version);
            let (reviewer_id, model) = agg.map(name).unwrap_or_default();
            let out = r.open.output.clone().unwrap_or_default();
            let session = r.parent_id.as_str();
            let agent = Agent::Codex.as_str();
            sink.review(&Review {
                ts_ms: r.end.ended_ms,
                review_id: &r.id,
                session_id: session,
                agent,
                project_path: &r.project,
                target_kind: &r.open.target_kind,
                target_value: &r.open.target_value,
                status: r.end.status,
                error: &r.end.error,
                verdict: &out.verdict,
                confidence: out.confidence,
                explanation: &out.explanation,
                findings: out.findings.len() as u32,
                started_ms: r.open.started_ms,
                dur_ms: r
                    .end
                    .dur_ms
                    .unwrap_or(r.end.ended_ms.saturating_sub(r.open.started_ms)),
                reviewer_session_id: &reviewer_id,
                model: &model,
                input_tokens: agg.map_or(0, |a| a.input),
                cached_tokens: agg.map_or(0, |a| a.cached),
                output_tokens: agg.map_or(0, |a| a.output),
                reasoning_tokens: agg.map_or(0, |a| a.reasoning),
                cost_usd: agg.map_or(0.0, |a| a.cost),
                version,
            });
            if first {
                for (i, f) in out.findings.iter().enumerate() {
                    sink.review_finding(&ReviewFinding {
                        ts_ms: r.end.ended_ms,
                        review_id: &r.id,
                        session_id: session,
                        agent,
                        project_path: &r.project,
                        idx: i as u32,
                        priority: f.priority,
                        confidence: f.confidence,
                        title: &f.title,
                        body: &f.body,
                        file_path: &f.file,
                        line_start: f.line_start,
                        line_end: f.line_end,
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priorities_come_from_the_field_or_the_title() {
        assert_eq!(title_priority("[P0] Retry loop"), Some(0));
        assert_eq!(title_priority("[P7] Too big"), Some(3));
        assert_eq!(title_priority("Plain title"), None);
    }
}
