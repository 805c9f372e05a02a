//! The hand-off between a producer thread and the flusher: one single-producer,
//! single-consumer byte ring per (thread, writer). A push copies its encoded row into memory
//! that only its own thread writes and publishes it with one release store; the flusher reads
//! it later. Neither side takes a lock or waits for the other, and the two share a cache line
//! only when the producer finds its cached view of the flusher's position too old.
//!
//! A record is `[table: u8][rowbinary length: u32][json length: u32]`, then the two encodings.

use std::cell::UnsafeCell;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use crossbeam_utils::CachePadded;

/// The bytes before a record's RowBinary: its table and the two lengths.
pub(crate) const HEADER: usize = 9;

/// Where [`Ring::drain`] puts each record: the buffers its two encodings are appended to.
pub(crate) trait Sink {
    fn buffers(&mut self, table: usize) -> (&mut Vec<u8>, &mut Vec<u8>);
}

pub(crate) struct Ring {
    buf: Box<[UnsafeCell<u8>]>,
    mask: usize,
    /// What the reader writes, apart from what the producer writes, so neither side's writes
    /// take the other's cache line away.
    reader_side: CachePadded<ReaderSide>,
    producer_side: CachePadded<ProducerSide>,
    /// The producer asked the flusher to come early (the ring is half full); the flusher clears
    /// it when it has emptied the ring.
    pub(crate) rang: AtomicBool,
    /// The writer is closed: the thread that owns this ring drops it at its next push.
    pub(crate) retired: AtomicBool,
    /// Held while reading, so two readers can never race (only the flusher reads).
    reader: Mutex<()>,
}

struct ReaderSide {
    /// Where the flusher reads next (it only grows; positions are taken modulo the size).
    head: AtomicUsize,
    /// Rows taken out of the ring.
    read: AtomicU64,
}

struct ProducerSide {
    /// Where the producer writes next.
    tail: AtomicUsize,
    /// The producer's last look at `head`: it reads the real one only when this says full.
    head_seen: UnsafeCell<usize>,
    /// Rows handed to the writer by this ring's thread, and rows written into the ring.
    pushed: AtomicU64,
    written: AtomicU64,
    /// Rows of this ring's thread waiting in the writer's queue (the ring was full).
    spilled: AtomicU64,
}

// SAFETY: the bytes in `buf` between `head` and `tail` belong to the reader, the rest to the
// writer; `Producer` (not `Clone`, one per ring) is the only writer and `reader` serializes
// readers. `tail` is published with release and read with acquire (and `head` likewise), so
// each side sees the other's bytes before the position that hands them over.
unsafe impl Sync for Ring {}
unsafe impl Send for Ring {}

impl Ring {
    /// A ring of at least `bytes` (rounded up to a power of two, at least 4 KiB).
    pub(crate) fn new(bytes: usize) -> Self {
        let size = bytes.clamp(4096, 1 << 30).next_power_of_two();
        let buf: Box<[UnsafeCell<u8>]> = (0..size).map(|_| UnsafeCell::new(0)).collect();
        // The allocation comes as untouched zero pages: touch each now, so that pushes do not
        // pay a page fault every few dozen rows.
        for page in (0..size).step_by(4096) {
            // SAFETY: in bounds, and nobody else has the ring yet.
            unsafe { std::ptr::write_volatile(buf[page].get(), 0) };
        }
        Self {
            buf,
            mask: size - 1,
            reader_side: CachePadded::new(ReaderSide {
                head: AtomicUsize::new(0),
                read: AtomicU64::new(0),
            }),
            producer_side: CachePadded::new(ProducerSide {
                tail: AtomicUsize::new(0),
                head_seen: UnsafeCell::new(0),
                pushed: AtomicU64::new(0),
                written: AtomicU64::new(0),
                spilled: AtomicU64::new(0),
            }),
            rang: AtomicBool::new(false),
            retired: AtomicBool::new(false),
            reader: Mutex::new(()),
        }
    }

    fn size(&self) -> usize {
        self.mask + 1
    }

    /// Rows handed to the writer by this ring's thread.
    pub(crate) fn pushed(&self) -> u64 {
        self.producer_side.pushed.load(Ordering::Relaxed)
    }

    /// Rows of this ring's thread waiting in the writer's queue, because the ring was full.
    /// While any do, the thread's next rows follow them there, and the flusher takes a queued
    /// row only after the ring's older ones: the thread's rows are taken in the order pushed.
    /// (On the producer's cache line: the flusher writes it only when it takes a queued row.)
    pub(crate) fn spilled(&self) -> &AtomicU64 {
        &self.producer_side.spilled
    }

    /// Rows written and not read yet.
    pub(crate) fn depth(&self) -> u64 {
        self.producer_side
            .written
            .load(Ordering::Relaxed)
            .saturating_sub(self.reader_side.read.load(Ordering::Relaxed))
    }

