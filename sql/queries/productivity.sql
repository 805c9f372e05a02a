-- productivity.sql: session productivity, as output tokens per minute of coding, per hour
-- (phase 5, "Session Productivity").
--
-- One row per hour (in time zone {tz}) with coding time or model calls:
--   coding_min                    minutes in a coding app ({coding_apps}), AFK excluded,
--                                 rounded to 2 decimals
--   calls, output_tokens          billed model calls made in that hour and their output
--   output_tokens_per_coding_min  output_tokens / coding minutes, rounded to 1 decimal,
--                                 NULL in an hour without coding time
--
-- Parameters:
--   since        DateTime64(3, 'UTC')  first instant included (UTC text or unix seconds)
--   until        DateTime64(3, 'UTC')  first instant excluded
--   tz           String                IANA time zone of the hours
--   coding_apps  Array(String)         e.g. ['Xcode','Cursor','Zed','Terminal','iTerm2']
--
-- Differences from the plan:
--   * The plan's INNER JOIN dropped every hour with calls but no coding (and the reverse).
--     this is a FULL OUTER JOIN and the ratio is NULL where it is undefined.
--   * Context rows are clipped to the window and split across the hours they cover instead of
--     putting a whole focus period into its first hour. AFK rows are excluded.
--   * agent.turns is read with FINAL, so replayed calls are not counted twice.
-- Per-session figures (tokens per active minute, tool failures) are in the view
-- agent.session_productivity.
SELECT
    hour,
    round(coding_ms / 60000, 2) AS coding_min,
    calls,
    output_tokens,
    round(output_tokens / nullIf(coding_ms / 60000, 0), 1) AS output_tokens_per_coding_min
FROM
(
    SELECT
        toDateTime(intDiv(hour_ms, 1000), {tz:String}) AS hour,
        sum(overlap_ms) AS coding_ms
    FROM
    (
        SELECT
            s,
            e,
            arrayJoin(range(toUInt64(toUnixTimestamp(toStartOfHour(toDateTime(intDiv(s, 1000), {tz:String})))) * 1000, e, 3600000)) AS hour_ms,
            least(e, hour_ms + 3600000) - greatest(s, hour_ms) AS overlap_ms
        FROM
        (
            SELECT
                greatest(ts_ms, toUInt64(toUnixTimestamp64Milli({since:DateTime64(3, 'UTC')}))) AS s,
                least(ts_ms + dur_ms, toUInt64(toUnixTimestamp64Milli({until:DateTime64(3, 'UTC')}))) AS e
            FROM seq.context
            WHERE afk = 0
              AND has({coding_apps:Array(String)}, app)
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
        count() AS calls,
        sum(output_tokens) AS output_tokens
    FROM agent.turns FINAL
    WHERE ts_ms >= toUnixTimestamp64Milli({since:DateTime64(3, 'UTC')})
      AND ts_ms < toUnixTimestamp64Milli({until:DateTime64(3, 'UTC')})
    GROUP BY hour
) AS ai
USING (hour)
ORDER BY hour
