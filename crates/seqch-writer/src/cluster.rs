//! The scale-out variant of the schema, derived mechanically from the same migration files
//! (rules in sql/README.md, "Cluster variant"): every table becomes a `Replicated*MergeTree`
//! local table plus, where it has a shard key, a `Distributed` table under the original name,
//! so that queries and writers keep using `agent.turns` and friends unchanged.

use std::sync::LazyLock;

use regex::Regex;

use crate::schema::{Databases, MIGRATIONS, statements};

/// How to derive the cluster schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterOptions {
    /// The cluster name of `<remote_servers>`.
    pub cluster: String,
    /// `Replicated*` engines with Keeper paths; `false` keeps the local engines (shards without
    /// replicas, for servers that have no Keeper).
    pub replicated: bool,
}

/// A migration statement that no rewrite rule covers.
#[derive(Debug, thiserror::Error)]
#[error("no cluster rule for statement: {0}")]
pub struct NoRule(pub String);

static DATABASE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^CREATE DATABASE IF NOT EXISTS (\w+)$").unwrap());
static TABLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?s)^CREATE TABLE IF NOT EXISTS (\w+)\.(\w+) (\(.*\))\s*ENGINE = (\w*MergeTree)(?:\(([^()]*)\))?(.*)$").unwrap()
});
static VIEW: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)^CREATE VIEW IF NOT EXISTS (\w+\.\w+) AS(.*)$").unwrap());
static ALTER_DEDUP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^ALTER TABLE \w+\.\w+ MODIFY SETTING non_replicated_deduplication_window = \d+$")
        .unwrap()
});
static DROP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^DROP TABLE IF EXISTS (\w+\.\w+)$").unwrap());
static GUARD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)^SELECT .* FROM \w+\.\w+ FINAL LIMIT 0$").unwrap());
static SHARD_KEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^\s*-- cluster: shard_key (.+)$").unwrap());

