//! The schema and the queries on a real ClickHouse: migrations apply once, again and from two
//! processes at once; every row type fits its table; every case in `sql/tests` gives exactly its
//! expected result (replay cases included).

use clickhouse::Client;
use seqch_rows as rows;
use seqch_testkit::sql_cases::{self, Case, Param};
use seqch_writer::schema::{self, Databases, MIGRATIONS, query_text, statements};

fn client(url: &str) -> Client {
    Client::default().with_url(url)
}

async fn drop_all(c: &Client, dbs: &Databases) {
    for db in dbs.all() {
        c.query(&format!("DROP DATABASE IF EXISTS {db} SYNC"))
            .execute()
            .await
            .expect("drop database");
    }
}

#[tokio::test]
async fn migrations_apply_once_again_and_concurrently() {
    let Some(url) = seqch_testkit::clickhouse_url() else {
        return;
    };
    let c = client(&url);
    let dbs = Databases::prefixed(&seqch_testkit::unique_name("mig"));

    let first = schema::apply(&c, &dbs).await.expect("apply");
    assert_eq!(first.len(), MIGRATIONS.len());
    let again = schema::apply(&c, &dbs).await.expect("apply again");
    assert!(again.is_empty(), "a second apply changed {again:?}");
    let status = schema::status(&c, &dbs).await.expect("status");
    assert!(status.iter().all(|s| s.applied.is_some() && !s.edited()));
    drop_all(&c, &dbs).await;

    // Two appliers racing on a fresh server converge to one ledger row per migration.
    let dbs = Databases::prefixed(&seqch_testkit::unique_name("race"));
    let (a, b) = tokio::join!(schema::apply(&c, &dbs), schema::apply(&c, &dbs));
    a.expect("first applier");
    b.expect("second applier");
    let ledger = dbs.rewrite("SELECT count() FROM agent.schema_migrations FINAL");
    let n: u64 = c.query(&ledger).fetch_one().await.expect("ledger");
    assert_eq!(n, MIGRATIONS.len() as u64);
    assert!(
        schema::apply(&c, &dbs)
            .await
            .expect("third apply")
            .is_empty()
    );
    drop_all(&c, &dbs).await;
}

/// Inserting a row of each type with validation on fails on any name or type mismatch.
#[tokio::test]
async fn every_row_type_fits_its_table() {
    let Some(url) = seqch_testkit::clickhouse_url() else {
        return;
    };
    let c = client(&url);
    let dbs = Databases::prefixed(&seqch_testkit::unique_name("contract"));
    schema::apply(&c, &dbs).await.expect("apply");

    macro_rules! one {
        ($db:expr, $table:literal, $ty:ty, $row:expr) => {{
            let c = c.clone().with_database($db.as_str()).with_validation(true);
            let at = format!("{}.{}", $db, $table);
            let mut insert = c
                .insert::<$ty>($table)
                .await
                .unwrap_or_else(|e| panic!("{at}: {e}"));
            insert
                .write(&$row)
                .await
                .unwrap_or_else(|e| panic!("{at}: {e}"));
            insert.end().await.unwrap_or_else(|e| panic!("{at}: {e}"));
        }};
    }
    let ts = 1_930_899_600_000;
    one!(
        dbs.agent,
        "sessions",
        rows::Session<'_>,
        rows::Session {
            ts_ms: ts,
            session_id: "s",
            agent: "claude",
            ..Default::default()
        }
    );
    one!(
        dbs.agent,
        "turns",
        rows::Turn<'_>,
        rows::Turn {
            ts_ms: ts,
            turn_id: "t",
            ..Default::default()
        }
    );
    one!(
        dbs.agent,
        "tool_calls",
        rows::ToolCall<'_>,
        rows::ToolCall {
            ts_ms: ts,
            call_id: "c",
            ..Default::default()
        }
    );
    one!(
        dbs.agent,
        "reviews",
        rows::Review<'_>,
        rows::Review {
            ts_ms: ts,
            review_id: "t:r",
            confidence: Some(0.5),
            version: 2,
            ..Default::default()
        }
    );
    one!(
        dbs.agent,
        "review_findings",
        rows::ReviewFinding<'_>,
        rows::ReviewFinding {
            ts_ms: ts,
            review_id: "t:r",
            priority: Some(1),
            ..Default::default()
        }
    );
    one!(
        dbs.agent,
        "rate_limits",
        rows::RateLimit<'_>,
        rows::RateLimit {
            ts_ms: ts,
            window: "primary",
            ..Default::default()
        }
    );
    one!(
        dbs.seq,
        "mem_events",
        rows::MemEvent<'_>,
        rows::MemEvent {
            ts_ms: ts,
            subject: Some("x"),
            ..Default::default()
        }
    );
    one!(
        dbs.seq,
        "trace_events",
        rows::TraceEvent<'_>,
        rows::TraceEvent {
            ts_us: ts as i64 * 1000,
            ..Default::default()
        }
    );
    one!(
        dbs.seq,
        "context",
        rows::Context<'_>,
        rows::Context {
            ts_ms: ts,
            ..Default::default()
        }
    );
    one!(
        dbs.hive,
        "supersteps",
        rows::Superstep<'_>,
        rows::Superstep {
            ts_ms: ts,
            status: 1,
            ..Default::default()
        }
    );
    one!(
        dbs.hive,
        "model_invocations",
        rows::ModelInvocation<'_>,
        rows::ModelInvocation {
            ts_ms: ts,
            ..Default::default()
        }
    );
    one!(
        dbs.hive,
        "tool_calls",
        rows::HiveToolCall<'_>,
        rows::HiveToolCall {
            ts_ms: ts,
            ..Default::default()
        }
    );
    drop_all(&c, &dbs).await;
}

async fn run_case(c: &Client, case: &Case) -> Result<(), String> {
    let name = &case.name;
    let dbs = Databases::prefixed(&seqch_testkit::unique_name("case"));
    schema::apply(c, &dbs)
        .await
        .map_err(|e| format!("{name}: {e}"))?;
    for statement in statements(&case.setup) {
        c.query(&query_text(&dbs.rewrite(statement)))
            .execute()
            .await
            .map_err(|e| format!("{name}: setup failed: {e}"))?;
    }
    let mut q = c.query(&query_text(&dbs.rewrite(&case.query)));
    for (k, v) in &case.params {
        q = match v {
            Param::Text(s) => q.param(k, s),
            Param::List(items) => q.param(k, items),
        };
    }
    let got = q
        .fetch_bytes("TabSeparatedWithNames")
        .map_err(|e| format!("{name}: {e}"))?
        .collect()
        .await
        .map_err(|e| format!("{name}: query failed: {e}"))?;
    let got = String::from_utf8_lossy(&got).into_owned();
    drop_all(c, &dbs).await;
    if got == case.expected {
        Ok(())
    } else {
        Err(format!(
            "{name}:\n--- expected\n{}--- got\n{got}",
            case.expected
        ))
    }
}

#[tokio::test]
async fn every_sql_case_gives_its_expected_result() {
    let Some(url) = seqch_testkit::clickhouse_url() else {
        return;
    };
    let c = client(&url);
    let cases = sql_cases::all();
    assert!(cases.len() >= 30, "only {} SQL cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        if let Err(e) = run_case(&c, case).await {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
