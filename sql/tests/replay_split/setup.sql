-- include: replay.sql
-- Replay: the same agent rows in different batches.
INSERT INTO agent.turns (ts_ms, session_id, turn_index, agent, model, input_tokens, output_tokens, cached_tokens, reasoning_tokens, dur_ms, cost_usd, stop_reason, is_error, context_window, context_used_pct, turn_id, cache_write_tokens, cache_write_5m_tokens, cache_write_1h_tokens, project_path) SETTINGS async_insert = 0 VALUES
(1930957200000, 'c2', 0, 'claude', 'claude-sonnet-4-5', 800, 50, 0, 0, 1000, 0.0625, 'end_turn', 0, 200000, 0.5, 'msg_9:req_9', 0, 0, 0, '/w/lib'),
(1930934700000, 'c1', 2, 'claude', 'claude-opus-4-6', 500, 100, 0, 0, 2000, 0.125, 'end_turn', 0, 200000, 0.25, 'msg_3:req_3', 500, 0, 500, '/w/app'),
(1930904400000, 'x1', 1, 'codex', 'gpt-5.3-codex', 6000, 500, 5000, 200, 12000, 0.125, '', 0, 258400, 2.5, 'resp_2', 0, 0, 0, '/w/app');
INSERT INTO agent.turns (ts_ms, session_id, turn_index, agent, model, input_tokens, output_tokens, cached_tokens, reasoning_tokens, dur_ms, cost_usd, stop_reason, is_error, context_window, context_used_pct, turn_id, cache_write_tokens, cache_write_5m_tokens, cache_write_1h_tokens, project_path) SETTINGS async_insert = 0 VALUES
(1930823940000, 'x0', 0, 'codex', 'gpt-5.3-codex', 900, 90, 0, 10, 3000, 0.03125, '', 0, 258400, 0.5, 'resp_0', 0, 0, 0, '/w/app'),
(1930900200000, 'c1', 0, 'claude', 'claude-opus-4-6', 1000, 200, 600, 0, 4000, 0.5, 'tool_use', 0, 200000, 0.5, 'msg_1:req_1', 300, 300, 0, '/w/app'),
(1930903500000, 'x1', 0, 'codex', 'gpt-5.3-codex', 4000, 300, 3000, 120, 8000, 0.0625, '', 0, 258400, 1.5, 'resp_1', 0, 0, 0, '/w/app'),
(1930902000000, 'c1', 1, 'claude', 'claude-opus-4-6', 2000, 400, 1500, 0, 6000, 0.25, 'end_turn', 0, 200000, 1.0, 'msg_2:req_2', 0, 0, 0, '/w/app');
INSERT INTO agent.turns (ts_ms, session_id, turn_index, agent, model, input_tokens, output_tokens, cached_tokens, reasoning_tokens, dur_ms, cost_usd, stop_reason, is_error, context_window, context_used_pct, turn_id, cache_write_tokens, cache_write_5m_tokens, cache_write_1h_tokens, project_path) SETTINGS async_insert = 0 VALUES
(1930901998000, 'c1', 1, 'claude', 'claude-opus-4-6', 2000, 10, 1500, 0, 0, 0.0625, '', 0, 200000, 1.0, 'msg_2:req_2', 0, 0, 0, '/w/app');
INSERT INTO agent.sessions (ts_ms, session_id, agent, model, project_path, git_branch, git_commit, dur_ms, turns, total_input_tokens, total_output_tokens, total_cost_usd, first_ts_ms, total_cached_tokens, total_cache_write_tokens, total_reasoning_tokens, tool_calls, failed_tool_calls, parent_session_id, source, cli_version) SETTINGS async_insert = 0 VALUES
(1930957205000, 'c2', 'claude', 'claude-sonnet-4-5', '/w/lib', 'main', '777aaa', 5000, 1, 800, 50, 0.0625, 1930957200000, 0, 0, 0, 1, 0, '', 'vscode', '2.1.200'),
(1930904405000, 'x1', 'codex', 'gpt-5.3-codex', '/w/app', 'feat', 'def456', 905000, 2, 10000, 800, 0.1875, 1930903500000, 8000, 0, 320, 4, 1, '', 'cli', '0.130.0');
INSERT INTO agent.sessions (ts_ms, session_id, agent, model, project_path, git_branch, git_commit, dur_ms, turns, total_input_tokens, total_output_tokens, total_cost_usd, first_ts_ms, total_cached_tokens, total_cache_write_tokens, total_reasoning_tokens, tool_calls, failed_tool_calls, parent_session_id, source, cli_version) SETTINGS async_insert = 0 VALUES
(1930934700000, 'c1', 'claude', 'claude-opus-4-6', '/w/app', 'main', 'abc123', 34500000, 3, 3500, 700, 0.875, 1930900200000, 2100, 800, 0, 4, 1, '', 'cli', '2.1.200'),
(1930824000000, 'x0', 'codex', 'gpt-5.3-codex', '/w/app', 'main', 'abc000', 1800000, 1, 900, 90, 0.03125, 1930822200000, 0, 0, 10, 0, 0, '', 'exec', '0.130.0');
INSERT INTO agent.sessions (ts_ms, session_id, agent, model, project_path, git_branch, git_commit, dur_ms, turns, total_input_tokens, total_output_tokens, total_cost_usd, first_ts_ms, total_cached_tokens, total_cache_write_tokens, total_reasoning_tokens, tool_calls, failed_tool_calls, parent_session_id, source, cli_version) SETTINGS async_insert = 0 VALUES
(1930902010000, 'c1', 'claude', 'claude-opus-4-6', '/w/app', 'main', 'abc123', 1810000, 2, 3000, 600, 0.75, 1930900200000, 2100, 300, 0, 4, 1, '', 'cli', '2.1.200');
INSERT INTO agent.tool_calls (ts_ms, session_id, turn_index, agent, tool_name, input_summary, dur_ms, ok, output_lines, output_bytes, call_id, turn_id, project_path) SETTINGS async_insert = 0 VALUES
(1930904410000, 'x1', 1, 'codex', 'exec_command', 'rg foo', 50, 1, 12, 600, 'call_4', 'resp_2', '/w/app'),
(1930957203000, 'c2', 0, 'claude', 'Bash', 'ls', 10, 1, 5, 50, 'toolu_9', 'msg_9:req_9', '/w/lib'),
(1930900205000, 'c1', 0, 'claude', 'Bash', 'cargo test', 3000, 0, 40, 2000, 'toolu_1', 'msg_1:req_1', '/w/app');
INSERT INTO agent.tool_calls (ts_ms, session_id, turn_index, agent, tool_name, input_summary, dur_ms, ok, output_lines, output_bytes, call_id, turn_id, project_path) SETTINGS async_insert = 0 VALUES
(1930900206000, 'c1', 0, 'claude', 'Read', '/w/app/src/main.rs', 20, 1, 100, 4000, 'toolu_2', 'msg_1:req_1', '/w/app'),
(1930902005000, 'c1', 1, 'claude', 'Bash', 'cargo test', 2500, 1, 30, 1500, 'toolu_3', 'msg_2:req_2', '/w/app'),
(1930902010000, 'c1', 1, 'claude', 'Edit', '/w/app/src/lib.rs', 50, 1, 1, 40, 'toolu_4', 'msg_2:req_2', '/w/app'),
(1930903505000, 'x1', 0, 'codex', 'exec_command', 'rg foo', 100, 1, 12, 600, 'call_1', 'resp_1', '/w/app'),
(1930903510000, 'x1', 0, 'codex', 'exec_command', 'cargo build', 9000, 0, 80, 5000, 'call_2', 'resp_1', '/w/app'),
(1930904405000, 'x1', 1, 'codex', 'apply_patch', 'src/lib.rs', 30, 1, 1, 20, 'call_3', 'resp_2', '/w/app');
INSERT INTO agent.rate_limits (ts_ms, session_id, agent, limit_id, `window`, used_percent, window_minutes, resets_at, plan_type) SETTINGS async_insert = 0 VALUES
(1930904400000, 'x1', 'codex', 'codex', 'secondary', 10.5, 10080, 1931400000, 'pro'),
(1930903500000, 'x1', 'codex', 'codex', 'primary', 4.0, 300, 1930885200, 'pro');
INSERT INTO agent.rate_limits (ts_ms, session_id, agent, limit_id, `window`, used_percent, window_minutes, resets_at, plan_type) SETTINGS async_insert = 0 VALUES
(1930904400000, 'x1', 'codex', 'codex', 'primary', 6.5, 300, 1930885200, 'pro'),
(1930903500000, 'x1', 'codex', 'codex', 'secondary', 10.0, 10080, 1931400000, 'pro');
