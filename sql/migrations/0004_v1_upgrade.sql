-- seqch migration 0004: bring a database created by v1's seqmem.sql up to seqch's replay
-- rules. On a fresh install every statement here is a no-op.
--
-- 1. The v1 seq and hive tables already exist there, so 0002's CREATE ... IF NOT EXISTS kept
--    them without block-level deduplication: switch it on.
-- 2. v1's incremental SummingMergeTree triggers count every insert block, replays included:
--    drop the triggers (seqch never creates these names). Their targets agent.cost_hourly and
--    agent.tool_success, and v1's MergeTree agent.turns and agent.tool_calls, need the one-time
--    manual conversion described in sql/README.md (section "Upgrading a v1 database").

ALTER TABLE seq.mem_events MODIFY SETTING non_replicated_deduplication_window = 10000;

ALTER TABLE seq.trace_events MODIFY SETTING non_replicated_deduplication_window = 10000;

ALTER TABLE seq.context MODIFY SETTING non_replicated_deduplication_window = 10000;

ALTER TABLE hive.supersteps MODIFY SETTING non_replicated_deduplication_window = 10000;

ALTER TABLE hive.model_invocations MODIFY SETTING non_replicated_deduplication_window = 10000;

ALTER TABLE hive.tool_calls MODIFY SETTING non_replicated_deduplication_window = 10000;

DROP TABLE IF EXISTS agent.mv_cost_hourly;

DROP TABLE IF EXISTS agent.mv_tool_success;
