-- seqch migration 0001: the three databases and the migrations ledger.
--
-- Format of every migration file: statements separated by a line that ends in a semicolon,
-- no semicolon inside a statement or a comment, every statement idempotent (IF NOT EXISTS),
-- tables always written fully qualified with their database (agent, seq or hive).

CREATE DATABASE IF NOT EXISTS agent;

CREATE DATABASE IF NOT EXISTS seq;

CREATE DATABASE IF NOT EXISTS hive;

-- Which migrations have been applied. The Rust applier inserts one row per applied file.
-- ReplacingMergeTree on version: two appliers racing each insert a row and the table converges
-- to one row per version (read it with FINAL, or argMax).
-- cluster: shard_key none
CREATE TABLE IF NOT EXISTS agent.schema_migrations (
    version     UInt32,
    name        String,
    checksum    String,
    applied_at  DateTime64(3)
)
ENGINE = ReplacingMergeTree(applied_at)
ORDER BY version;
