-- replay_check.sql: a summary of every table and view that a replay must leave unchanged.
--
-- One row per object, labelled database_table (labels avoid the dotted names so that a test
-- harness rewriting database prefixes leaves them alone):
--   rows         rows as a reader sees them (agent tables read with FINAL, v1 tables as is)
--   ints         the sum of the object's main integer columns (tokens, durations, counts)
--   cost         the sum of its main float column, rounded to 6 decimals (0 if none)
--   fingerprint  sum of cityHash64 over all columns of every row: any changed, missing or
--                duplicated row changes it (wrapping UInt64 sum, so row order is irrelevant)
-- A replay test inserts rows once (baseline) and again in other batches. Both must give the
-- same result. The rows, ints and cost columns can be checked by hand, the fingerprint can
-- only be compared between runs.
--
-- No parameters.
SELECT object, rows, ints, cost, fingerprint
FROM
(
    SELECT 'agent_sessions' AS object, count() AS rows,
        toUInt64(sum(total_input_tokens + total_output_tokens + turns + tool_calls)) AS ints,
        round(sum(total_cost_usd), 6) AS cost, sum(cityHash64(*)) AS fingerprint
    FROM agent.sessions FINAL
    UNION ALL
    SELECT 'agent_turns', count(), toUInt64(sum(input_tokens + output_tokens + cached_tokens)),
        round(sum(cost_usd), 6), sum(cityHash64(*))
    FROM agent.turns FINAL
    UNION ALL
    SELECT 'agent_tool_calls', count(), toUInt64(sum(dur_ms + ok)), 0, sum(cityHash64(*))
    FROM agent.tool_calls FINAL
    UNION ALL
    SELECT 'agent_rate_limits', count(), toUInt64(sum(window_minutes)), round(sum(used_percent), 6),
        sum(cityHash64(*))
    FROM agent.rate_limits FINAL
    UNION ALL
    SELECT 'agent_cost_hourly', count(), toUInt64(sum(input_tokens + output_tokens + calls)),
        round(sum(cost_usd), 6), sum(cityHash64(*))
    FROM agent.cost_hourly
    UNION ALL
    SELECT 'agent_cost_daily', count(), toUInt64(sum(input_tokens + output_tokens + calls)),
        round(sum(cost_usd), 6), sum(cityHash64(*))
    FROM agent.cost_daily
    UNION ALL
    SELECT 'agent_cache_efficiency', count(), toUInt64(sum(input_tokens + cached_tokens + calls)),
        round(sum(cache_hit_ratio), 6), sum(cityHash64(*))
    FROM agent.cache_efficiency
    UNION ALL
    SELECT 'agent_tool_success', count(), toUInt64(sum(calls * 1000 + failures)), 0, sum(cityHash64(*))
    FROM agent.tool_success
    UNION ALL
    SELECT 'agent_session_productivity', count(),
        toUInt64(sum(turns + output_tokens + tool_calls + failed_tool_calls)), round(sum(cost_usd), 6),
        sum(cityHash64(*))
    FROM agent.session_productivity
    UNION ALL
    SELECT 'seq_mem_events', count(), toUInt64(sum(dur_us)), 0, sum(cityHash64(*))
    FROM seq.mem_events
    UNION ALL
    SELECT 'seq_trace_events', count(), toUInt64(sum(dur_us)), 0, sum(cityHash64(*))
    FROM seq.trace_events
    UNION ALL
    SELECT 'seq_context', count(), toUInt64(sum(dur_ms)), 0, sum(cityHash64(*))
    FROM seq.context
    UNION ALL
    SELECT 'hive_supersteps', count(), toUInt64(sum(dur_us)), 0, sum(cityHash64(*))
    FROM hive.supersteps
    UNION ALL
    SELECT 'hive_model_invocations', count(), toUInt64(sum(input_tokens + output_tokens)), 0,
        sum(cityHash64(*))
    FROM hive.model_invocations
    UNION ALL
    SELECT 'hive_tool_calls', count(), toUInt64(sum(dur_us)), 0, sum(cityHash64(*))
    FROM hive.tool_calls
)
ORDER BY object
