//! Parsing throughput of seqch beside a `serde_json::Value` baseline that extracts the same
//! fields from the same lines, in the same run.
//!
//! `cargo bench -p seqch-bench --bench parse` (corpus size: `SEQCH_BENCH_MB`, default 64).

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use seqch_bench::{LogFile, generate};
use seqch_parse::{Agent, NullSink, Parser, Prices};
use serde_json::Value;

fn seqch(files: &[LogFile]) -> u64 {
    let mut parser = Parser::new(Prices::embedded());
    let ids: Vec<_> = files
        .iter()
        .map(|f| parser.open(f.agent, Path::new(&f.path)))
        .collect();
    let mut buf = Vec::new();
    for (f, id) in files.iter().zip(ids) {
        let len = f.bytes.len() as u64;
        let fed = parser.feed_from(id, 0, &mut &f.bytes[..], len, &mut buf, &mut NullSink);
        fed.expect("reading memory does not fail");
    }
    parser.finish(&mut NullSink);
    parser.skipped().total()
}

/// The fields seqch reads, pulled from a full `serde_json::Value` of each line.
fn baseline(files: &[LogFile]) -> u64 {
    let mut acc = 0u64;
    let n = |v: &Value, k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
    for f in files {
        for line in f.bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            let Ok(v) = serde_json::from_slice::<Value>(line) else {
                continue;
            };
            acc += v
                .get("timestamp")
                .and_then(Value::as_str)
                .map_or(0, |s| s.len() as u64);
            match f.agent {
                Agent::Claude => {
                    acc += v
                        .get("sessionId")
                        .and_then(Value::as_str)
                        .map_or(0, |s| s.len() as u64);
                    if let Some(m) = v.get("message") {
                        if let Some(u) = m.get("usage") {
                            acc += n(u, "input_tokens")
                                + n(u, "output_tokens")
                                + n(u, "cache_read_input_tokens");
                            acc += n(u, "cache_creation_input_tokens");
                        }
                        acc += m
                            .get("id")
                            .and_then(Value::as_str)
                            .map_or(0, |s| s.len() as u64);
                        for block in m
                            .get("content")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                        {
                            match block.get("type").and_then(Value::as_str) {
                                Some("tool_use") => {
                                    acc += block
                                        .get("name")
                                        .and_then(Value::as_str)
                                        .map_or(0, |s| s.len() as u64)
                                }
                                Some("tool_result") => {
                                    acc += block
                                        .get("content")
                                        .and_then(Value::as_str)
                                        .map_or(0, |s| s.len() as u64)
                                }
                                _ => {}
                            }
                        }
                    }
                }
                Agent::Codex => {
                    let p = &v["payload"];
                    if let Some(t) = p.get("info").and_then(|i| i.get("total_token_usage")) {
                        acc += n(t, "input_tokens")
                            + n(t, "output_tokens")
                            + n(t, "cached_input_tokens");
                    }
                    acc += p
                        .get("output")
                        .and_then(Value::as_str)
                        .map_or(0, |s| s.len() as u64);
                    acc += p
                        .get("call_id")
                        .and_then(Value::as_str)
                        .map_or(0, |s| s.len() as u64);
                }
            }
        }
    }
    acc
}

fn bench(c: &mut Criterion) {
    let mb = std::env::var("SEQCH_BENCH_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(64);
    let files = generate(mb, 42);
    let bytes: usize = files.iter().map(|f| f.bytes.len()).sum();
    let lines: usize = files
        .iter()
        .map(|f| f.bytes.iter().filter(|b| **b == b'\n').count())
        .sum();
    assert_eq!(seqch(&files), 0, "the generated corpus parses cleanly");

    let mut g = c.benchmark_group("bytes");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("seqch", |b| b.iter(|| black_box(seqch(&files))));
    g.bench_function("serde_json_value", |b| {
        b.iter(|| black_box(baseline(&files)))
    });
    g.finish();

    let mut g = c.benchmark_group("lines");
    g.sample_size(10);
    g.throughput(Throughput::Elements(lines as u64));
    g.bench_function("seqch", |b| b.iter(|| black_box(seqch(&files))));
    g.bench_function("serde_json_value", |b| {
        b.iter(|| black_box(baseline(&files)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
