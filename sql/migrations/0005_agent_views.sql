-- seqch migration 0005: the rollups of the observability plan (cost_hourly, cost_daily,
-- cache_efficiency, tool_success, session_productivity).
--
-- They are ordinary views over the deduplicated base tables (FINAL), not incremental
-- materialized views: an incremental MV sees every insert block, so re-inserting rows in
-- different batches would add them to a SummingMergeTree a second time, and no incremental
-- aggregate can tell a replayed row from a new one without storing every row id (which is what
-- the base table already is). A view is exact as soon as the INSERT returns, costs no storage
-- and no refresh schedule, and reads only the columns it needs. Why this beats refreshable
-- materialized views here, and what it costs, is in sql/README.md.
--
-- Hours and days are UTC. For another time zone use the queries in sql/queries, which take
-- a tz parameter.

-- v1 columns first (agent, model, hour, input_tokens, output_tokens, cached_tokens, cost_usd,
-- calls), then cache_write_tokens and reasoning_tokens.
CREATE VIEW IF NOT EXISTS agent.cost_hourly AS
SELECT
    agent,
    model,
    toStartOfHour(toDateTime(intDiv(ts_ms, 1000), 'UTC')) AS hour,
    sum(input_tokens) AS input_tokens,
    sum(output_tokens) AS output_tokens,
    sum(cached_tokens) AS cached_tokens,
    sum(cost_usd) AS cost_usd,
    count() AS calls,
    sum(cache_write_tokens) AS cache_write_tokens,
    sum(reasoning_tokens) AS reasoning_tokens
FROM agent.turns FINAL
GROUP BY agent, model, hour;

CREATE VIEW IF NOT EXISTS agent.cost_daily AS
SELECT
    agent,
    model,
    toDate(toDateTime(intDiv(ts_ms, 1000), 'UTC')) AS day,
    sum(input_tokens) AS input_tokens,
    sum(output_tokens) AS output_tokens,
    sum(cached_tokens) AS cached_tokens,
    sum(cost_usd) AS cost_usd,
    count() AS calls,
    sum(cache_write_tokens) AS cache_write_tokens,
    sum(reasoning_tokens) AS reasoning_tokens
FROM agent.turns FINAL
GROUP BY agent, model, day;

-- cache_hit_ratio = cached_tokens / input_tokens (input_tokens counts every prompt token,
-- cached and cache-written ones included, for both agents), NULL when there was no input.
CREATE VIEW IF NOT EXISTS agent.cache_efficiency AS
SELECT
    agent,
    day,
    calls,
    input_tokens,
    cached_tokens,
    cache_write_tokens,
    cached_tokens / nullIf(input_tokens, 0) AS cache_hit_ratio
FROM
(
    SELECT
        agent,
        toDate(toDateTime(intDiv(ts_ms, 1000), 'UTC')) AS day,
        count() AS calls,
        sum(input_tokens) AS input_tokens,
        sum(cached_tokens) AS cached_tokens,
        sum(cache_write_tokens) AS cache_write_tokens
    FROM agent.turns FINAL
    GROUP BY agent, day
);

-- v1 columns (agent, tool_name, day, calls, failures). A failure is ok = 0.
CREATE VIEW IF NOT EXISTS agent.tool_success AS
SELECT
    agent,
    tool_name,
    toDate(toDateTime(intDiv(ts_ms, 1000), 'UTC')) AS day,
    count() AS calls,
    countIf(ok = 0) AS failures
FROM agent.tool_calls FINAL
GROUP BY agent, tool_name, day;

-- One row per session that made at least one billed call, from the deduplicated calls (not
-- from the session snapshots): active time is first to last call, output_tokens_per_min is
-- output tokens per active minute (NULL for a one-call session).
CREATE VIEW IF NOT EXISTS agent.session_productivity AS
SELECT
    tu.agent AS agent,
    tu.session_id AS session_id,
    tu.project_path AS project_path,
    tu.started_at AS started_at,
    tu.ended_at AS ended_at,
    tu.active_ms AS active_ms,
    tu.turns AS turns,
    tu.output_tokens AS output_tokens,
    tu.cost_usd AS cost_usd,
    tc.tool_calls AS tool_calls,
    tc.failed_tool_calls AS failed_tool_calls,
    tu.output_tokens / nullIf(tu.active_ms / 60000, 0) AS output_tokens_per_min
FROM
(
    SELECT
        agent,
        session_id,
        argMax(project_path, ts_ms) AS project_path,
        fromUnixTimestamp64Milli(toInt64(min(ts_ms)), 'UTC') AS started_at,
        fromUnixTimestamp64Milli(toInt64(max(ts_ms)), 'UTC') AS ended_at,
        max(ts_ms) - min(ts_ms) AS active_ms,
        count() AS turns,
        sum(output_tokens) AS output_tokens,
        sum(cost_usd) AS cost_usd
    FROM agent.turns FINAL
    GROUP BY agent, session_id
) AS tu
LEFT JOIN
(
    SELECT
        agent,
        session_id,
        count() AS tool_calls,
        countIf(ok = 0) AS failed_tool_calls
    FROM agent.tool_calls FINAL
    GROUP BY agent, session_id
) AS tc
ON tu.agent = tc.agent AND tu.session_id = tc.session_id;
