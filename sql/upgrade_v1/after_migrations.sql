-- Upgrade of a database created by v1's seqmem.sql, step 2 of 2: run once after the
-- migrations. Copies v1's rows into the new tables. v1 rows carry no turn_id or call_id, so
-- they keep the fallback identity of the new sort keys (turn_index and ts_ms for a call,
-- plus tool_name and input_summary for a tool call). Exact duplicates that v1 stored twice
-- collapse. first_ts_ms of a session is derived from ts_ms - dur_ms by its DEFAULT.
-- When the counts match, drop agent.sessions_v1, agent.turns_v1 and agent.tool_calls_v1.

INSERT INTO agent.sessions (ts_ms, session_id, agent, model, project_path, git_branch, git_commit, dur_ms, turns, total_input_tokens, total_output_tokens, total_cost_usd)
SELECT ts_ms, session_id, agent, model, project_path, git_branch, git_commit, dur_ms, turns, total_input_tokens, total_output_tokens, total_cost_usd
FROM agent.sessions_v1;

INSERT INTO agent.turns (ts_ms, session_id, turn_index, agent, model, input_tokens, output_tokens, cached_tokens, reasoning_tokens, dur_ms, cost_usd, stop_reason, is_error, context_window, context_used_pct)
SELECT ts_ms, session_id, turn_index, agent, model, input_tokens, output_tokens, cached_tokens, reasoning_tokens, dur_ms, cost_usd, stop_reason, is_error, context_window, context_used_pct
FROM agent.turns_v1;

INSERT INTO agent.tool_calls (ts_ms, session_id, turn_index, agent, tool_name, input_summary, dur_ms, ok, output_lines, output_bytes)
SELECT ts_ms, session_id, turn_index, agent, tool_name, input_summary, dur_ms, ok, output_lines, output_bytes
FROM agent.tool_calls_v1;
