-- context_hourly.sql: coding time vs AI time per hour (phase 2).
--
-- One row per hour (in time zone {tz}) that has coding time, AI-app time or model calls:
--   coding_min      minutes in a coding app ({coding_apps}), AFK excluded
--   ai_ui_min       minutes in an AI app ({ai_apps}), AFK excluded
--   ai_compute_min  minutes the models spent on calls made in that hour (sum of dur_ms)
--   calls           billed model calls made in that hour
-- Minutes are rounded to 2 decimals.
--
-- Parameters:
--   since        DateTime64(3, 'UTC')  first instant included (UTC text or unix seconds)
--   until        DateTime64(3, 'UTC')  first instant excluded
--   tz           String                IANA time zone of the hours
--   coding_apps  Array(String)         e.g. ['Xcode','Cursor','Zed','Terminal']
--   ai_apps      Array(String)         e.g. ['Claude','Codex','ChatGPT']
--
-- Differences from the plan:
--   * The plan ran a correlated subquery over agent.turns per hour. ClickHouse 26.9 rejects it
--     (NOT_IMPLEMENTED: the correlated column is an aggregation key), and where correlated
--     subqueries do run they rescan agent.turns per hour. It also dropped hours that had model
--     calls but no context rows. Here each side is aggregated once and the two are joined on
--     the hour (FULL OUTER JOIN).
--   * The plan put a context row's whole duration into the hour it started in, so a 2-hour
--     session in the editor gave one hour 120 coding minutes. Here each context row is
--     clipped to [since, until) and split across the hours it covers.
--   * AFK rows are excluded, agent.turns is read with FINAL, and app lists are parameters.
-- A model call's dur_ms is attributed to the hour the call was logged in.
SELECT
    hour,
    round(coding_ms / 60000, 2) AS coding_min,
    round(ai_ui_ms / 60000, 2) AS ai_ui_min,
    round(ai_compute_ms / 60000, 2) AS ai_compute_min,
    calls
FROM
(
    SELECT
        toDateTime(intDiv(hour_ms, 1000), {tz:String}) AS hour,
        sumIf(overlap_ms, has({coding_apps:Array(String)}, app)) AS coding_ms,
        sumIf(overlap_ms, has({ai_apps:Array(String)}, app)) AS ai_ui_ms
    FROM
    (
        SELECT
            app,
            s,
            e,
            arrayJoin(range(toUInt64(toUnixTimestamp(toStartOfHour(toDateTime(intDiv(s, 1000), {tz:String})))) * 1000, e, 3600000)) AS hour_ms,
            least(e, hour_ms + 3600000) - greatest(s, hour_ms) AS overlap_ms
        FROM
        (
            SELECT
                app,
                greatest(ts_ms, toUInt64(toUnixTimestamp64Milli({since:DateTime64(3, 'UTC')}))) AS s,
                least(ts_ms + dur_ms, toUInt64(toUnixTimestamp64Milli({until:DateTime64(3, 'UTC')}))) AS e
            FROM seq.context
            WHERE afk = 0
              AND (has({coding_apps:Array(String)}, app) OR has({ai_apps:Array(String)}, app))
              AND ts_ms < toUnixTimestamp64Milli({until:DateTime64(3, 'UTC')})
              AND ts_ms + dur_ms > toUnixTimestamp64Milli({since:DateTime64(3, 'UTC')})
        )
    )
    GROUP BY hour
) AS ctx
FULL OUTER JOIN
(
    SELECT
        toStartOfHour(toDateTime(intDiv(ts_ms, 1000), {tz:String})) AS hour,
        sum(dur_ms) AS ai_compute_ms,
        count() AS calls
    FROM agent.turns FINAL
    WHERE ts_ms >= toUnixTimestamp64Milli({since:DateTime64(3, 'UTC')})
      AND ts_ms < toUnixTimestamp64Milli({until:DateTime64(3, 'UTC')})
    GROUP BY hour
) AS ai
USING (hour)
ORDER BY hour
