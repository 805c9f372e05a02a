//! The cluster variant on a real 2-shard cluster (scripts/cluster.sh: Debian's ZooKeeper and two
//! test servers). Proven here: the replicated schema is created against the real ZooKeeper with
//! its replicas registered on both nodes; rows inserted through the `Distributed` tables land on
//! the shard of their key; and every case in `sql/tests` gives exactly its expected result
//! through the `Distributed` layer. Not provable on this server (no interserver endpoint, no DDL
//! worker): replication fetch and `ON CLUSTER` fan-out, so each `ON CLUSTER` statement is run on
//! every node instead (sql/README.md, "Cluster variant").

use clickhouse::Client;
use seqch_testkit::sql_cases::{self, Case, Param};
use seqch_writer::cluster::{self, ClusterOptions};
use seqch_writer::schema::{Databases, query_text, statements};

const CLUSTER: &str = "seqch";

/// The two nodes' HTTP URLs, from `SEQCH_TEST_CLUSTER_URLS` (set by scripts/test.sh).
fn nodes() -> Option<Vec<Client>> {
    match std::env::var("SEQCH_TEST_CLUSTER_URLS") {
        Ok(urls) if !urls.is_empty() => Some(
            urls.split(',')
                .map(|u| Client::default().with_url(u.trim()))
                .collect(),
        ),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!(
                "CI=true but SEQCH_TEST_CLUSTER_URLS is not set: run the tests with scripts/test.sh"
            )
        }
        _ => {
            eprintln!(
                "skipped: SEQCH_TEST_CLUSTER_URLS is not set (scripts/test.sh starts a cluster)"
            );
            None
        }
    }
}

async fn apply(nodes: &[Client], dbs: &Databases, replicated: bool) {
    let opts = ClusterOptions {
        cluster: CLUSTER.into(),
        replicated,
    };
    for statement in cluster::migrations(dbs, &opts).expect("every statement has a rule") {
        let targets = if statement.contains(" ON CLUSTER ") {
            nodes
        } else {
            &nodes[..1]
        };
        for node in targets {
            node.query(&query_text(&cluster::on_one_node(&statement, CLUSTER)))
                .execute()
                .await
                .unwrap_or_else(|e| panic!("{e}\n{statement}"));
        }
    }
}

async fn drop(nodes: &[Client], dbs: &Databases) {
    for node in nodes {
        for db in dbs.all() {
            node.query(&format!("DROP DATABASE IF EXISTS {db} SYNC"))
                .execute()
                .await
                .expect("drop");
        }
    }
}

#[tokio::test]
async fn replicated_schema_registers_its_replicas_in_zookeeper() {
    let Some(nodes) = nodes() else { return };
    let dbs = Databases::prefixed(&seqch_testkit::unique_name("repl"));
    apply(&nodes, &dbs, true).await;
    for node in &nodes {
        let (tables, readonly): (u64, u64) = node
            .query("SELECT count(), countIf(is_readonly) FROM system.replicas WHERE database IN (?, ?, ?)")
            .bind(dbs.agent.as_str())
            .bind(dbs.seq.as_str())
            .bind(dbs.hive.as_str())
            .fetch_one()
            .await
            .expect("system.replicas");
        assert!(tables >= 10, "{tables} replicated tables");
        // Read-only because this server has no interserver endpoint (documented limit).
        assert_eq!(readonly, tables);
    }
    let ledger_replicas: u32 = nodes[0]
        .query("SELECT total_replicas FROM system.replicas WHERE database = ? AND table = 'schema_migrations'")
        .bind(dbs.agent.as_str())
        .fetch_one()
        .await
        .expect("ledger replica");
    assert_eq!(
        ledger_replicas, 2,
        "both nodes registered the unsharded ledger's replica"
    );
    drop(&nodes, &dbs).await;
}

async fn run_case(nodes: &[Client], case: &Case) -> Result<(), String> {
    let name = &case.name;
    let dbs = Databases::prefixed(&seqch_testkit::unique_name("shard"));
    apply(nodes, &dbs, false).await;
    for statement in statements(&case.setup) {
        nodes[0]
            .query(&query_text(&dbs.rewrite(statement)))
            .with_setting("distributed_foreground_insert", "1")
            .execute()
            .await
            .map_err(|e| format!("{name}: setup: {e}"))?;
    }
    for (i, node) in nodes.iter().enumerate() {
        let mut q = node.query(&query_text(&dbs.rewrite(&case.query)));
        for (k, v) in &case.params {
            q = match v {
                Param::Text(s) => q.param(k, s),
                Param::List(items) => q.param(k, items),
            };
        }
        let got = q
            .fetch_bytes("TabSeparatedWithNames")
            .map_err(|e| e.to_string())?
            .collect()
            .await
            .map_err(|e| format!("{name} on node {}: {e}", i + 1))?;
        let got = String::from_utf8_lossy(&got);
        if got != case.expected {
            return Err(format!(
                "{name} on node {}:\n--- expected\n{}--- got\n{got}",
                i + 1,
                case.expected
            ));
        }
    }
    if name == "daily_utc" {
        // The query fixture's calls land on both shards, by their key.
        for node in nodes {
            let local = format!("SELECT count() FROM {}.turns_local", dbs.agent);
            let n: u64 = node
                .query(&local)
                .fetch_one()
                .await
                .map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("a shard holds no calls: the sharding key does not split them".into());
            }
        }
    }
    drop(nodes, &dbs).await;
    Ok(())
}

#[tokio::test]
async fn every_sql_case_gives_its_expected_result_through_distributed_tables() {
    let Some(nodes) = nodes() else { return };
    assert_eq!(nodes.len(), 2, "two nodes");
    let cases = sql_cases::all();
    let mut failures = Vec::new();
    for case in &cases {
        if let Err(e) = run_case(&nodes, case).await {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed on the cluster:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
