-- tools.sql: tool success rate per agent and tool.
--
-- One row per (agent, tool_name): calls, failures (ok = 0), success_rate = (calls - failures)
-- / calls rounded to 4 decimals, and the mean duration in ms rounded to 1 decimal.
--
-- Parameters:
--   since  DateTime64(3, 'UTC')  first instant included (UTC text or unix seconds)
--   until  DateTime64(3, 'UTC')  first instant excluded
--
-- Differences from the plan's "Tool Success Rate": reads agent.tool_calls FINAL (a replayed
-- call counts once), takes the window as parameters, and orders totally (ties on calls are
-- broken by agent and tool name) so the result is deterministic.
SELECT
    agent,
    tool_name,
    calls,
    failures,
    round((calls - failures) / calls, 4) AS success_rate,
    round(avg_dur_ms, 1) AS avg_dur_ms
FROM
(
    SELECT
        agent,
        tool_name,
        count() AS calls,
        countIf(ok = 0) AS failures,
        avg(dur_ms) AS avg_dur_ms
    FROM agent.tool_calls FINAL
    WHERE ts_ms >= toUnixTimestamp64Milli({since:DateTime64(3, 'UTC')})
      AND ts_ms < toUnixTimestamp64Milli({until:DateTime64(3, 'UTC')})
    GROUP BY agent, tool_name
)
ORDER BY calls DESC, agent, tool_name
