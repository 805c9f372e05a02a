-- Reviews on top of seed.sql, for the reviews_* and review_files cases (same conventions). x1's
-- first review also arrives as an older version (no reviewer known yet), after the newer one:
-- FINAL must keep version 3.
INSERT INTO agent.reviews (ts_ms, review_id, session_id, agent, project_path, target_kind, target_value, status, error, verdict, confidence, explanation, findings, started_ms, dur_ms, reviewer_session_id, model, input_tokens, cached_tokens, output_tokens, reasoning_tokens, cost_usd, version) SETTINGS async_insert = 0 VALUES
(1930905060000, 'x1:turn-r1', 'x1', 'codex', '/w/app', 'uncommittedChanges', '', 'completed', '', 'patch is incorrect', 0.85, 'mean() divides by zero', 2, 1930905000000, 60000, 'x1-rev1', 'gpt-5.3-codex', 1000, 200, 100, 10, 0.01, 3),
(1930908720000, 'x1:turn-r2', 'x1', 'codex', '/w/app', 'baseBranch', 'main', 'interrupted', '', '', NULL, '', 0, 1930908600000, 120000, 'x1-rev2', 'gpt-5.3-codex', 500, 0, 20, 0, 0.005, 3),
(1930912200000, 'x1:turn-r4', 'x1', 'codex', '/w/app', 'custom', 'look at the parser', 'completed', '', 'patch is incorrect', 0.7, 'an off-by-one', 1, 1930912140000, 60000, 'x1-rev4', 'gpt-5.3-codex', 800, 0, 60, 0, 0.0075, 3),
(1930960800000, 'x9:turn-r3', 'x9', 'codex', '/w/lib', 'commit', 'abc1234 Fix the build', 'completed', '', 'patch is correct', 0.9, 'fine', 1, 1930960740000, 60000, 'x9-rev', 'gpt-5.5', 300, 0, 30, 0, 0.0025, 3);
INSERT INTO agent.reviews (ts_ms, review_id, session_id, agent, project_path, target_kind, target_value, status, error, verdict, confidence, explanation, findings, started_ms, dur_ms, reviewer_session_id, model, input_tokens, cached_tokens, output_tokens, reasoning_tokens, cost_usd, version) SETTINGS async_insert = 0 VALUES
(1930905060000, 'x1:turn-r1', 'x1', 'codex', '/w/app', 'uncommittedChanges', '', 'completed', '', 'patch is incorrect', 0.85, 'mean() divides by zero', 2, 1930905000000, 60000, '', '', 0, 0, 0, 0, 0, 1);
INSERT INTO agent.review_findings (ts_ms, review_id, session_id, agent, project_path, idx, priority, confidence, title, body, file_path, line_start, line_end) SETTINGS async_insert = 0 VALUES
(1930905060000, 'x1:turn-r1', 'x1', 'codex', '/w/app', 0, 1, 0.9, '[P1] Division by zero', 'len(xs) can be 0', '/w/app/src/stats.rs', 2, 3),
(1930905060000, 'x1:turn-r1', 'x1', 'codex', '/w/app', 1, 3, 0.4, '[P3] Name the precision', 'a constant', '/w/app/src/stats.rs', 3, 3),
(1930912200000, 'x1:turn-r4', 'x1', 'codex', '/w/app', 0, 2, 0.6, '[P2] Off by one', 'the loop ends early', '/w/app/src/main.rs', 40, 41),
(1930960800000, 'x9:turn-r3', 'x9', 'codex', '/w/lib', 0, NULL, 0.5, 'Nit', 'a name', '/w/lib/src/lib.rs', 10, 12);
