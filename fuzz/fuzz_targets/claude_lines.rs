//! Arbitrary bytes as a Claude log, fed in two pieces split at the first byte's position:
//! the parser must never panic, whatever the input.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use seqch_parse::{Agent, NullSink, Parser, Prices};

fuzz_target!(|data: &[u8]| {
    let mut parser = Parser::new(Prices::embedded());
    let file = parser.open(Agent::Claude, Path::new("s.jsonl"));
    let split = data.first().map_or(0, |b| usize::from(*b) * data.len() / 256);
    let mut first = data[..split].to_vec();
    let used = parser.feed(file, 0, &mut first, &mut NullSink);
    let mut rest = data[used..].to_vec();
    let used2 = parser.feed(file, used as u64, &mut rest, &mut NullSink);
    parser.incomplete_tail(rest.len() - used2);
    parser.finish(&mut NullSink);
});
