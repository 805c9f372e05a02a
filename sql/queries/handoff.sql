-- handoff.sql: what one session left behind, for the next session of the other agent.
--
-- Rows of three kinds over the tool calls of session {session} of {agent}:
--   edited      a file it modified (Claude's Edit, MultiEdit, Write, NotebookEdit; every path a
--               Codex apply_patch names), relative to {project} when under it; successful calls
--   command     a shell command it ran (Claude's Bash; Codex's exec_command, shell,
--               shell_command, container.exec), whatever the outcome
--   unresolved  a tool call that failed and was not followed by a success of the same tool with
--               the same input: per (tool, input), the latest failure is later than the latest
--               success (or there is none)
-- with the tool, the path, command or input (detail), how many times (for unresolved: how many
-- failures), and when last (in {tz}). Per kind the newest first, at most {limit} rows per kind.
--
-- Parameters:
--   agent    String  the session's agent
--   session  String  the session id
--   project  String  the project path, to shorten paths under it
--   tz       String  IANA time zone of last_at
--   limit    UInt32  at most this many rows of each kind
SELECT
    kind,
    tool_name,
    detail,
    times,
    fromUnixTimestamp64Milli(toInt64(last_ms), {tz:String}) AS last_at
FROM
(
    SELECT
        'edited' AS kind,
        tool_name,
        if(startsWith(named, concat({project:String}, '/')), substring(named, length({project:String}) + 2), named) AS detail,
        count() AS times,
        max(ts_ms) AS last_ms
    FROM
    (
        SELECT
            tool_name,
            ts_ms,
            arrayJoin(if(tool_name = 'apply_patch', splitByString(', ', input_summary), [input_summary])) AS named
        FROM agent.tool_calls FINAL
        WHERE agent = {agent:String}
          AND session_id = {session:String}
          AND ok = 1
          AND tool_name IN ('Edit', 'MultiEdit', 'Write', 'NotebookEdit', 'apply_patch')
    )
    WHERE named != ''
    GROUP BY tool_name, detail
    UNION ALL
    SELECT
        'command' AS kind,
        tool_name,
        input_summary AS detail,
        count() AS times,
        max(ts_ms) AS last_ms
    FROM agent.tool_calls FINAL
    WHERE agent = {agent:String}
      AND session_id = {session:String}
      AND tool_name IN ('Bash', 'exec_command', 'shell', 'shell_command', 'container.exec')
      AND input_summary != ''
    GROUP BY tool_name, detail
    UNION ALL
    SELECT
        'unresolved' AS kind,
        tool_name,
        input_summary AS detail,
        countIf(ok = 0) AS times,
        maxIf(ts_ms, ok = 0) AS last_ms
    FROM agent.tool_calls FINAL
    WHERE agent = {agent:String}
      AND session_id = {session:String}
    GROUP BY tool_name, detail
    HAVING times > 0 AND last_ms > maxIf(ts_ms, ok = 1)
)
ORDER BY kind, last_ms DESC, tool_name, detail
LIMIT {limit:UInt32} BY kind
