-- continuity.sql: what the other agent did in its latest session on this project, for a
-- hand-off when a new session starts (phase 4, "Continuity Query").
--
-- Picks the session with the latest activity on {project} whose agent is not {agent} (the
-- agent that is starting now), and lists its tool calls grouped by (tool_name, input_summary,
-- ok) with how often each ran. The session's columns are repeated on every row. A session
-- without tool calls gives one row with tool_name '' and calls 0. No row when the other agent
-- never worked on the project.
--
-- Parameters:
--   project  String  project_path, e.g. '/Users/me/code/flow'
--   agent    String  the agent starting now ('claude' or 'codex'), the other one is reported
--
-- Differences from the plan:
--   * The plan joined agent.tool_calls to agent.sessions on session_id alone, without FINAL:
--     a latest snapshot stored twice (a replay not merged yet) doubled every count, and a
--     replayed tool call counted twice.
--     Here the session is chosen from agent.sessions FINAL (one row per session) and the tool
--     calls come from agent.tool_calls FINAL, filtered by (agent, session_id), the prefix of
--     its sort key. GLOBAL IN is the same as IN on one server and keeps the query valid when
--     the tables are Distributed (see sql/README.md, cluster variant).
--   * The plan picked the session by max(ts_ms) in a second scan and could match two sessions
--     with the same ts_ms. Here ties are broken by session_id.
SELECT
    s.agent AS agent,
    s.session_id AS session_id,
    s.model AS model,
    s.git_branch AS git_branch,
    fromUnixTimestamp64Milli(toInt64(s.ts_ms), 'UTC') AS last_activity_at,
    tc.tool_name AS tool_name,
    tc.input_summary AS input_summary,
    tc.ok AS ok,
    tc.calls AS calls
FROM
(
    SELECT agent, session_id, model, git_branch, ts_ms
    FROM agent.sessions FINAL
    WHERE project_path = {project:String} AND agent != {agent:String}
    ORDER BY ts_ms DESC, session_id DESC
    LIMIT 1
) AS s
LEFT JOIN
(
    SELECT agent, session_id, tool_name, input_summary, ok, count() AS calls
    FROM agent.tool_calls FINAL
    WHERE (agent, session_id) GLOBAL IN
    (
        SELECT agent, session_id
        FROM agent.sessions FINAL
        WHERE project_path = {project:String} AND agent != {agent:String}
        ORDER BY ts_ms DESC, session_id DESC
        LIMIT 1
    )
    GROUP BY agent, session_id, tool_name, input_summary, ok
) AS tc
ON s.agent = tc.agent AND s.session_id = tc.session_id
ORDER BY calls DESC, tool_name, input_summary, ok
