//! Codex reviews read from rollout files in both shapes (0.169's `item_completed` items and the
//! legacy `event_msg` types), completed, interrupted and failed, with the reviewer sub-session
//! linked whichever file is read first. The expected facts were worked out by hand
//! (`tests/fixtures/review/README.md`).

use std::collections::BTreeMap;
use std::path::Path;

use seqch_parse::{Parser, Prices, Sink, sources};
use seqch_rows::{Review, ReviewFinding, Session};

/// The latest (largest version) row of each review, its findings, and the sessions' costs.
#[derive(Default)]
struct Collected {
    reviews: BTreeMap<String, Review<'static>>,
    findings: BTreeMap<(String, u32), ReviewFinding<'static>>,
    session_cost: BTreeMap<String, f64>,
    versions: Vec<u32>,
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

impl Sink for Collected {
    fn review(&mut self, r: &Review<'_>) {
        self.versions.push(r.version);
        let owned = Review {
            review_id: leak(r.review_id),
            session_id: leak(r.session_id),
            agent: leak(r.agent),
            project_path: leak(r.project_path),
            target_kind: leak(r.target_kind),
            target_value: leak(r.target_value),
            status: leak(r.status),
            error: leak(r.error),
            verdict: leak(r.verdict),
            explanation: leak(r.explanation),
            reviewer_session_id: leak(r.reviewer_session_id),
            model: leak(r.model),
            ..r.clone()
        };
        let keep = self
            .reviews
            .get(r.review_id)
            .is_none_or(|old| old.version < r.version);
        if keep {
            self.reviews.insert(r.review_id.to_owned(), owned);
        }
    }
    fn review_finding(&mut self, f: &ReviewFinding<'_>) {
        let owned = ReviewFinding {
            review_id: leak(f.review_id),
            session_id: leak(f.session_id),
            agent: leak(f.agent),
            project_path: leak(f.project_path),
            title: leak(f.title),
            body: leak(f.body),
            file_path: leak(f.file_path),
            ..f.clone()
        };
        let old = self.findings.insert((f.review_id.to_owned(), f.idx), owned);
        assert!(
            old.is_none(),
            "finding {} {} emitted twice",
            f.review_id,
            f.idx
        );
    }
    fn session(&mut self, s: &Session<'_>) {
        self.session_cost
            .insert(s.session_id.to_owned(), s.total_cost_usd);
    }
}

/// The case's files read in name order, and again in reverse order: both give the same rows.
fn read(case: &str) -> Collected {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/review")
        .join(case)
        .join("codex/sessions");
    let files = sources::codex_files(&dir);
    assert_eq!(files.len(), 2, "{case}: a parent and a reviewer");
    let run = |files: &[sources::LogFile]| {
        let mut parser = Parser::new(Prices::embedded());
        let mut c = Collected::default();
        sources::scan(files, &mut parser, &mut c);
        c
    };
    let forward = run(&files);
    let reversed: Vec<_> = files.into_iter().rev().collect();
    let backward = run(&reversed);
    assert_eq!(
        forward.reviews, backward.reviews,
        "{case}: order changed the review"
    );
    assert_eq!(
        forward.findings, backward.findings,
        "{case}: order changed the findings"
    );
    assert!(
        forward.versions.windows(2).all(|w| w[0] < w[1]) || forward.versions.len() < 2,
        "{case}: versions grow: {:?}",
        forward.versions
    );
    forward
}

fn ms(rfc3339: &str) -> u64 {
    rfc3339.parse::<jiff::Timestamp>().unwrap().as_millisecond() as u64
}

fn only(c: &Collected) -> &Review<'static> {
    assert_eq!(c.reviews.len(), 1, "one review: {:?}", c.reviews.keys());
    c.reviews.values().next().unwrap()
}

#[test]
fn a_completed_0169_review() {
    let c = read("codex-0169-completed");
    let r = only(&c);
    assert_eq!(
        r.review_id,
        "01a20cce-567b-7c40-9156-b0a210d6ac17:01a20cce-5691-7543-8a7f-1bce655ba185"
    );
    assert_eq!(r.session_id, "01a20cce-567b-7c40-9156-b0a210d6ac17");
    assert_eq!(
        r.reviewer_session_id,
        "01a20cce-56c2-72c0-af45-461c9e82614b"
    );
    assert_eq!(r.project_path, "/tmp/rp/review-ok/repo");
    assert_eq!((r.target_kind, r.target_value), ("uncommittedChanges", ""));
    assert_eq!((r.status, r.error), ("completed", ""));
    assert_eq!(r.started_ms, ms("2026-11-24T09:06:18.909Z"));
    assert_eq!(r.ts_ms, ms("2026-11-24T09:06:19.056Z"));
    assert_eq!(r.dur_ms, 116);
    assert_eq!(r.verdict, "patch is incorrect");
    assert_eq!(r.confidence, Some(0.85));
    assert_eq!(r.explanation, "The new mean() crashes on an empty list.");
    assert_eq!(r.findings, 2);
    assert_eq!(r.model, "standin-model");
    assert_eq!(
        (
            r.input_tokens,
            r.cached_tokens,
            r.output_tokens,
            r.reasoning_tokens
        ),
        (1200, 200, 300, 64)
    );
    let f: Vec<_> = c.findings.values().collect();
    assert_eq!(
        (f[0].priority, f[0].confidence, f[0].title),
        (Some(1), 0.9, "[P1] Division by zero when the list is empty")
    );
    assert_eq!(
        (f[0].file_path, f[0].line_start, f[0].line_end),
        ("/tmp/rp/review-ok/repo/stats.py", 2, 3)
    );
    assert!(
        f[0].body.starts_with("`mean` divides by `len(xs)`"),
        "{}",
        f[0].body
    );
    assert_eq!(
        (
            f[1].priority,
            f[1].confidence,
            f[1].title,
            f[1].line_start,
            f[1].line_end
        ),
        (Some(3), 0.4, "[P3] Name the rounding precision", 3, 3)
    );
}

