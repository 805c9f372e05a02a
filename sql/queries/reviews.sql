-- reviews.sql: the latest Codex code reviews, one row each, as of their most complete version.
--
-- One row per review (agent.reviews FINAL: the version that knows the most, its end and every
-- call of its reviewer sub-session) that ended in the window, optionally of one project: when
-- it started (in {tz}), the project, what was reviewed, how it ended, the verdict, the
-- findings, and what the reviewer's calls used and cost (rounded to 6 decimals). Newest first.
--
-- Parameters:
--   since    DateTime64(3, 'UTC')  first instant included (UTC text or unix seconds)
--   until    DateTime64(3, 'UTC')  first instant excluded
--   project  String                project_path to keep, or '' for every project
--   tz       String                IANA time zone of started_at
--   limit    UInt32                at most this many reviews
SELECT
    fromUnixTimestamp64Milli(toInt64(started_ms), {tz:String}) AS started_at,
    project_path,
    review_id,
    target_kind,
    target_value,
    status,
    verdict,
    confidence,
    findings,
    dur_ms,
    model,
    input_tokens,
    output_tokens,
    round(cost_usd, 6) AS cost_usd,
    error
FROM agent.reviews FINAL
WHERE ts_ms >= toUnixTimestamp64Milli({since:DateTime64(3, 'UTC')})
  AND ts_ms < toUnixTimestamp64Milli({until:DateTime64(3, 'UTC')})
  AND ({project:String} = '' OR project_path = {project:String})
ORDER BY ts_ms DESC, review_id
LIMIT {limit:UInt32}
