-- sessions.sql: the most recent agent sessions, one row each, as of their latest snapshot.
--
-- agent.sessions holds one row per snapshot (the parser re-emits a session as it grows),
-- FINAL keeps the snapshot with the largest ts_ms per (agent, session_id), so replays and
-- older snapshots never show up as extra sessions.
--
-- Parameters:
--   since    DateTime64(3, 'UTC')  sessions whose last activity is at or after this instant …
--   until    DateTime64(3, 'UTC')  … and before this one
--   project  String                project_path to keep, or '' for every project
--   tz       String                IANA time zone the timestamps are shown in
--   limit    UInt32                at most this many sessions
SELECT
    agent,
    session_id,
    model,
    project_path,
    git_branch,
    fromUnixTimestamp64Milli(toInt64(first_ts_ms), {tz:String}) AS started_at,
    fromUnixTimestamp64Milli(toInt64(ts_ms), {tz:String}) AS last_activity_at,
    dur_ms,
    turns,
    total_input_tokens,
    total_cached_tokens,
    total_cache_write_tokens,
    total_output_tokens,
    total_reasoning_tokens,
    round(total_cost_usd, 6) AS total_cost_usd,
    tool_calls,
    failed_tool_calls,
    parent_session_id,
    source
FROM agent.sessions FINAL
WHERE ts_ms >= toUnixTimestamp64Milli({since:DateTime64(3, 'UTC')})
  AND ts_ms < toUnixTimestamp64Milli({until:DateTime64(3, 'UTC')})
  AND ({project:String} = '' OR project_path = {project:String})
ORDER BY ts_ms DESC, agent, session_id
LIMIT {limit:UInt32}
