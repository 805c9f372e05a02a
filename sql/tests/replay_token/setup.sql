-- A writer retries a failed batch with the same insert_deduplication_token: the retry is
-- dropped even if the rows were re-encoded in another order. A token names a batch: a batch
-- with other rows (e3) under a used token is dropped too, so e3 counts once, from its own token.
INSERT INTO seq.mem_events (ts_ms, dur_us, ok, session_id, event_id, content_hash, name, subject) SETTINGS async_insert = 0, insert_deduplication_token = 'mem:0-2' VALUES
(1930899601000, 120, True, 'seqd-1', 'e1', 'h1', 'ctx.window', 'main.rs	dev.zed.Zed	'),
(1930899602000, 80, False, 'seqd-1', 'e2', 'h2', 'mem.recall', NULL);
INSERT INTO seq.mem_events (ts_ms, dur_us, ok, session_id, event_id, content_hash, name, subject) SETTINGS async_insert = 0, insert_deduplication_token = 'mem:0-2' VALUES
(1930899601000, 120, True, 'seqd-1', 'e1', 'h1', 'ctx.window', 'main.rs	dev.zed.Zed	'),
(1930899602000, 80, False, 'seqd-1', 'e2', 'h2', 'mem.recall', NULL);
INSERT INTO seq.mem_events (ts_ms, dur_us, ok, session_id, event_id, content_hash, name, subject) SETTINGS async_insert = 0, insert_deduplication_token = 'mem:0-2' VALUES
(1930899602000, 80, False, 'seqd-1', 'e2', 'h2', 'mem.recall', NULL),
(1930899601000, 120, True, 'seqd-1', 'e1', 'h1', 'ctx.window', 'main.rs	dev.zed.Zed	');
INSERT INTO seq.mem_events (ts_ms, dur_us, ok, session_id, event_id, content_hash, name, subject) SETTINGS async_insert = 0, insert_deduplication_token = 'mem:0-2' VALUES
(1930899603000, 40, True, 'seqd-1', 'e3', 'h3', 'mem.store', 'note');
INSERT INTO seq.mem_events (ts_ms, dur_us, ok, session_id, event_id, content_hash, name, subject) SETTINGS async_insert = 0, insert_deduplication_token = 'mem:2-3' VALUES
(1930899603000, 40, True, 'seqd-1', 'e3', 'h3', 'mem.store', 'note');
INSERT INTO agent.turns (ts_ms, session_id, turn_index, agent, model, input_tokens, output_tokens, cached_tokens, reasoning_tokens, dur_ms, cost_usd, stop_reason, is_error, context_window, context_used_pct, turn_id, cache_write_tokens, cache_write_5m_tokens, cache_write_1h_tokens, project_path) SETTINGS async_insert = 0, insert_deduplication_token = 'turns:0-2' VALUES
(1930900200000, 'c1', 0, 'claude', 'claude-opus-4-6', 1000, 200, 600, 0, 4000, 0.5, 'tool_use', 0, 200000, 0.5, 'msg_1:req_1', 300, 300, 0, '/w/app'),
(1930903500000, 'x1', 0, 'codex', 'gpt-5.3-codex', 4000, 300, 3000, 120, 8000, 0.0625, '', 0, 258400, 1.5, 'resp_1', 0, 0, 0, '/w/app');
INSERT INTO agent.turns (ts_ms, session_id, turn_index, agent, model, input_tokens, output_tokens, cached_tokens, reasoning_tokens, dur_ms, cost_usd, stop_reason, is_error, context_window, context_used_pct, turn_id, cache_write_tokens, cache_write_5m_tokens, cache_write_1h_tokens, project_path) SETTINGS async_insert = 0, insert_deduplication_token = 'turns:0-2' VALUES
(1930903500000, 'x1', 0, 'codex', 'gpt-5.3-codex', 4000, 300, 3000, 120, 8000, 0.0625, '', 0, 258400, 1.5, 'resp_1', 0, 0, 0, '/w/app'),
(1930900200000, 'c1', 0, 'claude', 'claude-opus-4-6', 1000, 200, 600, 0, 4000, 0.5, 'tool_use', 0, 200000, 0.5, 'msg_1:req_1', 300, 300, 0, '/w/app');
