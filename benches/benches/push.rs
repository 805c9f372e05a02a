//! Push latency of the writer from 1 and 2 producer threads, beside a writer of the original
//! C++ design (one mutex over a Vec of owned rows, drained by a flush thread) in the same run.
//!
//! `cargo bench -p seqch-bench --bench push` (rows per thread: `SEQCH_BENCH_ROWS`, default
//! 1,000,000). Every push is timed with `Instant`, whose own cost (in every number) is
//! measured first, timing an empty call.

use std::hint::black_box;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use seqch_rows::Turn;
use seqch_writer::{Mode, Writer, WriterConfig};

fn row(i: u64) -> Turn<'static> {
    Turn {
        ts_ms: 1_794_873_600_000 + i,
        session_id: "0a1b2c3d-session",
        agent: "claude",
        model: "claude-opus-4-6",
        input_tokens: 1000,
        output_tokens: 50,
        turn_id: "msg_01abcdef:req_01abcdef",
        ..Default::default()
    }
}

/// An owned copy of the row's fields, as the original C++ writer kept them.
type OwnedTurn = (u64, String, String, String, u32, u32, String);

/// The original design: owned copies under one lock, drained by a thread every 100 ms.
struct MutexVec {
    rows: Mutex<Vec<OwnedTurn>>,
}

impl MutexVec {
    fn push(&self, t: &Turn<'_>) {
        let owned = (
            t.ts_ms,
            t.session_id.to_owned(),
            t.agent.to_owned(),
            t.model.to_owned(),
            t.input_tokens,
            t.output_tokens,
            t.turn_id.to_owned(),
        );
        self.rows.lock().unwrap().push(owned);
    }
}

fn percentiles(mut ns: Vec<u64>) -> (u64, u64, u64) {
    ns.sort_unstable();
    let at = |q: f64| ns[((ns.len() as f64 * q) as usize).min(ns.len() - 1)];
    (at(0.50), at(0.99), at(0.999))
}

fn measure(threads: usize, rows: u64, push: &(dyn Fn(&Turn<'_>) + Sync)) -> (u64, u64, u64) {
    let lat = Mutex::new(Vec::with_capacity(threads * rows as usize));
    std::thread::scope(|s| {
        for t in 0..threads {
            let lat = &lat;
            s.spawn(move || {
                let mut mine = Vec::with_capacity(rows as usize);
                for i in 0..rows {
                    let r = row(t as u64 * rows + i);
                    let start = Instant::now();
                    push(black_box(&r));
                    mine.push(start.elapsed().as_nanos() as u64);
                }
                lat.lock().unwrap().extend(mine);
            });
        }
    });
    percentiles(lat.into_inner().unwrap())
}

fn main() {
    let rows: u64 = std::env::var("SEQCH_BENCH_ROWS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let dir = std::env::temp_dir().join(format!("seqch-push-bench-{}", std::process::id()));
    println!("push latency, {rows} rows per thread (ns: p50 / p99 / p99.9)");
    let (p50, p99, p999) = measure(1, rows, &|r| {
        black_box(r);
    });
    println!("the timer alone   1 thread(s): {p50:>6} / {p99:>6} / {p999:>6}");
    for threads in [1, 2] {
        // No server answers: the flusher spools every batch (real work on the other core) while
        // the producers push.
        let writer = Writer::new(WriterConfig {
            mode: Mode::Http,
            url: "http://127.0.0.1:1".into(),
            file_dir: dir.join("files"),
            spool_dir: dir.join("spool"),
            // Room for the whole burst, in each thread's ring as in the queue, so that what is
            // measured is the hand-off, not refusals.
            ring_bytes: 256 * rows as usize,
            queue_capacity: 4 * rows as usize,
            batch_rows: 65_536,
            flush_interval: Duration::from_millis(100),
            ..WriterConfig::default()
        })
        .expect("writer");
        let (p50, p99, p999) = measure(threads, rows, &|r| {
            let _ = writer.push(r);
        });
        let refused = writer.stats().refused;
        println!(
            "seqch writer      {threads} thread(s): {p50:>6} / {p99:>6} / {p999:>6}   (refused {refused})"
        );
        drop(writer);

        let baseline = Arc::new(MutexVec {
            rows: Mutex::new(Vec::new()),
        });
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let drainer = {
            let (b, stop) = (baseline.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(100));
                    let batch = std::mem::take(&mut *b.rows.lock().unwrap());
                    black_box(batch);
                }
            })
        };
        let (p50, p99, p999) = measure(threads, rows, &|r| baseline.push(r));
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        drainer.join().unwrap();
        println!("mutex + Vec       {threads} thread(s): {p50:>6} / {p99:>6} / {p999:>6}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
