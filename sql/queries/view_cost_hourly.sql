-- view_cost_hourly.sql: read the view agent.cost_hourly (UTC hours) for a window.
--
-- One row per (hour, agent, model): calls, token columns and cost in USD (rounded to 6
-- decimals), from the deduplicated calls.
--
-- Parameters:
--   since  DateTime64(3, 'UTC')  first hour included (UTC text or unix seconds)
--   until  DateTime64(3, 'UTC')  hours starting at or after this instant are excluded
SELECT
    hour,
    agent,
    model,
    calls,
    input_tokens,
    cached_tokens,
    cache_write_tokens,
    output_tokens,
    reasoning_tokens,
    round(cost_usd, 6) AS cost_usd
FROM agent.cost_hourly
WHERE hour >= {since:DateTime64(3, 'UTC')} AND hour < {until:DateTime64(3, 'UTC')}
ORDER BY hour, agent, model