/// The statement without its comment lines, whitespace-trimmed.
fn code(statement: &str) -> String {
    statement
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

/// One migration statement as cluster statements, each carrying `ON CLUSTER`.
pub fn rewrite(statement: &str, opts: &ClusterOptions) -> Result<Vec<String>, NoRule> {
    let c = code(statement);
    let cl = &opts.cluster;
    if let Some(m) = DATABASE.captures(&c) {
        return Ok(vec![format!(
            "CREATE DATABASE IF NOT EXISTS {} ON CLUSTER {cl}",
            &m[1]
        )]);
    }
    if let Some(m) = TABLE.captures(&c) {
        let (db, table, cols, engine) = (&m[1], &m[2], &m[3], &m[4]);
        let args = m.get(5).map(|a| a.as_str());
        let mut tail = m[6].to_owned();
        let key = SHARD_KEY
            .captures(statement)
            .map(|k| k[1].trim().to_owned())
            .ok_or_else(|| {
                NoRule(format!(
                    "{db}.{table} has no `-- cluster: shard_key` comment"
                ))
            })?;
        let local = if key == "none" {
            table.to_owned()
        } else {
            format!("{table}_local")
        };
        let engine = if opts.replicated {
            let shard = if key == "none" { "all" } else { "{shard}" };
            let path = format!("'/clickhouse/tables/{shard}/{db}/{local}', '{{replica}}'");
            tail = tail.replace(
                "non_replicated_deduplication_window",
                "replicated_deduplication_window",
            );
            match args {
                Some(a) if !a.is_empty() => format!("Replicated{engine}({path}, {a})"),
                _ => format!("Replicated{engine}({path})"),
            }
        } else {
            args.map_or_else(|| engine.to_owned(), |a| format!("{engine}({a})"))
        };
        let mut out = vec![format!(
            "CREATE TABLE IF NOT EXISTS {db}.{local} ON CLUSTER {cl} {cols}\nENGINE = {engine}{tail}"
        )];
        if key != "none" {
            out.push(format!(
                "CREATE TABLE IF NOT EXISTS {db}.{table} ON CLUSTER {cl} AS {db}.{local} ENGINE = Distributed({cl}, {db}, {local}, {key})"
            ));
        }
        return Ok(out);
    }
    if let Some(m) = VIEW.captures(&c) {
        return Ok(vec![format!(
            "CREATE VIEW IF NOT EXISTS {} ON CLUSTER {cl} AS{}",
            &m[1], &m[2]
        )]);
    }
    if ALTER_DEDUP.is_match(&c) {
        return Ok(Vec::new());
    }
    if let Some(m) = DROP.captures(&c) {
        return Ok(vec![format!(
            "DROP TABLE IF EXISTS {} ON CLUSTER {cl}",
            &m[1]
        )]);
    }
    if GUARD.is_match(&c) {
        return Ok(vec![c]);
    }
    Err(NoRule(c.chars().take(160).collect()))
}

/// Every migration as cluster statements, for databases named `dbs` (renamed before the rewrite,
/// since `Distributed(…)` and Keeper paths name databases without a dot).
pub fn migrations(dbs: &Databases, opts: &ClusterOptions) -> Result<Vec<String>, NoRule> {
    let mut out = Vec::new();
    for m in MIGRATIONS {
        for statement in statements(m.sql) {
            out.extend(rewrite(&dbs.rewrite(statement), opts)?);
        }
    }
    Ok(out)
}

/// The statement without its `ON CLUSTER` clause, to run on each node where the server has no
/// distributed DDL worker.
pub fn on_one_node(statement: &str, cluster: &str) -> String {
    statement.replacen(&format!(" ON CLUSTER {cluster}"), "", 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(replicated: bool) -> ClusterOptions {
        ClusterOptions {
            cluster: "seqch".into(),
            replicated,
        }
    }

    #[test]
    fn sharded_tables_get_a_replicated_local_table_and_a_distributed_one() {
        let stmt = "-- cluster: shard_key cityHash64(agent, session_id)\nCREATE TABLE IF NOT EXISTS agent.turns (\n  ts_ms UInt64\n)\nENGINE = ReplacingMergeTree(ts_ms)\nORDER BY (agent) SETTINGS non_replicated_deduplication_window = 10000";
        let out = rewrite(stmt, &opts(true)).unwrap();
        assert_eq!(out.len(), 2);
        assert!(
            out[0].starts_with("CREATE TABLE IF NOT EXISTS agent.turns_local ON CLUSTER seqch ("),
            "{}",
            out[0]
        );
        assert!(out[0].contains("ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/agent/turns_local', '{replica}', ts_ms)"), "{}", out[0]);
        assert!(
            out[0].contains(" replicated_deduplication_window = 10000")
                && !out[0].contains("non_replicated")
        );
        assert_eq!(
            out[1],
            "CREATE TABLE IF NOT EXISTS agent.turns ON CLUSTER seqch AS agent.turns_local ENGINE = Distributed(seqch, agent, turns_local, cityHash64(agent, session_id))"
        );
        let plain = rewrite(stmt, &opts(false)).unwrap();
        assert!(plain[0].contains("ENGINE = ReplacingMergeTree(ts_ms)"));
        let unsharded = rewrite(
            &stmt.replace("cityHash64(agent, session_id)", "none"),
            &opts(true),
        )
        .unwrap();
        assert_eq!(unsharded.len(), 1);
        assert!(unsharded[0].contains("'/clickhouse/tables/all/agent/turns'"));
    }

    #[test]
    fn every_migration_statement_has_a_rule() {
        let all = migrations(&Databases::prefixed("t"), &opts(true)).unwrap();
        assert!(
            all.iter()
                .filter(|s| s.contains("ON CLUSTER seqch"))
                .count()
                >= 25,
            "{}",
            all.len()
        );
        assert!(
            all.iter()
                .all(|s| !s.contains(" agent.") && !s.contains("(agent."))
        );
        assert_eq!(
            on_one_node("CREATE DATABASE IF NOT EXISTS x ON CLUSTER seqch", "seqch"),
            "CREATE DATABASE IF NOT EXISTS x"
        );
    }
}
