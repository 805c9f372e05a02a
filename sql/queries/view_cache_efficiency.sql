-- view_cache_efficiency.sql: read the view agent.cache_efficiency (UTC days) for a window.
--
-- One row per (day, agent): calls, input_tokens, cached_tokens, cache_write_tokens and
-- cache_hit_ratio = cached_tokens / input_tokens rounded to 4 decimals (NULL without input).
--
-- Parameters:
--   since  DateTime64(3, 'UTC')  the UTC day containing this instant is the first included
--   until  DateTime64(3, 'UTC')  days from the UTC day containing this instant on are excluded
SELECT
    day,
    agent,
    calls,
    input_tokens,
    cached_tokens,
    cache_write_tokens,
    round(cache_hit_ratio, 4) AS cache_hit_ratio
FROM agent.cache_efficiency
WHERE day >= toDate({since:DateTime64(3, 'UTC')}) AND day < toDate({until:DateTime64(3, 'UTC')})
ORDER BY day, agent
