-- context_fill.sql: how full the context window of the latest sessions is.
--
-- One row per session (agent, session_id) with at least one billed call in the window, as of
-- its latest call in the window (the largest ts_ms, among calls at the same millisecond the
-- largest turn_index, then turn_id, so the answer is deterministic): that call's project_path,
-- model, time (last_activity_at, shown in time zone {tz}), context_window (tokens) and
-- context_used_pct (0-100). Newest first (ties by agent, session_id), at most {limit} rows.
-- Reads agent.turns FINAL, so a call re-emitted with a later snapshot counts as its latest
-- version only.
--
-- Parameters:
--   since    DateTime64(3, 'UTC')  first instant included (UTC text or unix seconds)
--   until    DateTime64(3, 'UTC')  first instant excluded
--   project  String                project_path to keep, or '' for every project
--   tz       String                IANA time zone last_activity_at is shown in
--   limit    UInt32                at most this many sessions
SELECT
    agent,
    session_id,
    latest_project_path AS project_path,
    latest_model AS model,
    fromUnixTimestamp64Milli(toInt64(latest_ts_ms), {tz:String}) AS last_activity_at,
    latest_context_window AS context_window,
    latest_context_used_pct AS context_used_pct
FROM
(
    SELECT
        agent,
        session_id,
        max(ts_ms) AS latest_ts_ms,
        argMax(project_path, (ts_ms, turn_index, turn_id)) AS latest_project_path,
        argMax(model, (ts_ms, turn_index, turn_id)) AS latest_model,
        argMax(context_window, (ts_ms, turn_index, turn_id)) AS latest_context_window,
        argMax(context_used_pct, (ts_ms, turn_index, turn_id)) AS latest_context_used_pct
    FROM agent.turns FINAL
    WHERE ts_ms >= toUnixTimestamp64Milli({since:DateTime64(3, 'UTC')})
      AND ts_ms < toUnixTimestamp64Milli({until:DateTime64(3, 'UTC')})
      AND ({project:String} = '' OR project_path = {project:String})
    GROUP BY agent, session_id
)
ORDER BY latest_ts_ms DESC, agent, session_id
LIMIT {limit:UInt32}
