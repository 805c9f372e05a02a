-- view_cost_daily.sql: read the view agent.cost_daily (UTC days) for a window.
--
-- One row per (day, agent, model): calls, token columns and cost in USD (rounded to 6
-- decimals). For days in another time zone use daily.sql.
--
-- Parameters:
--   since  DateTime64(3, 'UTC')  the UTC day containing this instant is the first included
--   until  DateTime64(3, 'UTC')  days from the UTC day containing this instant on are excluded
SELECT
    day,
    agent,
    model,
    calls,
    input_tokens,
    cached_tokens,
    cache_write_tokens,
    output_tokens,
    reasoning_tokens,
    round(cost_usd, 6) AS cost_usd
FROM agent.cost_daily
WHERE day >= toDate({since:DateTime64(3, 'UTC')}) AND day < toDate({until:DateTime64(3, 'UTC')})
ORDER BY day, agent, model
