-- Rows as the v1 C ABI pushes them: turn_id and call_id are empty. They must neither
-- collapse into one row per session nor duplicate when replayed. Calls a and b share
-- ts_ms and turn_index but differ in input_summary: two calls.
INSERT INTO agent.tool_calls (ts_ms, session_id, turn_index, agent, tool_name, input_summary, dur_ms, ok, output_lines, output_bytes, call_id, turn_id, project_path) SETTINGS async_insert = 0 VALUES
(1930899601000, 'legacy', 0, 'claude', 'Bash', 'ls', 10, 1, 0, 0, '', '', ''),
(1930899601000, 'legacy', 0, 'claude', 'Bash', 'pwd', 20, 1, 0, 0, '', '', ''),
(1930899602000, 'legacy', 0, 'claude', 'Read', '/a', 30, 0, 0, 0, '', '', '');
-- Replay in other batches.
INSERT INTO agent.tool_calls (ts_ms, session_id, turn_index, agent, tool_name, input_summary, dur_ms, ok, output_lines, output_bytes, call_id, turn_id, project_path) SETTINGS async_insert = 0 VALUES
(1930899602000, 'legacy', 0, 'claude', 'Read', '/a', 30, 0, 0, 0, '', '', ''),
(1930899601000, 'legacy', 0, 'claude', 'Bash', 'ls', 10, 1, 0, 0, '', '', '');
INSERT INTO agent.tool_calls (ts_ms, session_id, turn_index, agent, tool_name, input_summary, dur_ms, ok, output_lines, output_bytes, call_id, turn_id, project_path) SETTINGS async_insert = 0 VALUES
(1930899601000, 'legacy', 0, 'claude', 'Bash', 'pwd', 20, 1, 0, 0, '', '', '');
