-- context_turns.sql: which app and window the user was in when each model call happened.
--
-- One row per billed call in the window (agent.turns FINAL), with the latest seq.context row
-- at or before the call: app, window_title, url, afk, how long before the call that context
-- began (context_age_ms) and whether the call fell inside it (in_context = 1 when
-- ts_ms < context ts_ms + dur_ms). Calls with no context row within the 24 hours before since
-- get app '' and in_context 0.
--
-- Parameters:
--   since  DateTime64(3, 'UTC')  first instant included (UTC text or unix seconds)
--   until  DateTime64(3, 'UTC')  first instant excluded
--   tz     String                IANA time zone the call time is shown in
--
-- ASOF JOIN: for each call, the context row with the largest ts_ms <= the call's ts_ms. It
-- needs one equality column, hence the constant k on both sides.
SELECT
    fromUnixTimestamp64Milli(toInt64(t.ts_ms), {tz:String}) AS at,
    t.agent AS agent,
    t.session_id AS session_id,
    t.turn_id AS turn_id,
    t.model AS model,
    c.app AS app,
    c.window_title AS window_title,
    c.url AS url,
    c.afk AS afk,
    if(c.app = '', 0, t.ts_ms - c.ts_ms) AS context_age_ms,
    toUInt8(c.app != '' AND t.ts_ms < c.ts_ms + c.dur_ms) AS in_context
FROM
(
    SELECT toUInt8(0) AS k, ts_ms, agent, session_id, turn_id, model
    FROM agent.turns FINAL
    WHERE ts_ms >= toUnixTimestamp64Milli({since:DateTime64(3, 'UTC')})
      AND ts_ms < toUnixTimestamp64Milli({until:DateTime64(3, 'UTC')})
) AS t
ASOF LEFT JOIN
(
    SELECT toUInt8(0) AS k, ts_ms, dur_ms, app, window_title, url, afk
    FROM seq.context
    WHERE ts_ms >= toUnixTimestamp64Milli({since:DateTime64(3, 'UTC')}) - 86400000
      AND ts_ms < toUnixTimestamp64Milli({until:DateTime64(3, 'UTC')})
) AS c
ON t.k = c.k AND t.ts_ms >= c.ts_ms
ORDER BY t.ts_ms, agent, session_id, turn_id
