//! The test server takes RowBinary + LZ4 inserts from the official `clickhouse` crate and reads
//! back exactly what was written.

use clickhouse::{Client, Compression, Row};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
struct Probe {
    id: u32,
    name: String,
    cost: f64,
    ok: bool,
    tag: String,
}

fn probes() -> Vec<Probe> {
    (0..1000u32)
        .map(|i| Probe {
            id: i,
            name: format!("row-{i}-é✓"),
            cost: f64::from(i) * 0.25,
            ok: i % 3 != 0,
            tag: ["claude", "codex"][i as usize % 2].to_owned(),
        })
        .collect()
}

#[tokio::test]
async fn rowbinary_lz4_round_trip_is_exact() {
    let Some(url) = seqch_testkit::clickhouse_url() else {
        return;
    };
    let db = seqch_testkit::unique_name("smoke");
    let root = Client::default()
        .with_url(&url)
        .with_compression(Compression::Lz4);
    root.query(&format!("CREATE DATABASE {db}"))
        .execute()
        .await
        .expect("create database");
    let client = root.clone().with_database(&db);
    client
        .query("CREATE TABLE probe (id UInt32, name String, cost Float64, ok Bool, tag LowCardinality(String)) ENGINE = MergeTree ORDER BY id")
        .execute()
        .await
        .expect("create table");

    let rows = probes();
    let mut insert = client.insert::<Probe>("probe").await.expect("start insert");
    for row in &rows {
        insert.write(row).await.expect("write row");
    }
    insert.end().await.expect("end insert");

    let back: Vec<Probe> = client
        .query("SELECT ?fields FROM probe ORDER BY id")
        .fetch_all()
        .await
        .expect("fetch");
    assert_eq!(back, rows);
    let (count, cost, failed): (u64, f64, u64) = client
        .query("SELECT count(), sum(cost), countIf(NOT ok) FROM probe")
        .fetch_one()
        .await
        .expect("aggregate");
    assert_eq!((count, cost, failed), (1000, 124_875.0, 334));

    root.query(&format!("DROP DATABASE {db}"))
        .execute()
        .await
        .expect("drop database");
}
