//! The writer against real servers: exact rows from several threads, a server stopped and
//! restarted mid-stream, a process restarted with rows spooled, replays that change nothing,
//! batches the server refuses for good, a table whose schema is behind (also after a restart),
//! bulk batches, and file mode.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clickhouse::Client;
use seqch_rows::{ToolCall, Turn};
use seqch_writer::schema::{self, Databases};
use seqch_writer::{Mode, PushError, Writer, WriterConfig};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(seqch_testkit::unique_name(name));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn config(url: &str, dbs: &Databases, dir: &Path) -> WriterConfig {
    WriterConfig {
        mode: Mode::Http,
        url: url.into(),
        databases: dbs.clone(),
        spool_dir: dir.join("spool"),
        file_dir: dir.join("files"),
        flush_interval: Duration::from_millis(50),
        max_backoff: Duration::from_millis(200),
        ..WriterConfig::default()
    }
}

fn turn(i: u64, id: &str) -> Turn<'_> {
    Turn {
        ts_ms: 1_794_873_600_000 + i,
        session_id: "s1",
        agent: "claude",
        model: "claude-opus-4-6",
        input_tokens: (i % 1000) as u32,
        output_tokens: 1,
        cost_usd: 0.5,
        turn_id: id,
        ..Default::default()
    }
}

async fn count_and_sum(url: &str, dbs: &Databases) -> (u64, u64, u64) {
    let c = Client::default().with_url(url);
    let q = dbs.rewrite(
        "SELECT count(), sum(input_tokens), toUInt64(ifNull((SELECT sum(calls) FROM agent.cost_daily), 0)) FROM agent.turns FINAL",
    );
    c.query(&q).fetch_one().await.expect("count")
}

fn expected_sum(n: u64) -> u64 {
    (0..n).map(|i| i % 1000).sum()
}

