-- brief_files.sql: the files the latest sessions of a project read and edited (context brief).
--
-- One row per (path, action) over the successful tool calls of the project's {sessions} most
-- recent sessions (by last activity before {until}, both agents): `edited` for Claude's Edit,
-- MultiEdit, Write and NotebookEdit and every path a Codex apply_patch names, `read` for
-- Claude's Read and Codex's view_image. Paths under the project are shown relative to it, so
-- both agents' names for one file meet. With the agents that touched it (comma-separated,
-- sorted), how often, and when last (in {tz}); newest first, at most {limit} rows.
--
-- Parameters:
--   project   String                the project path, exactly as the agents logged it
--   until     DateTime64(3, 'UTC')  sessions and calls at or after this instant are ignored
--   sessions  UInt32                how many of the latest sessions to look at
--   limit     UInt32                at most this many rows
--   tz        String                IANA time zone of last_at
SELECT
    path,
    action,
    arrayStringConcat(arraySort(groupUniqArray(agent)), ', ') AS agents,
    count() AS touches,
    fromUnixTimestamp64Milli(toInt64(max(ts_ms)), {tz:String}) AS last_at
FROM
(
    SELECT
        agent,
        ts_ms,
        if(tool_name IN ('Read', 'view_image'), 'read', 'edited') AS action,
        arrayJoin(if(tool_name = 'apply_patch', splitByString(', ', input_summary), [input_summary])) AS named,
        if(startsWith(named, concat({project:String}, '/')), substring(named, length({project:String}) + 2), named) AS path
    FROM agent.tool_calls FINAL
    WHERE project_path = {project:String}
      AND ok = 1
      AND ts_ms < toUnixTimestamp64Milli({until:DateTime64(3, 'UTC')})
      AND tool_name IN ('Read', 'Edit', 'MultiEdit', 'Write', 'NotebookEdit', 'apply_patch', 'view_image')
      AND (agent, session_id) GLOBAL IN
      (
          SELECT agent, session_id
          FROM agent.sessions FINAL
          WHERE project_path = {project:String}
            AND ts_ms < toUnixTimestamp64Milli({until:DateTime64(3, 'UTC')})
          ORDER BY ts_ms DESC, agent, session_id
          LIMIT {sessions:UInt32}
      )
)
WHERE path != ''
GROUP BY path, action
ORDER BY max(ts_ms) DESC, path, action
LIMIT {limit:UInt32}
