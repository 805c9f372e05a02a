-- cache.sql: how well each agent uses the prompt cache, per day.
--
-- One row per (day, agent): billed calls, input_tokens (every prompt token, cached and
-- cache-written ones included), cached_tokens (read from cache), cache_write_tokens, and
-- cache_hit_ratio = cached_tokens / input_tokens rounded to 4 decimals (NULL without input).
-- The same definition holds for Claude and Codex (see sql/README.md, token columns).
--
-- Parameters:
--   since  DateTime64(3, 'UTC')  first instant included (UTC text or unix seconds)
--   until  DateTime64(3, 'UTC')  first instant excluded
--   tz     String                IANA time zone of the days
--
-- Differences from the plan's "Cache Efficiency": the plan averaged the per-call ratio
-- (avg(cached * 100 / input)), which weighs a 50-token call like a 150k-token one, and its
-- Claude cached_tokens included cache writes. This is the token-weighted ratio of sums over
-- agent.turns FINAL (replays count once).
SELECT
    day,
    agent,
    calls,
    input_tokens,
    cached_tokens,
    cache_write_tokens,
    round(cached_tokens / nullIf(input_tokens, 0), 4) AS cache_hit_ratio
FROM
(
    SELECT
        toDate(toDateTime(intDiv(ts_ms, 1000), {tz:String})) AS day,
        agent,
        count() AS calls,
        sum(input_tokens) AS input_tokens,
        sum(cached_tokens) AS cached_tokens,
        sum(cache_write_tokens) AS cache_write_tokens
    FROM agent.turns FINAL
    WHERE ts_ms >= toUnixTimestamp64Milli({since:DateTime64(3, 'UTC')})
      AND ts_ms < toUnixTimestamp64Milli({until:DateTime64(3, 'UTC')})
    GROUP BY day, agent
)
ORDER BY day, agent