async fn fresh_schema(url: &str) -> Databases {
    let dbs = Databases::prefixed(&seqch_testkit::unique_name("w"));
    schema::apply(&Client::default().with_url(url), &dbs)
        .await
        .expect("schema");
    dbs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_from_two_threads_arrive_exactly_once() {
    let Some(url) = seqch_testkit::clickhouse_url() else {
        return;
    };
    let dbs = fresh_schema(&url).await;
    let dir = tmp("two");
    let writer = Writer::new(config(&url, &dbs, &dir)).unwrap();
    std::thread::scope(|s| {
        for t in 0..2u64 {
            let w = &writer;
            s.spawn(move || {
                for i in (t * 5000)..((t + 1) * 5000) {
                    let id = format!("t{i}");
                    w.push(&turn(i, &id)).expect("queue has room");
                }
            });
        }
    });
    assert!(writer.flush_wait(Duration::from_secs(30)));
    let stats = writer.stats();
    assert_eq!(
        (stats.pushed, stats.inserted, stats.refused, stats.spooled),
        (10_000, 10_000, 0, 0)
    );
    assert_eq!(
        count_and_sum(&url, &dbs).await,
        (10_000, expected_sum(10_000), 10_000)
    );
    // A second writer replaying the very same rows changes nothing.
    drop(writer);
    let again = Writer::new(config(&url, &dbs, &dir)).unwrap();
    for i in 0..10_000u64 {
        let id = format!("t{i}");
        again.push(&turn(i, &id)).unwrap();
    }
    assert!(again.flush_wait(Duration::from_secs(30)));
    assert_eq!(
        count_and_sum(&url, &dbs).await,
        (10_000, expected_sum(10_000), 10_000)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_stopped_mid_stream_loses_and_doubles_nothing() {
    // A server of its own, stopped and started again (same data, same port).
    if seqch_testkit::clickhouse_url().is_none() {
        return;
    }
    let dir = tmp("restart");
    let server = seqch_testkit::PrivateServer::start(&dir.join("server"));
    let url = server.url.clone();
    let dbs = fresh_schema(&url).await;
    let writer = Writer::new(config(&url, &dbs, &dir)).unwrap();
    let ids: Vec<String> = (0..100_000u64).map(|i| format!("r{i}")).collect();
    for i in 0..50_000u64 {
        writer.push(&turn(i, &ids[i as usize])).unwrap();
    }
    assert!(writer.flush_wait(Duration::from_secs(60)));
    server.stop();
    for i in 50_000..100_000u64 {
        while writer.push(&turn(i, &ids[i as usize])).is_err() {
            std::thread::sleep(Duration::from_millis(5)); // the queue is full: the caller may retry
        }
    }
    assert!(writer.flush_wait(Duration::from_secs(60)));
    let down = writer.stats();
    assert!(
        down.spooled >= 50_000 - down.inserted.saturating_sub(50_000),
        "{down:?}"
    );
    assert!(down.spool_bytes > 0, "{down:?}");

    server.restart();
    let deadline = Instant::now() + Duration::from_secs(120);
    while writer.stats().spool_bytes > 0 && Instant::now() < deadline {
        writer.flush_wait(Duration::from_secs(5));
        std::thread::sleep(Duration::from_millis(100));
    }
    let up = writer.stats();
    assert_eq!(up.spool_bytes, 0, "{up:?}");
    assert_eq!(up.inserted, 100_000, "{up:?}");
    assert_eq!(
        count_and_sum(&url, &dbs).await,
        (100_000, expected_sum(100_000), 100_000)
    );
    drop(writer);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_process_replays_its_spool_once() {
    if seqch_testkit::clickhouse_url().is_none() {
        return;
    }
    let dir = tmp("spool");
    let server = seqch_testkit::PrivateServer::start(&dir.join("server"));
    let url = server.url.clone();
    let dbs = fresh_schema(&url).await;
    // The first writer finds its server down: everything goes to the spool, and it ends. (The
    // C ABI's tests kill a process for real.)
    server.stop();
    {
        let w = Writer::new(config(&url, &dbs, &dir)).unwrap();
        for i in 0..3000u64 {
            let id = format!("s{i}");
            w.push(&turn(i, &id)).unwrap();
        }
        assert!(w.flush_wait(Duration::from_secs(30)));
        assert_eq!(w.stats().spooled, 3000);
    }
    server.restart();
    let slot = seqch_writer::spool::server_dir(&dir.join("spool"), &url).join("0");
    let spooled: Vec<PathBuf> = std::fs::read_dir(slot)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "batch"))
        .collect();
    assert!(!spooled.is_empty());
    let copies: Vec<(PathBuf, Vec<u8>)> = spooled
        .iter()
        .map(|p| (p.clone(), std::fs::read(p).unwrap()))
        .collect();

    let w = Writer::new(config(&url, &dbs, &dir)).unwrap();
    assert!(w.flush_wait(Duration::from_secs(30)));
    assert_eq!(w.stats().replayed, 3000);
    assert_eq!(
        count_and_sum(&url, &dbs).await,
        (3000, expected_sum(3000), 3000)
    );
    drop(w);

    // A crash between the server's acknowledgement and the spool file's removal replays the
    // batches again: the deduplication token makes that a no-op in every table and view.
    for (p, bytes) in &copies {
        std::fs::write(p, bytes).unwrap();
    }
    let w = Writer::new(config(&url, &dbs, &dir)).unwrap();
    assert!(w.flush_wait(Duration::from_secs(30)));
    assert_eq!(w.stats().replayed, 3000);
    assert_eq!(
        count_and_sum(&url, &dbs).await,
        (3000, expected_sum(3000), 3000)
    );
    let physical = Client::default()
        .with_url(&url)
        .query(&dbs.rewrite("SELECT count() FROM agent.turns"))
        .fetch_one::<u64>()
        .await
        .unwrap();
    assert_eq!(
        physical, 3000,
        "the replayed blocks were deduplicated, not merged away later"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_the_server_refuses_for_good_goes_to_dead_letters() {
    let Some(url) = seqch_testkit::clickhouse_url() else {
        return;
    };
    let dbs = Databases::prefixed(&seqch_testkit::unique_name("dead"));
    let c = Client::default().with_url(&url);
    c.query(&format!("CREATE DATABASE {}", dbs.agent))
        .execute()
        .await
        .unwrap();
    // A turns table whose `input_tokens` is a String: every row of the writer mismatches.
    c.query(&format!(
        "CREATE TABLE {}.turns (ts_ms UInt64, session_id String, turn_index UInt32, agent String, model String, input_tokens String, \
         output_tokens UInt32, cached_tokens UInt32, reasoning_tokens UInt32, dur_ms UInt32, cost_usd Float64, stop_reason String, \
         is_error UInt8, context_window UInt32, context_used_pct Float32, turn_id String, cache_write_tokens UInt32, \
         cache_write_5m_tokens UInt32, cache_write_1h_tokens UInt32, project_path String) ENGINE = MergeTree ORDER BY ts_ms",
        dbs.agent
    ))
    .execute()
    .await
    .unwrap();
    let dir = tmp("dead");
    let w = Writer::new(config(&url, &dbs, &dir)).unwrap();
    for i in 0..10u64 {
        let id = format!("d{i}");
        w.push(&turn(i, &id)).unwrap();
    }
    assert!(w.flush_wait(Duration::from_secs(30)));
    let stats = w.stats();
    assert_eq!(
        (stats.dead_lettered, stats.inserted, stats.spool_bytes),
        (10, 0, 0),
        "{stats:?}"
    );
    assert_eq!(seqch_writer::spool::census(&dir.join("spool")).dead, 1);
    let dead = seqch_writer::spool::server_dir(&dir.join("spool"), &url).join("0/dead");
    let messages: Vec<String> = std::fs::read_dir(dead)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".error.txt"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert_eq!(messages.len(), 1);
    assert!(
        messages[0].contains("column `input_tokens` is String"),
        "{}",
        messages[0]
    );
    c.query(&format!("DROP DATABASE {} SYNC", dbs.agent))
        .execute()
        .await
        .unwrap();
}

/// Fresh tables whose `agent.turns` lacks a column the writer sends (`project_path`): a schema
/// older than the writer.
async fn turns_behind_the_schema(url: &str) -> (Databases, Client) {
    let dbs = fresh_schema(url).await;
    let c = Client::default().with_url(url);
    c.query(&dbs.rewrite("ALTER TABLE agent.turns DROP COLUMN project_path"))
        .execute()
        .await
        .unwrap();
    (dbs, c)
}

/// What `schema apply` does for [`turns_behind_the_schema`].
async fn catch_up_the_schema(c: &Client, dbs: &Databases) {
    let add = "ALTER TABLE agent.turns ADD COLUMN project_path LowCardinality(String) DEFAULT ''";
    c.query(&dbs.rewrite(add)).execute().await.unwrap();
}

/// A table the server lacks a column of (a schema older than the writer) holds back only its
/// own rows: the other tables' rows go in meanwhile, and its rows follow once the column is
/// there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_table_behind_the_schema_holds_back_only_its_own_rows() {
    let Some(url) = seqch_testkit::clickhouse_url() else {
        return;
    };
    let (dbs, c) = turns_behind_the_schema(&url).await;
    let dir = tmp("behind");
    let w = Writer::new(config(&url, &dbs, &dir)).unwrap();
    let ids: Vec<String> = (0..10u64).map(|i| format!("b{i}")).collect();
    for (i, id) in ids.iter().enumerate() {
        w.push(&turn(i as u64, id)).unwrap();
        w.push(&ToolCall {
            ts_ms: 1_794_873_600_000 + i as u64,
            session_id: "s1",
            agent: "claude",
            tool_name: "Bash",
            call_id: id,
            ..Default::default()
        })
        .unwrap();
    }
    assert!(w.flush_wait(Duration::from_secs(30)));
    let count = |table: &str| {
        let q = dbs
            .rewrite(&format!("SELECT count() FROM agent.{table} FINAL"))
            .into_owned();
        let c = c.clone();
        async move { c.query(&q).fetch_one::<u64>().await.unwrap() }
    };
    assert_eq!((count("tool_calls").await, count("turns").await), (10, 0));
    let stats = w.stats();
    assert_eq!((stats.inserted, stats.spooled), (10, 10), "{stats:?}");
    assert!(
        w.last_error()
            .is_some_and(|e| e.message.contains("project_path")),
        "{:?}",
        w.last_error()
    );

    // Every retry of the held-back batch is a failed send, and counted as an error.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let stats = w.stats();
    assert!(stats.errors >= 3 && stats.retried >= 3, "{stats:?}");

    catch_up_the_schema(&c, &dbs).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while count("turns").await < 10 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(count("turns").await, 10);
    assert_eq!(w.stats().replayed, 10);
}

/// In bulk (a backfill), rows wait for a full batch instead of going every `batch_rows` or
/// `flush_interval`: one INSERT, one part for the server; out of bulk, batches go as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_rows_go_in_few_large_batches() {
    let Some(url) = seqch_testkit::clickhouse_url() else {
        return;
    };
    let dbs = fresh_schema(&url).await;
    let dir = tmp("bulk");
    let w = Writer::new(config(&url, &dbs, &dir)).unwrap();
    w.set_bulk(true);
    let ids: Vec<String> = (0..10_000u64).map(|i| format!("k{i}")).collect();
    for (i, id) in ids.iter().enumerate() {
        w.push(&turn(i as u64, id)).unwrap();
    }
    // Well past flush_interval (50 ms), short of the bulk age.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(w.stats().insert_batches, 0, "{:?}", w.stats());
    assert!(w.flush_wait(Duration::from_secs(30)));
    assert_eq!(w.stats().insert_batches, 1, "{:?}", w.stats());
    assert_eq!(
        count_and_sum(&url, &dbs).await,
        (10_000, expected_sum(10_000), 10_000)
    );

    w.set_bulk(false);
    w.push(&turn(10_000, "after")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while w.stats().insert_batches < 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(w.stats().insert_batches, 2, "{:?}", w.stats());
}

/// After a restart, a spooled batch of a table behind the schema is replayed before any row of
/// that table is pushed, so before the writer knows the row's columns: it too goes in once the
/// column is there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spooled_batch_behind_the_schema_goes_in_after_a_restart() {
    let Some(url) = seqch_testkit::clickhouse_url() else {
        return;
    };
    let (dbs, c) = turns_behind_the_schema(&url).await;
    let dir = tmp("behind-restart");
    let ids: Vec<String> = (0..10u64).map(|i| format!("r{i}")).collect();
    {
        let w = Writer::new(config(&url, &dbs, &dir)).unwrap();
        for (i, id) in ids.iter().enumerate() {
            w.push(&turn(i as u64, id)).unwrap();
        }
        assert!(w.flush_wait(Duration::from_secs(30)));
        assert_eq!(w.stats().spooled, 10);
    }
    let w = Writer::new(config(&url, &dbs, &dir)).unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let stats = w.stats();
    assert!(stats.retried >= 2 && stats.replayed == 0, "{stats:?}");
    catch_up_the_schema(&c, &dbs).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while count_and_sum(&url, &dbs).await.0 < 10 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(count_and_sum(&url, &dbs).await, (10, expected_sum(10), 10));
    assert_eq!(w.stats().replayed, 10);
}

/// v1 never touched the disk: a spool directory that cannot be created does not cost the
/// caller its writer.
#[test]
fn an_unwritable_spool_directory_falls_back_to_the_temporary_one() {
    let url = silent_server();
    let w = Writer::new(WriterConfig {
        mode: Mode::Http,
        url: url.clone(),
        spool_dir: "/proc/seqch-cannot-create/spool".into(),
        request_timeout: Duration::from_millis(300),
        ..WriterConfig::default()
    })
    .unwrap();
    w.push(&turn(0, "fallback")).unwrap();
    assert!(w.flush_wait(Duration::from_secs(20)));
    assert_eq!(w.stats().spooled, 1);
    drop(w);
    let fallback = seqch_writer::spool::temp_root().unwrap();
    let dir = seqch_writer::spool::server_dir(&fallback, &url);
    assert_eq!(seqch_writer::spool::census(&dir).batches, 1);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn file_mode_writes_one_json_object_per_row() {
    let dir = tmp("file");
    let w = Writer::new(WriterConfig {
        mode: Mode::File,
        file_dir: dir.join("files"),
        spool_dir: dir.join("spool"),
        ..WriterConfig::default()
    })
    .unwrap();
    for i in 0..3u64 {
        let id = format!("f{i}");
        w.push(&turn(i, &id)).unwrap();
    }
    assert!(w.flush_wait(Duration::from_secs(10)));
    assert_eq!(w.stats().filed, 3);
    let text = std::fs::read_to_string(dir.join("files/agent.turns.jsonl")).unwrap();
    let rows: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2]["turn_id"], "f2");
    assert_eq!(rows[2]["input_tokens"], 2);
    assert_eq!(rows[2]["ts_ms"], 1_794_873_600_002u64);
    assert!(w.close(Duration::from_secs(5)));
    assert_eq!(w.push(&turn(9, "late")), Err(PushError::Closed));
}

/// A thread's rows keep their order, also when its ring is full and some go through the queue:
/// a ReplacingMergeTree without a version keeps the last inserted of equal keys.
#[test]
fn rows_keep_their_order_when_a_full_ring_spills_into_the_queue() {
    let dir = tmp("order");
    let w = Writer::new(WriterConfig {
        mode: Mode::File,
        file_dir: dir.join("files"),
        spool_dir: dir.join("spool"),
        ring_bytes: 4096,
        queue_capacity: 1 << 20,
        ..WriterConfig::default()
    })
    .unwrap();
    let ids: Vec<String> = (0..50_000u64).map(|i| format!("o{i}")).collect();
    // A 4 KiB ring holds a few dozen rows: most of a tight loop's pushes find it full.
    for (i, id) in ids.iter().enumerate() {
        w.push(&turn(i as u64, id)).unwrap();
    }
    assert!(w.close(Duration::from_secs(30)));
    let text = std::fs::read_to_string(dir.join("files/agent.turns.jsonl")).unwrap();
    let order: Vec<u64> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["ts_ms"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(order.len(), ids.len());
    let first_out_of_order = order.windows(2).position(|w| w[0] >= w[1]);
    assert_eq!(first_out_of_order, None);
}

/// While an INSERT hangs, the flusher keeps taking rows in, from the rings and from the queue:
/// a thread whose full ring sent rows to the queue gets back to its ring, rather than filling
/// the queue until rows are refused.
#[test]
fn rows_spilled_while_an_insert_hangs_are_taken_in() {
    let url = silent_server();
    let dir = tmp("hang");
    let writer = Writer::new(WriterConfig {
        request_timeout: Duration::from_secs(2),
        batch_rows: 1,
        ring_bytes: 4096,
        queue_capacity: 1000,
        ..config(&url, &Databases::default(), &dir)
    })
    .unwrap();
    let ids: Vec<String> = (0..5000u64).map(|i| format!("h{i}")).collect();
    writer.push(&turn(0, &ids[0])).unwrap();
    // The flusher now waits on the silent server for 2 s. The pushes come in bursts of 100
    // rows, each more than the ring holds, and take about 0.3 s.
    std::thread::sleep(Duration::from_millis(100));
    for (i, id) in ids.iter().enumerate().skip(1) {
        writer.push(&turn(i as u64, id)).unwrap();
        if i % 100 == 0 {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    assert!(writer.close(Duration::from_secs(30)));
    let stats = writer.stats();
    assert_eq!((stats.refused, stats.spooled), (0, 5000), "{stats:?}");
}

/// The URL of a server that accepts connections and never answers.
fn silent_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().collect();
        drop(held);
    });
    url
}

/// A server that accepts connections and never answers cannot hold the writer: each request
/// gives up after `request_timeout`, the rows go to the spool, and `close` returns.
#[test]
fn a_hanging_server_times_out_into_the_spool() {
    let url = silent_server();
    let dir = tmp("hang");
    let writer = Writer::new(WriterConfig {
        request_timeout: Duration::from_millis(300),
        ..config(&url, &Databases::default(), &dir)
    })
    .unwrap();
    let ids: Vec<String> = (0..100u64).map(|i| format!("h{i}")).collect();
    for (i, id) in ids.iter().enumerate() {
        writer.push(&turn(i as u64, id)).unwrap();
    }
    // Without the timeout the first insert never returns and both waits run out.
    assert!(writer.flush_wait(Duration::from_secs(20)));
    assert!(writer.close(Duration::from_secs(20)));
    let stats = writer.stats();
    assert_eq!((stats.spooled, stats.inserted), (100, 0), "{stats:?}");
}

/// With the flusher held by a silent server, a push finds its ring and then the queue full: it
/// is refused at once and counted, and every row taken is spooled.
#[test]
fn a_full_ring_and_queue_refuse_and_count_without_losing_the_rest() {
    let url = silent_server();
    let dir = tmp("full");
    let writer = Writer::new(WriterConfig {
        request_timeout: Duration::from_millis(500),
        batch_rows: 1,
        // No room for rows beside a batch in flight: a flusher waiting on an INSERT otherwise
        // takes in the ring's rows every millisecond, and how many pushes then fit depends on
        // how long the loop below takes (391 refused in one CI run on a loaded machine).
        batch_bytes: 0,
        ring_bytes: 4096,
        queue_capacity: 10,
        ..config(&url, &Databases::default(), &dir)
    })
    .unwrap();
    let ids: Vec<String> = (0..500u64).map(|i| format!("f{i}")).collect();
    writer.push(&turn(0, &ids[0])).unwrap();
    // The flusher is now waiting on the silent server, and takes nothing from the ring or the
    // queue until its INSERT times out.
    std::thread::sleep(Duration::from_millis(200));
    let mut full = 0;
    for (i, id) in ids.iter().enumerate().skip(1) {
        match writer.push(&turn(i as u64, id)) {
            Ok(()) => {}
            Err(PushError::Full) => full += 1,
            Err(e) => panic!("{e}"),
        }
    }
    // A 4 KiB ring holds a few dozen of these rows, the queue ten more.
    assert!((400..490).contains(&full), "{full} refused");
    // The rows taken wait in the ring or the queue, or already in the flusher's next batch
    // (it takes in rows while its INSERT hangs): never more than were taken, whatever wake-ups
    // the queue also holds.
    let depth = writer.stats().queue_depth;
    assert!(depth <= 499 - full, "{depth} waiting of {}", 499 - full);
    assert!(writer.close(Duration::from_secs(20)));
    let stats = writer.stats();
    assert_eq!(
        (stats.pushed, stats.refused, stats.spooled + stats.refused),
        (500, full, 500),
        "{stats:?}"
    );
    let last = writer
        .last_error()
        .expect("the silent server's timeout is kept");
    assert!(
        last.message.contains("no answer from the server"),
        "{last:?}"
    );
}
