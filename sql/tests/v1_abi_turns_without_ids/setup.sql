-- Rows as the v1 C ABI pushes them: turn_id and call_id are empty. They must neither
-- collapse into one row per session nor duplicate when replayed. l0b reuses turn_index 0
-- (a v1 daemon restarted its counter) at another time: a different call.
INSERT INTO agent.turns (ts_ms, session_id, turn_index, agent, model, input_tokens, output_tokens, cached_tokens, reasoning_tokens, dur_ms, cost_usd, stop_reason, is_error, context_window, context_used_pct, turn_id, cache_write_tokens, cache_write_5m_tokens, cache_write_1h_tokens, project_path) SETTINGS async_insert = 0 VALUES
(1930899600000, 'legacy', 0, 'claude', 'claude-opus-4-6', 100, 10, 0, 0, 0, 0.5, '', 0, 0, 0.0, '', 0, 0, 0, ''),
(1930899660000, 'legacy', 1, 'claude', 'claude-opus-4-6', 200, 20, 0, 0, 0, 0.25, '', 0, 0, 0.0, '', 0, 0, 0, ''),
(1930899720000, 'legacy', 2, 'claude', 'claude-opus-4-6', 300, 30, 0, 0, 0, 0.125, '', 0, 0, 0.0, '', 0, 0, 0, ''),
(1930899780000, 'legacy', 0, 'claude', 'claude-opus-4-6', 400, 40, 0, 0, 0, 0.0625, '', 0, 0, 0.0, '', 0, 0, 0, '');
-- Replay in other batches.
INSERT INTO agent.turns (ts_ms, session_id, turn_index, agent, model, input_tokens, output_tokens, cached_tokens, reasoning_tokens, dur_ms, cost_usd, stop_reason, is_error, context_window, context_used_pct, turn_id, cache_write_tokens, cache_write_5m_tokens, cache_write_1h_tokens, project_path) SETTINGS async_insert = 0 VALUES
(1930899720000, 'legacy', 2, 'claude', 'claude-opus-4-6', 300, 30, 0, 0, 0, 0.125, '', 0, 0, 0.0, '', 0, 0, 0, ''),
(1930899660000, 'legacy', 1, 'claude', 'claude-opus-4-6', 200, 20, 0, 0, 0, 0.25, '', 0, 0, 0.0, '', 0, 0, 0, '');
INSERT INTO agent.turns (ts_ms, session_id, turn_index, agent, model, input_tokens, output_tokens, cached_tokens, reasoning_tokens, dur_ms, cost_usd, stop_reason, is_error, context_window, context_used_pct, turn_id, cache_write_tokens, cache_write_5m_tokens, cache_write_1h_tokens, project_path) SETTINGS async_insert = 0 VALUES
(1930899780000, 'legacy', 0, 'claude', 'claude-opus-4-6', 400, 40, 0, 0, 0, 0.0625, '', 0, 0, 0.0, '', 0, 0, 0, ''),
(1930899600000, 'legacy', 0, 'claude', 'claude-opus-4-6', 100, 10, 0, 0, 0, 0.5, '', 0, 0, 0.0, '', 0, 0, 0, '');