    /// SeqCst, so that a flusher that has just announced it parks and finds the ring empty
    /// knows the producer will see that announcement after its next write.
    pub(crate) fn is_empty(&self) -> bool {
        self.reader_side.head.load(Ordering::Acquire)
            == self.producer_side.tail.load(Ordering::SeqCst)
    }

    /// The ring's first byte, with provenance over all of it.
    fn base(&self) -> *mut u8 {
        UnsafeCell::raw_get(self.buf.as_ptr())
    }

    /// Copies `bytes` in at `pos`, wrapping at the end.
    ///
    /// SAFETY: the caller owns `pos..pos + bytes.len()` (the producer's free space).
    unsafe fn copy_in(&self, pos: usize, bytes: &[u8]) {
        let start = pos & self.mask;
        let first = bytes.len().min(self.size() - start);
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.base().add(start), first);
            if first < bytes.len() {
                let rest = &bytes[first..];
                std::ptr::copy_nonoverlapping(rest.as_ptr(), self.base(), rest.len());
            }
        }
    }

    /// Appends `len` bytes from `pos` to `out`, wrapping at the end.
    ///
    /// SAFETY: the caller owns `pos..pos + len` (the reader's filled space).
    unsafe fn copy_out(&self, pos: usize, len: usize, out: &mut Vec<u8>) {
        let start = pos & self.mask;
        let first = len.min(self.size() - start);
        out.reserve(len);
        // SAFETY: the cells are plain bytes and nobody writes them while the caller owns them.
        let cells = |from: usize, n: usize| unsafe {
            std::slice::from_raw_parts(self.base().add(from) as *const u8, n)
        };
        out.extend_from_slice(cells(start, first));
        out.extend_from_slice(cells(0, len - first));
    }

    /// Takes every record written so far, oldest first, appending each to the buffers `sink`
    /// gives for its table. Returns the rows taken.
    pub(crate) fn drain(&self, sink: &mut impl Sink) -> u64 {
        let _reader = self.reader.lock().unwrap_or_else(|e| e.into_inner());
        let tail = self.producer_side.tail.load(Ordering::Acquire);
        let mut pos = self.reader_side.head.load(Ordering::Relaxed);
        let mut rows = 0;
        let mut header = Vec::with_capacity(HEADER);
        while pos != tail {
            header.clear();
            // SAFETY: `pos..tail` was published by the producer and is ours until `head` moves.
            unsafe { self.copy_out(pos, HEADER, &mut header) };
            let len = |at: usize| {
                u32::from_le_bytes(header[at..at + 4].try_into().expect("4 bytes")) as usize
            };
            let (bin_len, json_len) = (len(1), len(5));
            let (bin, json) = sink.buffers(header[0] as usize);
            unsafe {
                self.copy_out(pos + HEADER, bin_len, bin);
                self.copy_out(pos + HEADER + bin_len, json_len, json);
            }
            pos += HEADER + bin_len + json_len;
            rows += 1;
        }
        self.reader_side.head.store(pos, Ordering::Release);
        self.reader_side.read.fetch_add(rows, Ordering::Relaxed);
        rows
    }
}

/// The one writing end of a ring, kept by its thread.
pub(crate) struct Producer {
    ring: std::sync::Arc<Ring>,
}

/// What [`Producer::write`] did.
pub(crate) enum Written {
    /// In the ring.
    Ok,
    /// In the ring, which is now over half full: time to call the flusher.
    HalfFull,
    /// Not enough room (or the record is larger than half the ring): nothing was written.
    NoRoom,
}

impl Producer {
    pub(crate) fn new(ring: std::sync::Arc<Ring>) -> Self {
        Self { ring }
    }

    pub(crate) fn ring(&self) -> &std::sync::Arc<Ring> {
        &self.ring
    }

