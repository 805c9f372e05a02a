-- replay_physical.sql: stored row counts of every base table, without FINAL.
--
-- Shows block-level deduplication at work: after an identical retry of a batch (same rows in
-- the same order, or the same insert_deduplication_token) no table holds a single extra row,
-- not even one waiting for a background merge. Compare with replay_check.sql, which shows
-- what readers see.
--
-- No parameters.
SELECT object, rows
FROM
(
    SELECT 'agent_sessions' AS object, count() AS rows FROM agent.sessions
    UNION ALL SELECT 'agent_turns', count() FROM agent.turns
    UNION ALL SELECT 'agent_tool_calls', count() FROM agent.tool_calls
    UNION ALL SELECT 'agent_rate_limits', count() FROM agent.rate_limits
    UNION ALL SELECT 'seq_mem_events', count() FROM seq.mem_events
    UNION ALL SELECT 'seq_trace_events', count() FROM seq.trace_events
    UNION ALL SELECT 'seq_context', count() FROM seq.context
    UNION ALL SELECT 'hive_supersteps', count() FROM hive.supersteps
    UNION ALL SELECT 'hive_model_invocations', count() FROM hive.model_invocations
    UNION ALL SELECT 'hive_tool_calls', count() FROM hive.tool_calls
)
ORDER BY object
