-- Rows on top of sql/tests/seed.sql for the brief and budget tests (same conventions).
-- c1 ends its day with a failed call whose input holds a secret (as a C-ABI caller could push
-- it: never redacted on the way in), and a model call that ended in an error.
INSERT INTO agent.tool_calls (ts_ms, session_id, turn_index, agent, tool_name, input_summary, dur_ms, ok, output_lines, output_bytes, call_id, turn_id, project_path) SETTINGS async_insert = 0 VALUES
(1930934500000, 'c1', 2, 'claude', 'Bash', 'curl -H "Authorization: Bearer sk-ant-api03-abcdefghijklmnopqrstuv" https://x.test/deploy', 900, 0, 3, 120, 'toolu_5', 'msg_3:req_3', '/w/app');
INSERT INTO agent.turns (ts_ms, session_id, turn_index, agent, model, input_tokens, output_tokens, cached_tokens, reasoning_tokens, dur_ms, cost_usd, stop_reason, is_error, context_window, context_used_pct, turn_id, cache_write_tokens, cache_write_5m_tokens, cache_write_1h_tokens, project_path) SETTINGS async_insert = 0 VALUES
(1930904000000, 'x1', 0, 'codex', 'gpt-5.3-codex', 0, 0, 0, 0, 500, 0, 'stream disconnected', 1, 258400, 0, 'x1:error:1', 0, 0, 0, '/w/app');
