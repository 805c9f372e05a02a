-- failing_inputs.sql: the tool inputs that fail most often.
--
-- One row per (agent, tool_name, input_summary) with at least one failed call (ok = 0) in the
-- window: failures (the number of failed calls) and last_failed_at, the time of the latest of
-- them shown in time zone {tz}. Most failures first, ties to the more recent last failure,
-- then agent, tool_name and input_summary, so the order is total. At most {limit} rows.
-- Reads agent.tool_calls FINAL, so a call counts once, as its latest version says: a replayed
-- call is not counted twice, and a call whose latest version succeeded is no failure.
--
-- Parameters:
--   since    DateTime64(3, 'UTC')  first instant included (UTC text or unix seconds)
--   until    DateTime64(3, 'UTC')  first instant excluded
--   project  String                project_path to keep, or '' for every project
--   tz       String                IANA time zone last_failed_at is shown in
--   limit    UInt32                at most this many rows
SELECT
    agent,
    tool_name,
    input_summary,
    count() AS failures,
    fromUnixTimestamp64Milli(toInt64(max(ts_ms)), {tz:String}) AS last_failed_at
FROM agent.tool_calls FINAL
WHERE ok = 0
  AND ts_ms >= toUnixTimestamp64Milli({since:DateTime64(3, 'UTC')})
  AND ts_ms < toUnixTimestamp64Milli({until:DateTime64(3, 'UTC')})
  AND ({project:String} = '' OR project_path = {project:String})
GROUP BY agent, tool_name, input_summary
ORDER BY failures DESC, last_failed_at DESC, agent, tool_name, input_summary
LIMIT {limit:UInt32}
