-- context_session_start.sql: which app the user was in when each agent session started
-- (phase 2, "What app were you in when you started each agent session?").
--
-- One row per (agent, model, started_from_app) with the number of sessions that started in
-- the window. started_from_app is the app of the latest seq.context row at or before the
-- session's first activity ('' when there is none within the 24 hours before since).
--
-- Parameters:
--   since  DateTime64(3, 'UTC')  sessions that started at or after this instant
--   until  DateTime64(3, 'UTC')  and before this one
--
-- Differences from the plan:
--   * agent.sessions is read with FINAL: without it every snapshot of a session was counted as
--     a session, and the plan joined on ts_ms, which is the snapshot's last activity, not the
--     start. The start is first_ts_ms.
--   * ClickHouse's ASOF JOIN needs at least one equality column besides the inequality
--     (error NOT_IMPLEMENTED otherwise), so both sides carry the constant column k.
--   * seq.context is read only from 24 hours before since to until, instead of all of it.
SELECT
    s.agent AS agent,
    s.model AS model,
    c.app AS started_from_app,
    count() AS sessions
FROM
(
    SELECT toUInt8(0) AS k, agent, model, first_ts_ms
    FROM agent.sessions FINAL
    WHERE first_ts_ms >= toUnixTimestamp64Milli({since:DateTime64(3, 'UTC')})
      AND first_ts_ms < toUnixTimestamp64Milli({until:DateTime64(3, 'UTC')})
) AS s
ASOF LEFT JOIN
(
    SELECT toUInt8(0) AS k, ts_ms, app
    FROM seq.context
    WHERE ts_ms >= toUnixTimestamp64Milli({since:DateTime64(3, 'UTC')}) - 86400000
      AND ts_ms < toUnixTimestamp64Milli({until:DateTime64(3, 'UTC')})
) AS c
ON s.k = c.k AND s.first_ts_ms >= c.ts_ms
GROUP BY agent, model, started_from_app
ORDER BY sessions DESC, agent, model, started_from_app
