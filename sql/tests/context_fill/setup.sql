-- include: seed.sql
-- Appended for context_fill: a second call of c2 at the same millisecond as msg_9, later in the
-- session (turn_index 1) but with a smaller turn_id: it is c2's latest call.
INSERT INTO agent.turns (ts_ms, session_id, turn_index, agent, model, input_tokens, output_tokens, cached_tokens, reasoning_tokens, dur_ms, cost_usd, stop_reason, is_error, context_window, context_used_pct, turn_id, cache_write_tokens, cache_write_5m_tokens, cache_write_1h_tokens, project_path) SETTINGS async_insert = 0 VALUES
(1930957200000, 'c2', 1, 'claude', 'claude-sonnet-4-5', 1500, 20, 800, 0, 500, 0.03125, 'end_turn', 0, 1000000, 0.75, 'msg_8:req_8', 0, 0, 0, '/w/lib');
