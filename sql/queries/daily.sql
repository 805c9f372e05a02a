-- daily.sql: what each agent and model cost per calendar day.
--
-- One row per (day, agent, model) with the number of billed calls, the token columns and the
-- cost in USD (rounded to 6 decimals), days cut in time zone {tz}.
--
-- Parameters:
--   since  DateTime64(3, 'UTC')  first instant included: UTC 'YYYY-MM-DD hh:mm:ss[.fff]' or
--                                unix seconds such as '1930867200.000'
--   until  DateTime64(3, 'UTC')  first instant excluded (same formats)
--   tz     String                IANA time zone of the days, e.g. 'Europe/Berlin' or 'UTC'
--
-- Differences from the plan's "Daily Cost Report": it reads agent.turns FINAL, so a call that
-- was replayed or re-emitted with a later snapshot counts once, days follow {tz} instead of
-- the server's zone, and the window is a parameter instead of now().
SELECT
    toDate(toDateTime(intDiv(ts_ms, 1000), {tz:String})) AS day,
    agent,
    model,
    count() AS calls,
    sum(input_tokens) AS input_tokens,
    sum(cached_tokens) AS cached_tokens,
    sum(cache_write_tokens) AS cache_write_tokens,
    sum(output_tokens) AS output_tokens,
    sum(reasoning_tokens) AS reasoning_tokens,
    round(sum(cost_usd), 6) AS cost_usd
FROM agent.turns FINAL
WHERE ts_ms >= toUnixTimestamp64Milli({since:DateTime64(3, 'UTC')})
  AND ts_ms < toUnixTimestamp64Milli({until:DateTime64(3, 'UTC')})
GROUP BY day, agent, model
ORDER BY day, agent, model
