//! Every fixture case's summary equals its checked-in, hand-verified `expected.jsonl`
//! (see each case's VERIFIED.md and COUNTING.md).

mod common;

use common::{case_files, cases};
use seqch_parse::{Parser, Prices, Summary, sources};
use serde_json::Value;

fn summary_json(case: &std::path::Path) -> Vec<Value> {
    let files = case_files(case);
    let mut parser = Parser::new(Prices::embedded());
    let mut summary = Summary::new(jiff::tz::TimeZone::UTC);
    sources::scan(&files, &mut parser, &mut summary);
    let mut out = Vec::new();
    summary
        .write_json(parser.skipped(), parser.unpriced(), &mut out)
        .unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Equal, with cost compared to 1e-9 relative.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1e-6)
        }
        _ => a == b,
    }
}

#[test]
fn every_case_matches_its_expected_summary() {
    let mut failures = Vec::new();
    let all = cases();
    assert!(all.len() >= 20, "fixture cases missing: {}", all.len());
    for case in all {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let expected: Vec<Value> = std::fs::read_to_string(case.join("expected.jsonl"))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let got = summary_json(&case);
        let missing: Vec<_> = expected
            .iter()
            .filter(|e| !got.iter().any(|g| same(e, g)))
            .collect();
        let extra: Vec<_> = got
            .iter()
            .filter(|g| !expected.iter().any(|e| same(e, g)))
            .collect();
        if !missing.is_empty() || !extra.is_empty() || got.len() != expected.len() {
            failures.push(format!("{name}:\n  expected, not produced: {missing:#?}\n  produced, not expected: {extra:#?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
