-- handoff_sessions.sql: each agent's latest session in a project (what a handoff starts from).
--
-- One row per agent: the session of that agent with the latest activity in the project before
-- {until}, as of its latest snapshot (FINAL), with the same columns as sessions.sql. Sub-agent
-- sessions (a reviewer, a spawned helper: source 'subagent:…') are part of their parent's work,
-- not a session of their own here. Two sessions with the same last activity: the larger
-- session_id wins.
--
-- Parameters:
--   project  String                the project path, exactly as the agents logged it
--   until    DateTime64(3, 'UTC')  sessions whose last activity is at or after this instant are ignored
--   tz       String                IANA time zone the timestamps are shown in
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
WHERE project_path = {project:String}
  AND ts_ms < toUnixTimestamp64Milli({until:DateTime64(3, 'UTC')})
  AND NOT startsWith(source, 'subagent')
ORDER BY agent, ts_ms DESC, session_id DESC
LIMIT 1 BY agent
