-- budget_spend.sql: what each agent and model has cost since an instant, from agent.cost_hourly
-- (the budget verdict's "today").
--
-- One row per (agent, model) with the calls, tokens and cost in USD (rounded to 6 decimals) of
-- the UTC hours from the one containing {since} up to {until} (exclusive). The view's buckets
-- are whole UTC hours, so in a time zone whose midnight falls on a half hour (Asia/Kolkata) the
-- day starts at the hour before its midnight.
--
-- Parameters:
--   since  DateTime64(3, 'UTC')  the start of the day (or any window), UTC text or unix seconds
--   until  DateTime64(3, 'UTC')  hours starting at or after this instant are ignored
SELECT
    agent,
    model,
    sum(calls) AS calls,
    sum(input_tokens) AS input_tokens,
    sum(cached_tokens) AS cached_tokens,
    sum(output_tokens) AS output_tokens,
    round(sum(cost_usd), 6) AS cost_usd
FROM agent.cost_hourly
WHERE hour >= toStartOfHour({since:DateTime64(3, 'UTC')})
  AND hour < {until:DateTime64(3, 'UTC')}
GROUP BY agent, model
ORDER BY cost_usd DESC, agent, model
