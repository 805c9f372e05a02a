-- rate_limits.sql: the latest known state of each rate-limit window.
--
-- One row per (agent, limit_id, window): the used percentage, window length and reset time of
-- the latest snapshot before {until} (resets_at in unix seconds, 0 when unknown), and when
-- that snapshot was seen. Two sessions reporting at the same millisecond: the larger
-- session_id wins, so the answer is deterministic.
--
-- Parameters:
--   until  DateTime64(3, 'UTC')  snapshots at or after this instant are ignored
SELECT
    agent,
    limit_id,
    `window`,
    argMax(used_percent, (ts_ms, session_id)) AS used_percent,
    argMax(window_minutes, (ts_ms, session_id)) AS window_minutes,
    argMax(resets_at, (ts_ms, session_id)) AS resets_at,
    argMax(plan_type, (ts_ms, session_id)) AS plan_type,
    fromUnixTimestamp64Milli(toInt64(max(ts_ms)), 'UTC') AS seen_at
FROM agent.rate_limits FINAL
WHERE ts_ms < toUnixTimestamp64Milli({until:DateTime64(3, 'UTC')})
GROUP BY agent, limit_id, `window`
ORDER BY agent, limit_id, `window`
