-- projects.sql: which agent is used for which project (phase 2, "Which agent do you prefer
-- for which project?").
--
-- One row per (project_path, agent): sessions whose last activity falls in the window, their
-- input + output tokens, their cost in USD (rounded to 6 decimals) and their summed duration
-- in ms (total_dur_ms, each session's dur_ms = last - first activity).
--
-- Parameters:
--   since  DateTime64(3, 'UTC')  first instant included (UTC text or unix seconds)
--   until  DateTime64(3, 'UTC')  first instant excluded
--
-- Difference from the plan: the plan read agent.sessions without FINAL, so every snapshot of a
-- session counted as one more session and added its running totals again. FINAL keeps the
-- latest snapshot only.
SELECT
    project_path,
    agent,
    count() AS sessions,
    sum(total_input_tokens + total_output_tokens) AS total_tokens,
    round(sum(total_cost_usd), 6) AS total_cost_usd,
    sum(dur_ms) AS total_dur_ms
FROM agent.sessions FINAL
WHERE ts_ms >= toUnixTimestamp64Milli({since:DateTime64(3, 'UTC')})
  AND ts_ms < toUnixTimestamp64Milli({until:DateTime64(3, 'UTC')})
GROUP BY project_path, agent
ORDER BY project_path, total_tokens DESC, agent
