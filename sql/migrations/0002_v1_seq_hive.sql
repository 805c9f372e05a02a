-- seqch migration 0002: the deployed v1 tables of seq and hive, column for column as in
-- nikivdev/seq tools/clickhouse/seqmem.sql (engine, partitioning, order and TTL unchanged).
--
-- These rows carry no stable id, so the only replay protection is block-level: with
-- non_replicated_deduplication_window a retried INSERT of the identical batch (same rows, same
-- order, or the same insert_deduplication_token) is dropped. A replay that re-batches the rows
-- differently duplicates them (see sql/README.md).

-- cluster: shard_key cityHash64(session_id)
CREATE TABLE IF NOT EXISTS seq.mem_events (
    ts_ms        UInt64,
    dur_us       UInt64,
    ok           Bool,
    session_id   String,
    event_id     String,
    content_hash String,
    name         LowCardinality(String),
    subject      Nullable(String)
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(toDateTime(ts_ms / 1000))
ORDER BY (session_id, ts_ms, event_id)
SETTINGS non_replicated_deduplication_window = 10000;

-- cluster: shard_key cityHash64(app, tid)
CREATE TABLE IF NOT EXISTS seq.trace_events (
    ts_us   Int64,
    app     LowCardinality(String),
    pid     UInt32,
    tid     UInt64,
    level   LowCardinality(String),
    kind    LowCardinality(String),
    name    String,
    message String,
    dur_us  Int64
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(toDateTime(ts_us / 1000000))
ORDER BY (app, ts_us)
SETTINGS non_replicated_deduplication_window = 10000;

-- What the user had in front of them. Rows older than 90 days are dropped by TTL.
-- cluster: shard_key cityHash64(app)
CREATE TABLE IF NOT EXISTS seq.context (
    ts_ms        UInt64,
    dur_ms       UInt64,
    app          LowCardinality(String),
    bundle_id    LowCardinality(String),
    window_title String,
    url          String DEFAULT '',
    afk          UInt8 DEFAULT 0
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(toDateTime(ts_ms / 1000))
ORDER BY (app, ts_ms)
TTL toDateTime(ts_ms / 1000) + INTERVAL 90 DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- cluster: shard_key cityHash64(thread_id)
CREATE TABLE IF NOT EXISTS hive.supersteps (
    ts_ms          UInt64,
    thread_id      String,
    graph_name     LowCardinality(String),
    graph_version  UInt32,
    step_index     UInt32,
    frontier_count UInt32,
    writes         UInt32,
    dur_us         UInt64,
    status         Enum8('started' = 0, 'finished' = 1, 'interrupted' = 2, 'error' = 3)
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(toDateTime(ts_ms / 1000))
ORDER BY (graph_name, thread_id, step_index)
SETTINGS non_replicated_deduplication_window = 10000;

-- cluster: shard_key cityHash64(thread_id)
CREATE TABLE IF NOT EXISTS hive.model_invocations (
    ts_ms         UInt64,
    thread_id     String,
    node_id       LowCardinality(String),
    graph_name    LowCardinality(String),
    provider      LowCardinality(String),
    model         LowCardinality(String),
    input_tokens  UInt32,
    output_tokens UInt32,
    dur_us        UInt64,
    ttft_us       UInt64,
    tool_calls    UInt16,
    ok            UInt8,
    error_msg     String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(toDateTime(ts_ms / 1000))
ORDER BY (provider, model, ts_ms)
SETTINGS non_replicated_deduplication_window = 10000;

-- cluster: shard_key cityHash64(thread_id)
CREATE TABLE IF NOT EXISTS hive.tool_calls (
    ts_ms       UInt64,
    thread_id   String,
    node_id     LowCardinality(String),
    tool_name   LowCardinality(String),
    input_json  String,
    output_json String,
    dur_us      UInt64,
    ok          UInt8
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(toDateTime(ts_ms / 1000))
ORDER BY (tool_name, ts_ms)
SETTINGS non_replicated_deduplication_window = 10000;
