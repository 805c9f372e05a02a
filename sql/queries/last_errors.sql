-- last_errors.sql: the last error of each agent in a project (context brief).
--
-- One row per agent: its latest failed tool call (ok = 0) or model call that ended in an error
-- (is_error = 1) in the project before {until}: when (in {tz}), in which session, whether it
-- was a `tool` or a `model` call, the tool or model name, and the tool's input summary or the
-- call's stop reason. Two errors at the same millisecond: the larger (kind, name, detail,
-- session_id) wins, so the answer is deterministic.
--
-- Parameters:
--   project  String                the project path, exactly as the agents logged it
--   until    DateTime64(3, 'UTC')  errors at or after this instant are ignored
--   tz       String                IANA time zone of at
SELECT
    agent,
    fromUnixTimestamp64Milli(toInt64(latest.1), {tz:String}) AS at,
    latest.5 AS session_id,
    latest.2 AS kind,
    latest.3 AS name,
    latest.4 AS detail
FROM
(
    SELECT agent, max(error) AS latest
    FROM
    (
        SELECT agent, tuple(ts_ms, 'tool', tool_name, input_summary, session_id) AS error
        FROM agent.tool_calls FINAL
        WHERE project_path = {project:String}
          AND ok = 0
          AND ts_ms < toUnixTimestamp64Milli({until:DateTime64(3, 'UTC')})
        UNION ALL
        SELECT agent, tuple(ts_ms, 'model', model, stop_reason, session_id) AS error
        FROM agent.turns FINAL
        WHERE project_path = {project:String}
          AND is_error = 1
          AND ts_ms < toUnixTimestamp64Milli({until:DateTime64(3, 'UTC')})
    )
    GROUP BY agent
)
ORDER BY agent
