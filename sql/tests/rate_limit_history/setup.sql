-- include: seed.sql
-- Appended for rate_limit_history: two more sessions report the codex windows at the same
-- milliseconds as x1. The larger session_id wins: x2 over x1 at 10:20, x1 over x0 at 10:05.
INSERT INTO agent.rate_limits (ts_ms, session_id, agent, limit_id, `window`, used_percent, window_minutes, resets_at, plan_type) SETTINGS async_insert = 0 VALUES
(1930904400000, 'x2', 'codex', 'codex', 'primary', 7.0, 300, 1930885200, 'pro'),
(1930903500000, 'x0', 'codex', 'codex', 'secondary', 99.0, 10080, 1931399999, 'pro');
