//! The parser gives the same rows whether a file is read in one pass or in many pieces, and
//! after restarts at any point (re-deriving its state from the safe offsets it reported).

mod common;

use common::{Tables, case_files, cases};
use proptest::prelude::*;
use seqch_parse::sources::{LogFile, read_log};
use seqch_parse::{NullSink, Parser, Prices};

fn single_pass(files: &[LogFile], contents: &[Vec<u8>]) -> Tables {
    let mut parser = Parser::new(Prices::embedded());
    let mut tables = Tables::default();
    let ids: Vec<_> = files
        .iter()
        .map(|f| parser.open(f.agent, &f.path))
        .collect();
    for (id, bytes) in ids.iter().zip(contents) {
        let mut b = bytes.clone();
        parser.feed(*id, 0, &mut b, &mut tables);
    }
    parser.finish(&mut tables);
    tables
}

/// Reads each file in turn in pieces cut at any byte (`cuts`; the incomplete rest is carried
/// into the next read, as the tailer does), restarting after the reads listed in `restarts`
/// (checkpoint = bytes consumed, then a fresh parser re-derives its state by feeding every file
/// from 0 to its checkpoint into a `NullSink`).
fn pieces(files: &[LogFile], contents: &[Vec<u8>], cuts: &[usize], restarts: &[usize]) -> Tables {
    let mut tables = Tables::default();
    let mut parser = Parser::new(Prices::embedded());
    let mut ids: Vec<_> = files
        .iter()
        .map(|f| parser.open(f.agent, &f.path))
        .collect();
    let mut consumed = vec![0usize; files.len()];
    let mut read = vec![0usize; files.len()];
    let mut read_no = 0usize;
    let mut cut_iter = cuts.iter().cycle();
    for i in 0..files.len() {
        let len = contents[i].len();
        while read[i] < len {
            let step = cut_iter.next().copied().unwrap_or(len).max(1);
            read[i] = (read[i] + step).min(len);
            let mut chunk = contents[i][consumed[i]..read[i]].to_vec();
            consumed[i] += parser.feed(ids[i], consumed[i] as u64, &mut chunk, &mut tables);
            read_no += 1;
            if restarts.contains(&read_no) {
                parser = Parser::new(Prices::embedded());
                ids = files
                    .iter()
                    .map(|f| parser.open(f.agent, &f.path))
                    .collect();
                for j in 0..files.len() {
                    let mut before = contents[j][..consumed[j]].to_vec();
                    parser.feed(ids[j], 0, &mut before, &mut NullSink);
                }
            }
        }
    }
    parser.finish(&mut tables);
    tables
}

fn load(case: &std::path::Path) -> (Vec<LogFile>, Vec<Vec<u8>>) {
    let files = case_files(case);
    let contents = files
        .iter()
        .map(|f| read_log(&f.path).expect("read fixture"))
        .collect();
    (files, contents)
}

#[test]
fn every_case_has_rows_to_compare() {
    let mut rows = 0;
    for case in cases() {
        let (files, contents) = load(&case);
        rows += single_pass(&files, &contents).rows_seen;
    }
    assert!(rows > 1000, "the fixtures produce {rows} rows");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn pieces_and_restarts_give_the_single_pass_rows(
        cuts in prop::collection::vec(1usize..200_000, 1..8),
        restarts in prop::collection::vec(1usize..60, 0..4),
    ) {
        for case in cases() {
            let (files, contents) = load(&case);
            let want = single_pass(&files, &contents);
            let got = pieces(&files, &contents, &cuts, &restarts);
            prop_assert_eq!(&got.turns, &want.turns, "turns of {}", case.display());
            prop_assert_eq!(&got.tool_calls, &want.tool_calls, "tool calls of {}", case.display());
            prop_assert_eq!(&got.rate_limits, &want.rate_limits, "rate limits of {}", case.display());
            prop_assert_eq!(&got.sessions, &want.sessions, "sessions of {}", case.display());
        }
    }
}

