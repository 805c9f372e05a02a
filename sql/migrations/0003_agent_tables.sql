-- seqch migration 0003: the agent tables. Columns are exactly crates/seqch-rows (v1 columns
-- first, seqch additions after them). Every table is a ReplacingMergeTree keyed by the row's
-- stable identity, so replaying rows (same batch again, or the same rows in other batches)
-- leaves what FINAL returns unchanged. Identical retries are also dropped at block level
-- (non_replicated_deduplication_window). Read these tables with FINAL.
--
-- Partitioning is by month of ts_ms in UTC, not by day as in v1: a backfill insert spanning
-- more than 100 days would otherwise exceed max_partitions_per_insert_block and fail.
-- FINAL collapses versions across partitions (do_not_merge_across_partitions_select_final
-- stays 0), so a version that moved to another month is still replaced.

-- One row per session and snapshot, the latest snapshot (largest ts_ms) wins.
-- No partitioning: a long session's snapshots must collapse in background merges too.
-- cluster: shard_key cityHash64(agent, session_id)
CREATE TABLE IF NOT EXISTS agent.sessions (
    ts_ms                    UInt64,
    session_id               String,
    agent                    LowCardinality(String),
    model                    LowCardinality(String),
    project_path             String,
    git_branch               String DEFAULT '',
    git_commit               String DEFAULT '',
    dur_ms                   UInt64 DEFAULT 0,
    turns                    UInt32 DEFAULT 0,
    total_input_tokens       UInt64 DEFAULT 0,
    total_output_tokens      UInt64 DEFAULT 0,
    total_cost_usd           Float64 DEFAULT 0,
    first_ts_ms              UInt64 DEFAULT if(dur_ms <= ts_ms, ts_ms - dur_ms, 0),
    total_cached_tokens      UInt64 DEFAULT 0,
    total_cache_write_tokens UInt64 DEFAULT 0,
    total_reasoning_tokens   UInt64 DEFAULT 0,
    tool_calls               UInt32 DEFAULT 0,
    failed_tool_calls        UInt32 DEFAULT 0,
    parent_session_id        String DEFAULT '',
    source                   LowCardinality(String) DEFAULT '',
    cli_version              LowCardinality(String) DEFAULT ''
)
ENGINE = ReplacingMergeTree(ts_ms)
ORDER BY (agent, session_id)
SETTINGS non_replicated_deduplication_window = 10000;

-- One row per billed model call, keyed by (agent, session_id, turn_id). The version is ts_ms:
-- when the parser re-emits a call with a later line (Claude writes one line per content block,
-- the last one carries the final output_tokens), the latest line wins whatever order the
-- batches arrive in. Rows without a turn_id (pushed through the v1 C ABI, which has no such
-- argument) fall back to (turn_index, ts_ms) as their identity instead of all collapsing into
-- one row per session.
-- cluster: shard_key cityHash64(agent, session_id)
CREATE TABLE IF NOT EXISTS agent.turns (
    ts_ms                 UInt64,
    session_id            String,
    turn_index            UInt32,
    agent                 LowCardinality(String),
    model                 LowCardinality(String),
    input_tokens          UInt32 DEFAULT 0,
    output_tokens         UInt32 DEFAULT 0,
    cached_tokens         UInt32 DEFAULT 0,
    reasoning_tokens      UInt32 DEFAULT 0,
    dur_ms                UInt32 DEFAULT 0,
    cost_usd              Float64 DEFAULT 0,
    stop_reason           LowCardinality(String) DEFAULT '',
    is_error              UInt8 DEFAULT 0,
    context_window        UInt32 DEFAULT 0,
    context_used_pct      Float32 DEFAULT 0,
    turn_id               String DEFAULT '',
    cache_write_tokens    UInt32 DEFAULT 0,
    cache_write_5m_tokens UInt32 DEFAULT 0,
    cache_write_1h_tokens UInt32 DEFAULT 0,
    project_path          LowCardinality(String) DEFAULT ''
)
ENGINE = ReplacingMergeTree(ts_ms)
PARTITION BY toYYYYMM(toDateTime(intDiv(ts_ms, 1000), 'UTC'))
ORDER BY (agent, session_id, turn_id, if(turn_id = '', turn_index, 0), if(turn_id = '', ts_ms, 0))
SETTINGS non_replicated_deduplication_window = 10000;

-- One row per tool execution, keyed by (agent, session_id, call_id). No version column exists,
-- so among rows with the same key and ts_ms the last inserted wins: the writer should emit a
-- call once its outcome is known (see sql/README.md). Rows without a call_id (v1 C ABI) fall
-- back to (turn_index, ts_ms, tool_name, input_summary).
-- cluster: shard_key cityHash64(agent, session_id)
CREATE TABLE IF NOT EXISTS agent.tool_calls (
    ts_ms         UInt64,
    session_id    String,
    turn_index    UInt32,
    agent         LowCardinality(String),
    tool_name     LowCardinality(String),
    input_summary String DEFAULT '',
    dur_ms        UInt32 DEFAULT 0,
    ok            UInt8 DEFAULT 1,
    output_lines  UInt32 DEFAULT 0,
    output_bytes  UInt32 DEFAULT 0,
    call_id       String DEFAULT '',
    turn_id       String DEFAULT '',
    project_path  LowCardinality(String) DEFAULT ''
)
ENGINE = ReplacingMergeTree(ts_ms)
PARTITION BY toYYYYMM(toDateTime(intDiv(ts_ms, 1000), 'UTC'))
ORDER BY (agent, session_id, call_id, if(call_id = '', turn_index, 0), if(call_id = '', ts_ms, 0), if(call_id = '', tool_name, ''), if(call_id = '', input_summary, ''))
SETTINGS non_replicated_deduplication_window = 10000;

-- One Codex rate-limit window as seen at ts_ms, keyed by (agent, session_id, ts_ms, limit_id,
-- window): a replayed snapshot replaces itself.
-- cluster: shard_key cityHash64(agent, session_id)
CREATE TABLE IF NOT EXISTS agent.rate_limits (
    ts_ms          UInt64,
    session_id     String,
    agent          LowCardinality(String),
    limit_id       LowCardinality(String) DEFAULT '',
    `window`       LowCardinality(String),
    used_percent   Float64 DEFAULT 0,
    window_minutes UInt32 DEFAULT 0,
    resets_at      UInt64 DEFAULT 0,
    plan_type      LowCardinality(String) DEFAULT ''
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(toDateTime(intDiv(ts_ms, 1000), 'UTC'))
ORDER BY (agent, session_id, ts_ms, limit_id, `window`)
SETTINGS non_replicated_deduplication_window = 10000;

-- Guards. On a database created by v1's seqmem.sql the CREATEs above kept v1's agent tables
-- (plain MergeTree, without seqch's columns). These probes then fail (ILLEGAL_FINAL or
-- UNKNOWN_IDENTIFIER) and stop the migration before anything reads those tables: run
-- sql/upgrade_v1/before_migrations.sql first, as described in sql/README.md.
SELECT cli_version FROM agent.sessions FINAL LIMIT 0;

SELECT turn_id FROM agent.turns FINAL LIMIT 0;

SELECT call_id FROM agent.tool_calls FINAL LIMIT 0;
