-- view_tool_success.sql: read the view agent.tool_success (UTC days) for a window.
--
-- One row per (day, agent, tool_name): calls and failures (ok = 0).
--
-- Parameters:
--   since  DateTime64(3, 'UTC')  the UTC day containing this instant is the first included
--   until  DateTime64(3, 'UTC')  days from the UTC day containing this instant on are excluded
SELECT
    day,
    agent,
    tool_name,
    calls,
    failures
FROM agent.tool_success
WHERE day >= toDate({since:DateTime64(3, 'UTC')}) AND day < toDate({until:DateTime64(3, 'UTC')})
ORDER BY day, agent, tool_name
