-- seqch migration 0006: Codex code reviews (`/review`, `review/start`), as the parser reads them
-- from rollout files (either shape) and as `seqch-tail review` writes them. Columns are exactly
-- crates/seqch-rows (Review, ReviewFinding). Replay-safe like the other agent tables: keyed by
-- the review's stable id (parent thread + root turn), read with FINAL.
--
-- No partitioning: reviews are few, and a review's rows must collapse in background merges.

-- One row per review. The version grows with every fact learned (the review's end, each call
-- of the reviewer sub-session), so the most complete row wins whatever order rows arrive in.
-- cluster: shard_key cityHash64(agent, session_id)
CREATE TABLE IF NOT EXISTS agent.reviews (
    ts_ms               UInt64,
    review_id           String,
    session_id          String,
    agent               LowCardinality(String),
    project_path        String,
    target_kind         LowCardinality(String),
    target_value        String,
    status              LowCardinality(String),
    error               String,
    verdict             LowCardinality(String),
    confidence          Nullable(Float32),
    explanation         String,
    findings            UInt32,
    started_ms          UInt64,
    dur_ms              UInt64,
    reviewer_session_id String,
    model               LowCardinality(String),
    input_tokens        UInt64,
    cached_tokens       UInt64,
    output_tokens       UInt64,
    reasoning_tokens    UInt64,
    cost_usd            Float64,
    version             UInt32
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (agent, session_id, review_id)
SETTINGS non_replicated_deduplication_window = 10000;

-- One row per finding of a review, keyed by its position; a review's findings never change.
-- cluster: shard_key cityHash64(agent, session_id)
CREATE TABLE IF NOT EXISTS agent.review_findings (
    ts_ms        UInt64,
    review_id    String,
    session_id   String,
    agent        LowCardinality(String),
    project_path String,
    idx          UInt32,
    priority     Nullable(UInt8),
    confidence   Float32,
    title        String,
    body         String,
    file_path    String,
    line_start   UInt32,
    line_end     UInt32
)
ENGINE = ReplacingMergeTree
ORDER BY (agent, session_id, review_id, idx)
SETTINGS non_replicated_deduplication_window = 10000;
