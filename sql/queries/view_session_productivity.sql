-- view_session_productivity.sql: read the view agent.session_productivity for sessions that
-- started in a window.
--
-- One row per session with billed calls: project, first and last call (UTC), active minutes
-- between them (2 decimals), calls, output tokens, cost (6 decimals), tool calls and failed
-- tool calls, and output tokens per active minute (4 decimals, NULL for a one-call session).
--
-- Parameters:
--   since  DateTime64(3, 'UTC')  sessions whose first call is at or after this instant
--   until  DateTime64(3, 'UTC')  and before this one
SELECT
    agent,
    session_id,
    project_path,
    started_at,
    ended_at,
    round(active_ms / 60000, 2) AS active_min,
    turns,
    output_tokens,
    round(cost_usd, 6) AS cost_usd,
    tool_calls,
    failed_tool_calls,
    round(output_tokens_per_min, 4) AS output_tokens_per_min
FROM agent.session_productivity
WHERE started_at >= {since:DateTime64(3, 'UTC')} AND started_at < {until:DateTime64(3, 'UTC')}
ORDER BY started_at, agent, session_id
