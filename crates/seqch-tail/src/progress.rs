//! Progress of a backfill: a bar on a terminal (bytes, files, rows/s, ETA), plain lines every
//! few seconds otherwise (a service's log).

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{BinaryBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often a log line is printed when stderr is not a terminal.
const LOG_EVERY: Duration = Duration::from_secs(5);

pub struct Backfill {
    bar: Option<ProgressBar>,
    total_bytes: u64,
    total_files: usize,
    bytes: u64,
    files: usize,
    started: Instant,
    last_line: Instant,
}

impl Backfill {
    /// Starts showing a backfill of `total_bytes` in `total_files` files.
    pub fn start(total_bytes: u64, total_files: usize) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar =
                ProgressBar::with_draw_target(Some(total_bytes), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "backfill {wide_bar} {binary_bytes}/{binary_total_bytes} {msg} eta {eta}",
                )
                .expect("a valid template"),
            );
            bar
        });
        Self {
            bar,
            total_bytes,
            total_files,
            bytes: 0,
            files: 0,
            started: Instant::now(),
            last_line: Instant::now(),
        }
    }

    /// One more file read (`bytes` of it), with `rows` pushed so far in all.
    pub fn file_done(&mut self, bytes: u64, rows: u64) {
        self.bytes += bytes;
        self.files += 1;
        let rate = rows as f64 / self.started.elapsed().as_secs_f64().max(1e-3);
        let what = format!(
            "{}/{} files, {rows} rows, {rate:.0} rows/s",
            self.files, self.total_files
        );
        match &self.bar {
            Some(bar) => {
                bar.set_position(self.bytes.min(self.total_bytes));
                bar.set_message(what);
            }
            None if self.last_line.elapsed() >= LOG_EVERY => {
                self.last_line = Instant::now();
                eprintln!(
                    "backfill: {} of {}, {what}",
                    BinaryBytes(self.bytes),
                    BinaryBytes(self.total_bytes)
                );
            }
            None => {}
        }
    }

    pub fn total_bytes(&self) -> u64 {
        self.total_bytes
    }

    /// The bytes still to read.
    pub fn remaining_bytes(&self) -> u64 {
        self.total_bytes.saturating_sub(self.bytes)
    }

    /// The backfill is over: the bar is cleared, and one last line says what it took.
    pub fn finish(self, rows: u64) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        eprintln!(
            "backfill: {} files, {}, {rows} rows in {:.1} s",
            self.files,
            BinaryBytes(self.bytes),
            self.started.elapsed().as_secs_f64()
        );
    }
}