#[test]
fn one_byte_reads_with_a_restart_after_every_line_match_the_single_pass() {
    for case in cases() {
        let (files, contents) = load(&case);
        if contents.iter().map(Vec::len).sum::<usize>() > 25_000 {
            continue;
        }
        let want = single_pass(&files, &contents);
        let restarts: Vec<usize> = (1..2000).step_by(7).collect();
        let got = pieces(&files, &contents, &[1], &restarts);
        assert_eq!(got.turns, want.turns, "{}", case.display());
        assert_eq!(got.tool_calls, want.tool_calls, "{}", case.display());
        assert_eq!(got.sessions, want.sessions, "{}", case.display());
    }
}

/// A reader that hands out a few bytes per call, as a pipe or a busy disk may, and fails once
/// its budget of good bytes is spent.
struct Trickle<'a> {
    bytes: &'a [u8],
    sizes: &'a [usize],
    reads: usize,
    fails_after: Option<usize>,
}

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let mut n = self.sizes[self.reads % self.sizes.len()]
            .min(out.len())
            .min(self.bytes.len());
        if let Some(budget) = self.fails_after.as_mut() {
            if *budget == 0 {
                return Err(std::io::Error::other("the disk went away"));
            }
            n = n.min(*budget);
            *budget -= n;
        }
        self.reads += 1;
        out[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

/// The largest file of the case whose directory ends with `case`, and its bytes.
fn largest_file(case: &str) -> (LogFile, Vec<u8>) {
    let case = cases()
        .into_iter()
        .find(|c| c.ends_with(case))
        .expect("the case");
    let file = case_files(&case)
        .into_iter()
        .max_by_key(|f| std::fs::metadata(&f.path).map(|m| m.len()).unwrap_or(0))
        .expect("a file");
    let bytes = read_log(&file.path).expect("read fixture");
    (file, bytes)
}

/// A Claude progress line carrying `data`.
fn progress_line(data: &str) -> String {
    format!("{{\"type\":\"progress\",\"data\":\"{data}\"}}\n")
}

/// The largest file of a case, with lines longer than a piece read ahead, an incomplete last
/// line and enough bytes that `feed_from` reads it on a second thread.
fn big_file(case: &str) -> (LogFile, Vec<u8>) {
    let (file, original) = largest_file(case);
    let long = progress_line(&"x\\n".repeat(200_000));
    let mut bytes = Vec::new();
    for (i, line) in original.split_inclusive(|&b| b == b'\n').enumerate() {
        bytes.extend_from_slice(line);
        if i % 700 == 3 {
            bytes.extend_from_slice(long.as_bytes());
        }
    }
    bytes.extend_from_slice(b"{\"type\":\"user\",\"incomplete");
    (file, bytes)
}

/// Reads `bytes` the way the daemon does: `feed_from` until nothing more is parsed, going on
/// after an error from where the last call stopped. Each call asks for `more` bytes than are
/// left, as when a file is cut short between its size being taken and its read.
fn read_ahead_pass(
    file: &LogFile,
    bytes: &[u8],
    sizes: &[usize],
    fails_after: Option<usize>,
    more: usize,
) -> (Tables, u64) {
    let mut parser = Parser::new(Prices::embedded());
    let id = parser.open(file.agent, &file.path);
    let mut tables = Tables::default();
    let (mut at, mut buf, mut fails_after) = (0, Vec::new(), fails_after);
    loop {
        let mut src = Trickle {
            bytes: &bytes[at..],
            sizes,
            reads: 0,
            fails_after: fails_after.take(),
        };
        let len = (bytes.len() - at + more) as u64;
        match parser.feed_from(id, at as u64, &mut src, len, &mut buf, &mut tables) {
            Ok(fed) if fed.used == 0 => break,
            Ok(fed) => at += fed.used as usize,
            Err(e) => assert_eq!(e.to_string(), "the disk went away"),
        }
    }
    parser.finish(&mut tables);
    (tables, parser.skipped().total())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn reading_ahead_on_a_second_thread_gives_the_rows_of_one_pass(
        sizes in prop::collection::vec(1usize..400_000, 1..6),
        fails_after in prop::option::of(0usize..3_000_000),
        more in prop_oneof![Just(0usize), 0usize..400_000],
    ) {
        // Claude (2.8 MB), and Codex, whose ids hold byte offsets (1.0 MB).
        for case in ["claude-spotter-2.1.39-subagents", "codex-localpush-compaction"] {
            let (file, bytes) = big_file(case);
            let mut parser = Parser::new(Prices::embedded());
            let id = parser.open(file.agent, &file.path);
            let mut want = Tables::default();
            parser.feed(id, 0, &mut bytes.clone(), &mut want);
            parser.finish(&mut want);
            let (got, skipped) = read_ahead_pass(&file, &bytes, &sizes, fails_after, more);
            prop_assert_eq!(skipped, parser.skipped().total(), "{}", case);
            prop_assert_eq!(got, want, "{}", case);
        }
    }
}

/// One large `feed_from` call over `src` (a reader of `src.len()` bytes failing after
/// `fails_after` of them), asked for far more than `src` holds; the call's outcome and the
/// rows, beside the rows of `feed` over the bytes it says it parsed.
fn one_large_read(
    file: &LogFile,
    src: &[u8],
    fails_after: Option<usize>,
) -> (std::io::Result<seqch_parse::Fed>, Tables, Tables) {
    let mut parser = Parser::new(Prices::embedded());
    let id = parser.open(file.agent, &file.path);
    let mut got = Tables::default();
    let mut reader = Trickle {
        bytes: src,
        sizes: &[7_000, 1 << 20],
        reads: 0,
        fails_after,
    };
    let fed = parser.feed_from(id, 0, &mut reader, 1 << 20, &mut Vec::new(), &mut got);
    parser.finish(&mut got);
    let used = fed.as_ref().map_or(0, |f| f.used as usize);
    let mut parser = Parser::new(Prices::embedded());
    let id = parser.open(file.agent, &file.path);
    let mut want = Tables::default();
    parser.feed(id, 0, &mut src[..used].to_vec(), &mut want);
    parser.finish(&mut want);
    (fed, got, want)
}

/// Where the complete lines of `bytes` end.
fn lines_end(bytes: &[u8]) -> usize {
    memchr::memrchr(b'\n', bytes).map_or(0, |nl| nl + 1)
}

#[test]
fn a_large_read_that_ends_or_fails_near_its_first_piece_parses_what_it_read() {
    // The calling thread reads a large read's first 32 KiB itself; each way of ending near
    // them: `src` ending inside them, or exactly at their end (after a line, or inside one),
    // no line ending in them, a read failing inside them or just after them.
    const FIRST: usize = 32 << 10;
    let (file, log) = largest_file("claude-spotter-2.1.39-subagents");
    assert!(lines_end(&log[..FIRST]) > 0 && log.len() > 300_000);
    // Lines up to exactly 32 KiB: the log's, then one sized to end there.
    let mut exact = log[..lines_end(&log[..FIRST - 100])].to_vec();
    let pad = FIRST - exact.len() - progress_line("").len();
    exact.extend_from_slice(progress_line(&"x".repeat(pad)).as_bytes());
    assert_eq!(exact.len(), FIRST);
    // A first line longer than 32 KiB, then the log's.
    let mut long = progress_line(&"x".repeat(40_000)).into_bytes();
    long.extend_from_slice(&log[..200_000]);

    for (what, src, used) in [
        ("ends inside", &log[..20_000], lines_end(&log[..20_000])),
        ("ends at a line's end", &exact[..], FIRST),
        (
            "ends inside a line",
            &log[..FIRST],
            lines_end(&log[..FIRST]),
        ),
        ("no line ends in it", &long[..], lines_end(&long)),
    ] {
        let (fed, got, want) = one_large_read(&file, src, None);
        let fed = fed.expect(what);
        assert_eq!(
            (fed.read as usize, fed.used as usize),
            (src.len(), used),
            "{what}"
        );
        assert_eq!(got, want, "{what}");
    }

    let (fed, ..) = one_large_read(&file, &log, Some(10_000));
    assert_eq!(
        fed.expect_err("a failure before anything is parsed")
            .to_string(),
        "the disk went away"
    );
    let (fed, got, want) = one_large_read(&file, &log, Some(40_000));
    let fed = fed.expect("the first piece is parsed");
    assert_eq!(
        (fed.read as usize, fed.used as usize),
        (FIRST, lines_end(&log[..FIRST]))
    );
    assert_eq!(got, want);
}