#[test]
fn an_interrupted_0169_review_has_no_output() {
    let c = read("codex-0169-interrupted");
    let r = only(&c);
    assert_eq!(
        r.review_id,
        "01a20cce-5d7d-7b50-bde5-5b0ecae5958e:01a20cce-5d95-7e33-a137-131c43da3c5d"
    );
    assert_eq!(
        r.reviewer_session_id,
        "01a20cce-5dd3-7713-b5cf-f8dd5677a722"
    );
    assert_eq!(r.status, "interrupted");
    assert_eq!(r.started_ms, ms("2026-11-24T09:06:20.710Z"));
    assert_eq!(r.ts_ms, ms("2026-11-24T09:06:22.834Z"));
    assert_eq!(r.dur_ms, 2082);
    assert_eq!((r.verdict, r.confidence, r.findings), ("", None, 0));
    assert_eq!(r.model, "standin-model");
    assert_eq!((r.input_tokens, r.output_tokens), (0, 0));
    assert!(c.findings.is_empty());
}

#[test]
fn a_failed_0169_review_says_why() {
    let c = read("codex-0169-failed");
    let r = only(&c);
    assert_eq!(
        r.review_id,
        "01a20cce-6bf2-7793-b920-1c5d4a542cd0:01a20cce-6c09-76d1-bb00-57c01ddd845a"
    );
    assert_eq!(
        r.reviewer_session_id,
        "01a20cce-6c2e-7ca2-86cd-b22f2b00a6c0"
    );
    assert_eq!(r.status, "failed");
    assert_eq!(
        r.error,
        "Missing environment variable: `SEQCH_STANDIN_API_KEY`."
    );
    assert_eq!(r.ts_ms, ms("2026-11-24T09:06:24.522Z"));
    assert_eq!(r.dur_ms, 94);
    assert_eq!((r.findings, r.input_tokens), (0, 0));
}

#[test]
fn a_completed_legacy_review_with_ids() {
    let c = read("codex-legacy-completed");
    let r = only(&c);
    assert_eq!(
        r.review_id,
        "019d6b2e-4a10-7c31-9a55-0f1e2d3c4b01:019d6b30-ff10-7b20-8c02-000000000002"
    );
    assert_eq!(
        r.reviewer_session_id,
        "019d6b31-07c2-7d40-8e11-5a6b7c8d9e02"
    );
    assert_eq!(r.project_path, "/home/dev/widget");
    assert_eq!((r.target_kind, r.target_value), ("baseBranch", "main"));
    assert_eq!(r.status, "completed");
    assert_eq!(r.started_ms, ms("2026-06-15T10:02:00.000Z"));
    assert_eq!(r.ts_ms, ms("2026-06-15T10:02:31.540Z"));
    assert_eq!(r.dur_ms, 31540);
    assert_eq!(
        (r.verdict, r.confidence),
        ("patch is incorrect", Some(0.82))
    );
    assert_eq!(r.findings, 3);
    // The reviewer's own model and calls, not the parent's gpt-5.5 call before the review.
    assert_eq!(r.model, "gpt-5.3-codex");
    assert_eq!(
        (
            r.input_tokens,
            r.cached_tokens,
            r.output_tokens,
            r.reasoning_tokens
        ),
        (18800, 8960, 1100, 576)
    );
    assert!(r.cost_usd > 0.0);
    assert_eq!(r.cost_usd, c.session_cost[r.reviewer_session_id]);
    let f: Vec<_> = c.findings.values().collect();
    let summary: Vec<_> = f
        .iter()
        .map(|f| {
            (
                f.priority,
                f.confidence,
                f.title,
                f.file_path,
                f.line_start,
                f.line_end,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                Some(0),
                0.95,
                "[P0] Retry loop never terminates on 4xx",
                "/home/dev/widget/src/net.rs",
                41,
                48
            ),
            (
                Some(2),
                0.7,
                "[P2] Backoff ignores the configured cap",
                "/home/dev/widget/src/net.rs",
                52,
                52
            ),
            (
                Some(3),
                0.35,
                "Test name does not match the behaviour",
                "/home/dev/widget/tests/net.rs",
                12,
                20
            ),
        ]
    );
}

#[test]
fn an_interrupted_plain_legacy_review_links_its_reviewer_by_turn() {
    let c = read("codex-legacy-interrupted");
    let r = only(&c);
    // The entry event names no turn: the id takes the closing turn_aborted's.
    assert_eq!(
        r.review_id,
        "019c4e10-2b3c-7d4e-8f50-61728394a5b1:019c4e12-9a70-7a10-b001-000000000011"
    );
    assert_eq!(
        r.reviewer_session_id,
        "019c4e12-9a8b-7c6d-8e5f-40312a1b0c92"
    );
    assert_eq!(
        (r.target_kind, r.target_value),
        (
            "commit",
            "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d Add coupon codes"
        )
    );
    assert_eq!(r.status, "interrupted");
    assert_eq!(r.started_ms, ms("2026-04-02T14:30:05.000Z"));
    assert_eq!(r.ts_ms, ms("2026-04-02T14:30:41.040Z"));
    assert_eq!(r.dur_ms, 36040);
    assert_eq!((r.findings, r.confidence), (0, None));
    // An interrupted review can still have cost.
    assert_eq!(r.model, "gpt-5.2-codex");
    assert_eq!(
        (
            r.input_tokens,
            r.cached_tokens,
            r.output_tokens,
            r.reasoning_tokens
        ),
        (7000, 0, 120, 64)
    );
}