    /// Counts a row handed to the writer by this thread, wherever it goes.
    pub(crate) fn count_push(&mut self) {
        let pushed = &self.ring.producer_side.pushed;
        // Only this thread writes it, so a plain store does.
        pushed.store(pushed.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
    }

    /// Writes one record without waiting. `record` is [`HEADER`] bytes of room (filled in
    /// here) followed by the row's RowBinary; `json` is the row's JSON line.
    pub(crate) fn write(&mut self, table: u8, record: &mut [u8], json: &[u8]) -> Written {
        let r = &*self.ring;
        let p = &r.producer_side;
        let len = record.len() + json.len();
        // (A ring is at most 1 GiB, so a record that fits has lengths that fit in a u32.)
        if len > r.size() / 2 {
            return Written::NoRoom;
        }
        let tail = p.tail.load(Ordering::Relaxed);
        // SAFETY: `head_seen` is touched by the producer only, and there is one producer.
        let seen = unsafe { &mut *p.head_seen.get() };
        if tail + len - *seen > r.size() {
            *seen = r.reader_side.head.load(Ordering::Acquire);
            if tail + len - *seen > r.size() {
                return Written::NoRoom;
            }
        }
        record[0] = table;
        let bin_len = (record.len() - HEADER) as u32;
        record[1..5].copy_from_slice(&bin_len.to_le_bytes());
        record[5..9].copy_from_slice(&(json.len() as u32).to_le_bytes());
        // SAFETY: `tail..tail + len` is free: the reader has moved `head` past it.
        unsafe {
            r.copy_in(tail, record);
            if !json.is_empty() {
                r.copy_in(tail + record.len(), json);
            }
        }
        // A swap rather than a release store: SeqCst orders it before the caller's look at
        // whether the flusher parked (see `is_empty`).
        p.tail.swap(tail + len, Ordering::SeqCst);
        p.written
            .store(p.written.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
        // Judged on a fresh look at `head` (the cached one may be from before the last drain).
        if tail + len - *seen > r.size() / 2 {
            *seen = r.reader_side.head.load(Ordering::Acquire);
        }
        if tail + len - *seen > r.size() / 2 {
            Written::HalfFull
        } else {
            Written::Ok
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// Every record apart, as (table, rowbinary, json).
    #[derive(Default)]
    struct Records(Vec<(usize, Vec<u8>, Vec<u8>)>);

    impl Sink for Records {
        fn buffers(&mut self, table: usize) -> (&mut Vec<u8>, &mut Vec<u8>) {
            self.0.push((table, Vec::new(), Vec::new()));
            let last = self.0.last_mut().expect("just pushed");
            (&mut last.1, &mut last.2)
        }
    }

    fn record(bin: &[u8]) -> Vec<u8> {
        [&[0; HEADER][..], bin].concat()
    }

    fn drain_all(ring: &Ring) -> Vec<(usize, Vec<u8>, Vec<u8>)> {
        let mut out = Records::default();
        ring.drain(&mut out);
        out.0
    }

    #[test]
    fn records_come_out_whole_and_in_order_across_the_wrap() {
        let ring = Arc::new(Ring::new(4096));
        let mut p = Producer::new(ring.clone());
        let mut expected = Vec::new();
        for i in 0..10_000u32 {
            let bin = vec![i as u8; (i % 300) as usize];
            let json = i.to_string().into_bytes();
            match p.write((i % 12) as u8, &mut record(&bin), &json) {
                Written::NoRoom => {
                    assert_eq!(drain_all(&ring), expected);
                    expected.clear();
                    let again = p.write((i % 12) as u8, &mut record(&bin), &json);
                    assert!(matches!(again, Written::Ok));
                }
                Written::Ok | Written::HalfFull => {}
            }
            expected.push(((i % 12) as usize, bin, json));
        }
        assert_eq!(drain_all(&ring), expected);
        assert!(ring.is_empty());
        assert_eq!(ring.depth(), 0);
    }

    #[test]
    fn a_record_over_half_the_ring_is_refused_untouched() {
        let ring = Arc::new(Ring::new(4096));
        let mut p = Producer::new(ring.clone());
        assert!(matches!(
            p.write(0, &mut record(&[1; 3000]), b""),
            Written::NoRoom
        ));
        assert!(ring.is_empty());
        assert!(matches!(
            p.write(0, &mut record(&[1; 1500]), b""),
            Written::Ok
        ));
        assert!(matches!(
            p.write(0, &mut record(&[1; 1500]), b""),
            Written::HalfFull
        ));
    }

    #[test]
    fn half_full_is_judged_after_the_last_drain() {
        let ring = Arc::new(Ring::new(4096));
        let mut p = Producer::new(ring.clone());
        let mut write = |n: usize| p.write(0, &mut record(&vec![1; n]), b"");
        assert!(matches!(write(1500), Written::Ok));
        assert!(matches!(write(1500), Written::HalfFull));
        drain_all(&ring);
        assert!(matches!(write(100), Written::Ok));
    }

    #[test]
    fn a_reader_on_another_thread_sees_every_byte() {
        let ring = Arc::new(Ring::new(1 << 16));
        let n = 200_000u32;
        let reader = {
            let ring = ring.clone();
            std::thread::spawn(move || {
                let mut next = 0u32;
                while next < n {
                    for (_, bin, json) in drain_all(&ring) {
                        assert_eq!(bin, next.to_le_bytes().repeat((next % 7) as usize));
                        assert_eq!(json, next.to_string().into_bytes());
                        next += 1;
                    }
                }
            })
        };
        let mut p = Producer::new(ring);
        for i in 0..n {
            let bin = i.to_le_bytes().repeat((i % 7) as usize);
            let mut rec = record(&bin);
            while matches!(
                p.write(1, &mut rec, i.to_string().as_bytes()),
                Written::NoRoom
            ) {
                std::hint::spin_loop();
            }
        }
        reader.join().expect("the reader saw every record");
    }
}
