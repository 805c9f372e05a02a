-- rate_limit_history.sql: every rate-limit snapshot in a window, for a usage-over-time chart.
--
-- One row per (seen_at, agent, limit_id, window): when the snapshot was seen (shown in time
-- zone {tz}), the used percentage, the window length in minutes and the reset time (unix
-- seconds, 0 when unknown). Two sessions reporting the same window at the same millisecond
-- give one row: the larger session_id wins (as in rate_limits.sql), so the answer is
-- deterministic. Ordered by seen_at, agent, limit_id, window (total).
--
-- Parameters:
--   since  DateTime64(3, 'UTC')  first instant included (UTC text or unix seconds)
--   until  DateTime64(3, 'UTC')  first instant excluded
--   tz     String                IANA time zone seen_at is shown in
SELECT
    fromUnixTimestamp64Milli(toInt64(ts_ms), {tz:String}) AS seen_at,
    agent,
    limit_id,
    `window`,
    argMax(used_percent, session_id) AS used_percent,
    argMax(window_minutes, session_id) AS window_minutes,
    argMax(resets_at, session_id) AS resets_at
FROM agent.rate_limits FINAL
WHERE ts_ms >= toUnixTimestamp64Milli({since:DateTime64(3, 'UTC')})
  AND ts_ms < toUnixTimestamp64Milli({until:DateTime64(3, 'UTC')})
GROUP BY ts_ms, agent, limit_id, `window`
ORDER BY seen_at, agent, limit_id, `window`
