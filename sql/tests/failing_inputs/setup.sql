-- include: seed.sql
-- Appended for failing_inputs*: more failures of 'cargo build' (one on the day before, one in
-- x1), a failure in another project, and an older version of toolu_3 that failed: it arrives
-- last and loses to the newer, successful version (FINAL), so 'cargo test' failed once only.
INSERT INTO agent.tool_calls (ts_ms, session_id, turn_index, agent, tool_name, input_summary, dur_ms, ok, output_lines, output_bytes, call_id, turn_id, project_path) SETTINGS async_insert = 0 VALUES
(1930823950000, 'x0', 0, 'codex', 'exec_command', 'cargo build', 7000, 0, 60, 3000, 'call_0', 'resp_0', '/w/app'),
(1930903600000, 'x1', 0, 'codex', 'exec_command', 'cargo build', 8000, 0, 70, 4000, 'call_5', 'resp_1', '/w/app'),
(1930957204000, 'c2', 0, 'claude', 'Bash', 'ls -la', 10, 0, 0, 0, 'toolu_10', 'msg_9:req_9', '/w/lib');
INSERT INTO agent.tool_calls (ts_ms, session_id, turn_index, agent, tool_name, input_summary, dur_ms, ok, output_lines, output_bytes, call_id, turn_id, project_path) SETTINGS async_insert = 0 VALUES
(1930902004000, 'c1', 1, 'claude', 'Bash', 'cargo test', 0, 0, 0, 0, 'toolu_3', 'msg_2:req_2', '/w/app');
