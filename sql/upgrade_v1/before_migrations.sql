-- Upgrade of a database created by v1's seqmem.sql, step 1 of 2: run once, with the writers
-- stopped, before the first seqch migration. Not idempotent (RENAME), so it is not a
-- migration. Afterwards apply sql/migrations, then sql/upgrade_v1/after_migrations.sql.
--
-- v1's agent tables are plain MergeTree (sessions: ReplacingMergeTree partitioned by day)
-- without seqch's columns and replay keys. They are renamed aside and copied into the new
-- tables by step 2. v1's SummingMergeTree rollups are derived data that double-counted every
-- replay: they are dropped, the migrations recreate them as exact views.

DROP TABLE IF EXISTS agent.mv_cost_hourly;

DROP TABLE IF EXISTS agent.mv_tool_success;

DROP TABLE IF EXISTS agent.cost_hourly;

DROP TABLE IF EXISTS agent.tool_success;

RENAME TABLE agent.sessions TO agent.sessions_v1;

RENAME TABLE agent.turns TO agent.turns_v1;

RENAME TABLE agent.tool_calls TO agent.tool_calls_v1;
