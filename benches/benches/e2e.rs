//! End-to-end rows/s into a local ClickHouse through libseqch's C ABI (`seq_ch_open`,
//! `seq_ch_try_push_turn`, `seq_ch_flush_wait`), beside a bare `clickhouse` crate insert of the
//! same rows (RowBinary + LZ4, one INSERT) in the same run. Goal: at least 0.9× the bare insert.
//!
//! `cargo bench -p seqch-bench --bench e2e` (rows: `SEQCH_BENCH_ROWS`, default 1,000,000;
//! server: `SEQCH_BENCH_URL`, default a private one started with `scripts/clickhouse.sh`). Each
//! contender runs three times, alternating, into its own fresh tables; the best run counts.

use std::time::{Duration, Instant};

use seqch::{
    SEQ_CH_MODE_HTTP, SEQ_CH_OK, SEQ_CH_REFUSED_FULL, seq_ch_close, seq_ch_config,
    seq_ch_flush_wait, seq_ch_open, seq_ch_stats, seq_ch_stats_t, seq_ch_str, seq_ch_try_push_turn,
    seq_ch_turn, seq_ch_writer_destroy,
};
use seqch_rows::Turn;
use seqch_writer::schema::{self, Databases};

fn s(text: &str) -> seq_ch_str {
    seq_ch_str {
        ptr: text.as_ptr(),
        len: text.len(),
    }
}

fn turn(i: u64, id: &str) -> Turn<'_> {
    Turn {
        ts_ms: 1_794_873_600_000 + i,
        session_id: "0a1b2c3d-session",
        turn_index: i as u32,
        agent: "claude",
        model: "claude-opus-4-6",
        input_tokens: 1000,
        output_tokens: 50,
        cached_tokens: 800,
        cost_usd: 0.01,
        stop_reason: "end_turn",
        turn_id: id,
        project_path: "/w/app",
        ..Default::default()
    }
}

/// The time until `seq_ch_flush_wait` returned, and the INSERTs it took.
fn through_c_abi(
    url: &str,
    prefix: &str,
    ids: &[String],
    spool: &std::path::Path,
) -> (Duration, u64) {
    let spool = spool.to_string_lossy();
    let cfg = seq_ch_config {
        struct_size: std::mem::size_of::<seq_ch_config>() as u32,
        mode: SEQ_CH_MODE_HTTP,
        url: s(url),
        user: s(""),
        password: s(""),
        database_prefix: s(prefix),
        spool_dir: s(&spool),
        file_dir: s(""),
        batch_rows: 0,
        flush_interval_ms: 0,
        queue_capacity: 0,
        reserved: 0,
        batch_bytes: 0,
        spool_max_bytes: 0,
    };
    let mut w = std::ptr::null_mut();
    assert_eq!(unsafe { seq_ch_open(&cfg, &mut w) }, SEQ_CH_OK);
    let started = Instant::now();
    for (i, id) in ids.iter().enumerate() {
        let t = turn(i as u64, id);
        let row = seq_ch_turn {
            ts_ms: t.ts_ms,
            session_id: s(t.session_id),
            turn_index: t.turn_index,
            agent: s(t.agent),
            model: s(t.model),
            input_tokens: t.input_tokens,
            output_tokens: t.output_tokens,
            cached_tokens: t.cached_tokens,
            reasoning_tokens: 0,
            dur_ms: 0,
            cost_usd: t.cost_usd,
            stop_reason: s(t.stop_reason),
            is_error: 0,
            context_window: 0,
            context_used_pct: 0.0,
            turn_id: s(t.turn_id),
            cache_write_tokens: 0,
            cache_write_5m_tokens: 0,
            cache_write_1h_tokens: 0,
            project_path: s(t.project_path),
        };
        // A full queue refuses: a producer that must not lose rows retries after a pause (as
        // `seqch-tail` does), rather than spinning on a core the server needs.
        while unsafe { seq_ch_try_push_turn(w, &row) } == SEQ_CH_REFUSED_FULL {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    assert_eq!(unsafe { seq_ch_flush_wait(w, 600_000) }, SEQ_CH_OK);
    let took = started.elapsed();
    let mut stats = seq_ch_stats_t {
        struct_size: std::mem::size_of::<seq_ch_stats_t>() as u32,
        ..Default::default()
    };
    assert_eq!(unsafe { seq_ch_stats(w, &mut stats) }, SEQ_CH_OK);
    unsafe {
        seq_ch_close(w, 60_000);
        seq_ch_writer_destroy(w);
    }
    (took, stats.flushes)
}

async fn bare_insert(client: &clickhouse::Client, table: &str, ids: &[String]) -> Duration {
    let started = Instant::now();
    let mut insert = client.insert::<Turn<'_>>(table).await.expect("insert");
    for (i, id) in ids.iter().enumerate() {
        insert.write(&turn(i as u64, id)).await.expect("write");
    }
    insert.end().await.expect("end");
    started.elapsed()
}

async fn count(client: &clickhouse::Client, dbs: &Databases) -> u64 {
    client
        .query(&dbs.rewrite("SELECT count() FROM agent.turns"))
        .fetch_one()
        .await
        .expect("count")
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let rows: usize = std::env::var("SEQCH_BENCH_ROWS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let dir = std::env::temp_dir().join(format!("seqch-e2e-bench-{}", std::process::id()));
    let private = std::env::var("SEQCH_BENCH_URL")
        .is_err()
        .then(|| seqch_testkit::PrivateServer::start(&dir.join("server")));
    let url = match &private {
        Some(server) => server.url.clone(),
        None => std::env::var("SEQCH_BENCH_URL").expect("checked above"),
    };
    let client = clickhouse::Client::default()
        .with_url(&url)
        .with_compression(clickhouse::Compression::Lz4);
    let ids: Vec<String> = (0..rows).map(|i| format!("msg_{i:08}:req")).collect();
    let (mut best_abi, mut best_bare) = (Duration::MAX, Duration::MAX);
    for round in 0..3 {
        let prefix = format!("e2e_abi_{round}_{}", std::process::id());
        let dbs = Databases::prefixed(&prefix);
        schema::apply(&client, &dbs).await.expect("schema");
        let ids_abi = ids.clone();
        let (url_abi, spool) = (url.clone(), dir.join(format!("spool-{round}")));
        let (took_abi, inserts) =
            tokio::task::spawn_blocking(move || through_c_abi(&url_abi, &prefix, &ids_abi, &spool))
                .await
                .unwrap();
        assert_eq!(count(&client, &dbs).await, rows as u64, "C ABI rows");
        best_abi = best_abi.min(took_abi);

        let dbs = Databases::prefixed(&format!("e2e_bare_{round}_{}", std::process::id()));
        schema::apply(&client, &dbs).await.expect("schema");
        let took = bare_insert(&client.clone().with_database(&dbs.agent), "turns", &ids).await;
        assert_eq!(count(&client, &dbs).await, rows as u64, "bare rows");
        best_bare = best_bare.min(took);
        println!(
            "round {round}: C ABI {:.3} s ({inserts} INSERTs), bare insert {:.3} s (1)",
            took_abi.as_secs_f64(),
            took.as_secs_f64()
        );
    }
    let rate = |d: Duration| rows as f64 / d.as_secs_f64();
    println!(
        "{rows} rows: C ABI {:.0} rows/s, bare clickhouse insert {:.0} rows/s, ratio {:.2}x",
        rate(best_abi),
        rate(best_bare),
        rate(best_abi) / rate(best_bare)
    );
    // Stopped while its directory (with its pid) is still there.
    drop(private);
    let _ = std::fs::remove_dir_all(&dir);
}
