//! Where a JSON string ends and how much its escapes shrink it, found 64 bytes at a time.
//!
//! Logged code and terminal output carry an escape (`\n`, `\"`) every few dozen bytes, so
//! looking for the closing quote one escape at a time (a `memchr2` call per escape) is slower
//! than decoding. Instead each 64-byte block becomes bit masks of its quotes and backslashes,
//! the characters that an odd run of backslashes escapes are computed from the masks with a
//! carry between blocks (simdjson's method), and the first quote nobody escapes ends the string.
//! The same masks check the contents as JSON's grammar (and `JSON.parse`) does: no raw control
//! character, and every escape one of `\" \\ \/ \b \f \n \r \t \uXXXX` (a lone surrogate is
//! grammatical; the decoder makes it U+FFFD).
//!
//! Where the CPU has AVX2 (asked at run time), a block is masked 32 bytes at a time and the
//! escaped characters are classified by two nibble lookups, without a branch per escape; the
//! code that indexes a line is then compiled for AVX2, POPCNT and BMI1 (`has_avx2`). Elsewhere
//! the masks come from SSE2 (x86_64's baseline) or plain integers, and each escape is looked at.

const BLOCK: usize = 64;
const EVEN_BITS: u64 = 0x5555_5555_5555_5555;

/// The string ends of one line, found block by block as the indexer asks for them.
///
/// Indexing walks a line forwards, so each 64-byte block is turned into masks once, when the
/// first string reaching into it is looked at, and kept for the strings after it: a line with
/// fifty short keys costs a pass over its blocks, not fifty. The escape carry runs from the
/// start of the line, as the blocks are met in order.
pub(super) struct StringEnds<'s> {
    s: &'s [u8],
    /// Where the current block starts.
    at: usize,
    /// The current block's quotes that no backslash escapes.
    quotes: u64,
    backslashes: u64,
    /// The current block's bytes that no string may hold: control characters, and characters
    /// escaped by an odd run of backslashes that start no JSON escape.
    refused: u64,
    /// The current block's escaped `u`s, whose four hex digits are still to be checked.
    unicode: u64,
    /// The current block's characters that an odd run of backslashes escapes.
    escaped: u64,
    carry: u64,
    /// Whether the CPU has AVX2, which masks a block in half the instructions and classifies
    /// its escaped characters without a branch per escape.
    avx2: bool,
}

impl<'s> StringEnds<'s> {
    /// The string ends of `s`, masked with AVX2 when `avx2` says the CPU has it.
    #[inline(always)]
    pub(super) fn using(s: &'s [u8], avx2: bool) -> Self {
        let mut ends = Self {
            s,
            at: 0,
            quotes: 0,
            backslashes: 0,
            refused: 0,
            unicode: 0,
            escaped: 0,
            carry: 0,
            avx2,
        };
        ends.load();
        ends
    }

    /// Masks the block at `self.at`.
    #[inline(always)]
    fn load(&mut self) {
        // Only the line's last, partial block is copied into a zeroed one.
        let rest = &self.s[self.at..];
        match rest.first_chunk::<BLOCK>() {
            Some(chunk) => self.mask(chunk, BLOCK),
            None => {
                let mut pad = [0; BLOCK];
                pad[..rest.len()].copy_from_slice(rest);
                self.mask(&pad, rest.len());
            }
        }
    }

    /// Takes in a block's masks; `len` of its bytes are the line's.
    #[inline(always)]
    fn mask(&mut self, chunk: &[u8; BLOCK], len: usize) {
        let masks = string_masks(chunk, self.avx2);
        let escaped = escaped(masks.backslashes, &mut self.carry);
        let [simple, unicode] = match masks.escapes {
            Some(escapes) => escapes,
            None => escape_chars(chunk, escaped),
        };
        self.quotes = masks.quotes & !escaped;
        self.backslashes = masks.backslashes;
        self.refused = (masks.controls & below(len)) | (escaped & !(simple | unicode));
        self.unicode = escaped & unicode;
        self.escaped = escaped;
    }

    /// The closing quote of the string whose contents start at `start`, whether the contents
    /// hold any backslash, and, for contents that reach past their first block, their escapes
    /// counted on the way; `None` when the string is not closed or its contents break the
    /// grammar. `start` only ever grows from one call to the next.
    #[inline(always)]
    pub(super) fn end(&mut self, start: usize) -> Option<(usize, bool, Option<Escapes>)> {
        let mut backslashes = false;
        let mut escapes: Option<Escapes> = None;
        let mut from = start;
        loop {
            while from >= self.at + BLOCK {
                self.at += BLOCK;
                if self.at >= self.s.len() {
                    return None;
                }
                self.load();
            }
            // `from` is in this block. The bytes of the block that belong to the contents are
            // from `from` on and, when the closing quote is here, below it: below the lowest
            // bit of `real`, which is every bit when `real` is 0. No branch: a line's strings
            // are many and short, and this runs for each.
            let after = u64::MAX << (from - self.at);
            let real = self.quotes & after;
            let inside = after & (real & real.wrapping_neg()).wrapping_sub(1);
            if self.refused & inside != 0 {
                return None;
            }
            let mut unicode = self.unicode & inside;
            while unicode != 0 {
                let at = self.at + unicode.trailing_zeros() as usize;
                if !self
                    .s
                    .get(at + 1..at + 5)?
                    .iter()
                    .all(u8::is_ascii_hexdigit)
                {
                    return None;
                }
                unicode &= unicode - 1;
            }
            backslashes |= self.backslashes & inside != 0;
            // Counted only for contents that reach past a block: a short string is measured
            // faster than its escapes are counted here, when it is measured at all.
            if real == 0 || escapes.is_some() {
                self.count(inside, escapes.get_or_insert_default());
            }
            if real != 0 {
                let end = self.at + real.trailing_zeros() as usize;
                return Some((end, backslashes, escapes));
            }
            from = self.at + BLOCK;
        }
    }
}

impl StringEnds<'_> {
    /// Adds the escapes of the current block's bytes in `inside` to `escapes`.
    #[inline(always)]
    fn count(&self, inside: u64, escapes: &mut Escapes) {
        let (backslashes, escaped) = (self.backslashes & inside, self.escaped & inside);
        // (The first byte may be escaped by the previous block's last backslash.)
        if backslashes | escaped == 0 {
            return;
        }
        escapes.unicode |= self.unicode & inside != 0;
        let mut pad = [0; BLOCK];
        let (chunk, _) = block(self.s, self.at, &mut pad);
        let [n] = masks_using(chunk, [b'n'], self.avx2);
        escapes.add(backslashes, escaped, n);
    }
}

/// The escapes of a string's contents, counted block by block, as the string-end scan and
/// [`shrink`] count them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Escapes {
    /// Twice the bytes decoding removes: a run of L backslashes loses (L + L % 2) / 2 bytes,
    /// and counts L plus one when L is odd (the character it escapes).
    halves: u32,
    newlines: u32,
    /// A `\u` escape, whose decoded size needs a look at its digits.
    unicode: bool,
}

impl Escapes {
    /// Adds a block's escapes: the contents' `backslashes`, the characters they escape
    /// (`escaped`), and the block's `n`s.
    #[inline(always)]
    fn add(&mut self, backslashes: u64, escaped: u64, n: u64) {
        self.halves += backslashes.count_ones() + escaped.count_ones();
        self.newlines += (escaped & n).count_ones();
    }

    /// As [`shrink`] says: the bytes decoding removes and the `\n` escapes, unless there is a
    /// `\u` escape.
    pub(super) fn shrink(self) -> Option<(u32, u32)> {
        (!self.unicode).then_some((self.halves / 2, self.newlines))
    }
}

/// The bits of the first `n` bytes of a block.
fn below(n: usize) -> u64 {
    if n >= BLOCK {
        u64::MAX
    } else {
        (1u64 << n) - 1
    }
}

/// How many bytes decoding removes from the contents of a string with escapes, and how many
/// `\n` escapes it holds; `None` when it holds a `\u` escape (whose decoded size needs a look
/// at its digits).
pub(super) fn shrink(raw: &[u8]) -> Option<(u64, u64)> {
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: the CPU has AVX2 and POPCNT.
        return unsafe { shrink_avx2(raw) };
    }
    shrink_using(raw, false)
}

/// [`shrink`] compiled for AVX2 masks and POPCNT: without POPCNT, the x86_64 baseline counts
/// bits in a dozen instructions, three times a block.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt")]
fn shrink_avx2(raw: &[u8]) -> Option<(u64, u64)> {
    shrink_using(raw, true)
}

#[inline(always)]
fn shrink_using(raw: &[u8], avx2: bool) -> Option<(u64, u64)> {
    let mut pad = [0; BLOCK];
    let mut carry = 0;
    let mut escapes = Escapes::default();
    let mut i = 0;
    while i < raw.len() {
        let (chunk, len) = block(raw, i, &mut pad);
        let [bs, n, u] = masks_using(chunk, [b'\\', b'n', b'u'], avx2);
        let escaped = escaped(bs, &mut carry);
        if escaped & u != 0 {
            return None;
        }
        escapes.add(bs, escaped, n);
        i += len;
    }
    let (removed, newlines) = escapes.shrink()?;
    Some((u64::from(removed), u64::from(newlines)))
}

/// Whether the last byte of `raw` is escaped (preceded by an odd run of backslashes).
pub(super) fn last_is_escaped(raw: &[u8]) -> bool {
    let run = raw
        .iter()
        .rev()
        .skip(1)
        .take_while(|&&b| b == b'\\')
        .count();
    run % 2 == 1
}

/// The 64 bytes at `i` (zero-padded past the end of `s`) and how many of them are real.
#[inline(always)]
fn block<'a>(s: &'a [u8], i: usize, pad: &'a mut [u8; BLOCK]) -> (&'a [u8; BLOCK], usize) {
    match s.get(i..i + BLOCK) {
        Some(chunk) => (chunk.try_into().expect("64 bytes"), BLOCK),
        None => {
            let rest = &s[i..];
            pad.fill(0);
            pad[..rest.len()].copy_from_slice(rest);
            (pad, rest.len())
        }
    }
}

/// The characters of a block that follow an odd run of backslashes, which escapes them (`bs`
/// marks the backslashes; backslashes escaped by backslashes are not marked). `carry` says
/// whether the previous block ended with an odd run.
fn escaped(bs: u64, carry: &mut u64) -> u64 {
    const ODD_BITS: u64 = !EVEN_BITS;
    let starts = bs & !(bs << 1);
    let even_start_mask = EVEN_BITS ^ *carry;
    let even_starts = starts & even_start_mask;
    let odd_starts = starts & !even_start_mask;
    let even_carries = bs.wrapping_add(even_starts);
    let (odd_carries, overflow) = bs.overflowing_add(odd_starts);
    let odd_carries = odd_carries | *carry;
    *carry = u64::from(overflow);
    let even_start_odd_end = even_carries & !bs & ODD_BITS;
    let odd_start_even_end = odd_carries & !bs & EVEN_BITS;
    even_start_odd_end | odd_start_even_end
}

/// For each of `chars`, the bits of the block's bytes equal to it (bit i for byte i).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn masks<const N: usize>(chunk: &[u8; BLOCK], chars: [u8; N]) -> [u64; N] {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
    };
    let mut out = [0u64; N];
    for part in 0..BLOCK / 16 {
        // SAFETY: SSE2 is part of the x86_64 baseline; the load reads 16 bytes of `chunk`.
        unsafe {
            let v = _mm_loadu_si128(chunk.as_ptr().add(part * 16).cast::<__m128i>());
            for (mask, &c) in out.iter_mut().zip(&chars) {
                let hits = _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8)));
                *mask |= u64::from(hits as u16) << (part * 16);
            }
        }
    }
    out
}

/// The bits of the block's bytes below 0x20 (control characters, which JSON strings escape).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn controls(chunk: &[u8; BLOCK]) -> u64 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_set1_epi8,
    };
    let mut out = 0u64;
    for part in 0..BLOCK / 16 {
        // SAFETY: SSE2 is part of the x86_64 baseline; the load reads 16 bytes of `chunk`.
        unsafe {
            let v = _mm_loadu_si128(chunk.as_ptr().add(part * 16).cast::<__m128i>());
            let low = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
            out |= u64::from(_mm_movemask_epi8(low) as u16) << (part * 16);
        }
    }
    out
}

/// A block's masks for finding string ends.
struct StringMasks {
    quotes: u64,
    backslashes: u64,
    /// Bytes below 0x20.
    controls: u64,
    /// The characters a simple escape may name (`" \\ / b f n r t`, backslashes aside, which
    /// the escape masks handle), and `u`; `None` when only the escaped ones are classified, by
    /// [`escape_chars`].
    escapes: Option<[u64; 2]>,
}

#[inline(always)]
fn string_masks(chunk: &[u8; BLOCK], avx2: bool) -> StringMasks {
    #[cfg(target_arch = "x86_64")]
    if avx2 {
        // SAFETY: `avx2` says the CPU has AVX2.
        return unsafe { string_masks_avx2(chunk) };
    }
    let _ = avx2;
    let [quotes, backslashes] = masks(chunk, [b'"', b'\\']);
    StringMasks {
        quotes,
        backslashes,
        controls: controls(chunk),
        escapes: None,
    }
}

/// Of the `escaped` characters of a block, those a simple escape may name and the `u`s, one at
/// a time.
fn escape_chars(chunk: &[u8; BLOCK], mut escaped: u64) -> [u64; 2] {
    let [mut simple, mut unicode] = [0, 0];
    while escaped != 0 {
        let bit = escaped & escaped.wrapping_neg();
        match chunk[escaped.trailing_zeros() as usize] {
            b'"' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => simple |= bit,
            b'u' => unicode |= bit,
            _ => {}
        }
        escaped &= escaped - 1;
    }
    [simple, unicode]
}

/// Whether the CPU has AVX2, and POPCNT and BMI1, which every AVX2 CPU has.
#[cfg(target_arch = "x86_64")]
pub(super) fn has_avx2() -> bool {
    use std::arch::is_x86_feature_detected;
    is_x86_feature_detected!("avx2")
        && is_x86_feature_detected!("popcnt")
        && is_x86_feature_detected!("bmi1")
}

/// [`masks`], with AVX2 when `avx2` says the CPU has it.
#[inline(always)]
fn masks_using<const N: usize>(chunk: &[u8; BLOCK], chars: [u8; N], avx2: bool) -> [u64; N] {
    #[cfg(target_arch = "x86_64")]
    if avx2 {
        // SAFETY: `avx2` says the CPU has AVX2.
        return unsafe { masks_avx2(chunk, chars) };
    }
    let _ = avx2;
    masks(chunk, chars)
}

/// [`masks`] 32 bytes at a time.
///
/// Not compiled for AVX2 itself but always inlined, so that its intrinsics inline into the
/// AVX2 code calling it: a call per block would return the masks through memory.
///
/// # Safety
/// The CPU must have AVX2.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn masks_avx2<const N: usize>(chunk: &[u8; BLOCK], chars: [u8; N]) -> [u64; N] {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_set1_epi8,
    };
    let mut out = [0u64; N];
    for half in 0..2 {
        // SAFETY: the caller promises AVX2; the load reads 32 bytes of `chunk`.
        unsafe {
            let v = _mm256_loadu_si256(chunk.as_ptr().add(half * 32).cast::<__m256i>());
            for (mask, &c) in out.iter_mut().zip(&chars) {
                let hits = _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(c as i8)));
                *mask |= u64::from(hits as u32) << (half * 32);
            }
        }
    }
    out
}

#[cfg(all(test, not(target_arch = "x86_64")))]
pub(super) fn has_avx2() -> bool {
    false
}

/// [`string_masks`] 32 bytes at a time. The escape characters are found with two nibble
/// lookups (simdjson's classifier): a byte is in a class when the class's bit is set both for
/// its high nibble and for its low nibble.
///
/// Always inlined, as [`masks_avx2`] is.
///
/// # Safety
/// The CPU must have AVX2.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn string_masks_avx2(chunk: &[u8; BLOCK]) -> StringMasks {
    use std::arch::x86_64::{
        __m256i, _mm256_and_si256, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_min_epu8,
        _mm256_movemask_epi8, _mm256_set1_epi8, _mm256_setr_epi8, _mm256_setzero_si256,
        _mm256_shuffle_epi8, _mm256_srli_epi16,
    };
    // SAFETY: the caller promises AVX2; the loads read 32 bytes of `chunk`.
    unsafe {
        // Classes: 1 = `"` `/` (high nibble 2), 2 = `b f n` (6), 4 = `r t` (7), 8 = `u` (7).
        #[rustfmt::skip]
        let (high, low) = (
            _mm256_setr_epi8(
                0, 0, 1, 0, 0, 0, 2, 12, 0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 1, 0, 0, 0, 2, 12, 0, 0, 0, 0, 0, 0, 0, 0,
            ),
            _mm256_setr_epi8(
                0, 0, 7, 0, 4, 8, 2, 0, 0, 0, 0, 0, 0, 0, 2, 1,
                0, 0, 7, 0, 4, 8, 2, 0, 0, 0, 0, 0, 0, 0, 2, 1,
            ),
        );
        let nibble = _mm256_set1_epi8(0x0f);
        let zero = _mm256_setzero_si256();
        let bits = |v: __m256i| u64::from(_mm256_movemask_epi8(v) as u32);
        let [quotes, backslashes] = masks_avx2(chunk, [b'"', b'\\']);
        let [mut controls, mut simple, mut unicode] = [0u64; 3];
        for half in 0..2 {
            let v = _mm256_loadu_si256(chunk.as_ptr().add(half * 32).cast::<__m256i>());
            let shift = half * 32;
            let low_bytes = _mm256_cmpeq_epi8(_mm256_min_epu8(v, _mm256_set1_epi8(0x1f)), v);
            controls |= bits(low_bytes) << shift;
            let class = _mm256_and_si256(
                _mm256_shuffle_epi8(high, _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble)),
                _mm256_shuffle_epi8(low, _mm256_and_si256(v, nibble)),
            );
            let outside =
                |c: i8| _mm256_cmpeq_epi8(_mm256_and_si256(class, _mm256_set1_epi8(c)), zero);
            let inside = |c: i8| u64::from(!(_mm256_movemask_epi8(outside(c)) as u32));
            simple |= inside(1 | 2 | 4) << shift;
            unicode |= inside(8) << shift;
        }
        StringMasks {
            quotes,
            backslashes,
            controls,
            escapes: Some([simple, unicode]),
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn controls(chunk: &[u8; BLOCK]) -> u64 {
    portable_controls(chunk)
}

#[cfg(not(target_arch = "x86_64"))]
fn masks<const N: usize>(chunk: &[u8; BLOCK], chars: [u8; N]) -> [u64; N] {
    portable_masks(chunk, chars)
}

/// Bit masks eight bytes at a time in plain integers, for targets without SSE2.
#[cfg(any(test, not(target_arch = "x86_64")))]
#[inline(always)]
fn portable_masks<const N: usize>(chunk: &[u8; BLOCK], chars: [u8; N]) -> [u64; N] {
    const LOW7: u64 = u64::from_ne_bytes([0x7f; 8]);
    const HIGH: u64 = !LOW7;
    let mut out = [0u64; N];
    for (w, word) in chunk.chunks_exact(8).enumerate() {
        let x = u64::from_le_bytes(word.try_into().expect("8 bytes"));
        for (mask, &c) in out.iter_mut().zip(&chars) {
            let y = x ^ (u64::from_ne_bytes([c; 8]));
            // The high bit of each byte of `y` that is zero, exactly (no borrow between bytes).
            let zero = !(((y & LOW7).wrapping_add(LOW7)) | y) & HIGH;
            // Gather the eight high bits into one byte, byte j to bit j.
            let packed = ((zero >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56;
            *mask |= packed << (w * 8);
        }
    }
    out
}

/// [`controls`] eight bytes at a time in plain integers: a byte is below 0x20 when its top
/// three bits are zero.
#[cfg(any(test, not(target_arch = "x86_64")))]
fn portable_controls(chunk: &[u8; BLOCK]) -> u64 {
    let mut top = [0u8; BLOCK];
    for (t, c) in top.iter_mut().zip(chunk) {
        *t = c & 0xe0;
    }
    let [zero] = portable_masks(&top, [0]);
    zero
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Escaped characters other than backslashes, the slow way: walk the bytes.
    fn escaped_by_walking(s: &[u8]) -> Vec<bool> {
        let mut out = vec![false; s.len()];
        let mut i = 0;
        while i < s.len() {
            if s[i] == b'\\' && i + 1 < s.len() {
                out[i + 1] = s[i + 1] != b'\\';
                i += 2;
            } else {
                i += 1;
            }
        }
        out
    }

    fn bytes() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop_oneof![
            4 => prop_oneof![Just(b'\\'), Just(b'"'), Just(b'n'), Just(b'u'), Just(b't')],
            4 => prop_oneof![Just(b'a'), Just(b'F'), Just(b'0'), Just(b'9'), Just(b'x')],
            1 => any::<u8>(),
        ];
        proptest::collection::vec(byte, 0..300)
    }

    /// Grammatical string contents: escapes (`\\n`, `\\\\`, `\\t`, `\\u00e9`) and plain bytes, in
    /// the ratio `escapes` to `plain`.
    fn tokens(escapes: u32, plain: u32) -> impl Strategy<Value = Vec<&'static [u8]>> {
        let token: BoxedStrategy<&'static [u8]> = prop_oneof![
            escapes => prop_oneof![
                Just(&b"\\n"[..]),
                Just(&b"\\\\"[..]),
                Just(&b"\\t"[..]),
                Just(&b"\\u00e9"[..]),
            ],
            plain => prop_oneof![Just(&b"a"[..]), Just(&b"n"[..]), Just(&b"u"[..])],
        ]
        .boxed();
        proptest::collection::vec(token, 0..200)
    }

    /// [`end`] the slow way: walk the contents by JSON's grammar.
    fn end_by_walking(s: &[u8]) -> Option<(usize, bool)> {
        let (mut i, mut backslashes) = (0, false);
        while i < s.len() {
            match s[i] {
                b'"' => return Some((i, backslashes)),
                b'\\' => {
                    backslashes = true;
                    i += match s.get(i + 1)? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => 2,
                        b'u' if s.get(i + 2..i + 6)?.iter().all(u8::is_ascii_hexdigit) => 6,
                        _ => return None,
                    };
                }
                0..0x20 => return None,
                _ => i += 1,
            }
        }
        None
    }

    #[test]
    fn a_lone_escape_is_counted_wherever_it_falls() {
        // One escape in 150 bytes of contents, at every place, after a string start at every
        // place of a block: across a block's end, its backslash is the block's only one.
        for start in 1..=BLOCK {
            for at in 0..150 {
                for escape in [&b"\\n"[..], b"\\\\", b"\\t", b"\\u00e9"] {
                    let mut line = vec![b'x'; start - 1];
                    line.push(b'"');
                    line.extend(std::iter::repeat_n(b'a', at));
                    line.extend(escape);
                    line.extend(std::iter::repeat_n(b'n', 150 - at));
                    line.push(b'"');
                    let end = line.len() - 1;
                    for avx2 in [false, has_avx2()] {
                        let (found, _, counted) =
                            StringEnds::using(&line, avx2).end(start).unwrap();
                        assert_eq!(found, end);
                        let counted = counted.expect("contents past a block").shrink();
                        let counted = counted.map(|(r, n)| (u64::from(r), u64::from(n)));
                        assert_eq!(
                            counted,
                            shrink(&line[start..end]),
                            "{start} {at} {escape:?}"
                        );
                    }
                }
            }
        }
    }

    proptest! {
        #[test]
        fn escaped_characters_match_a_walk_across_blocks(s in bytes()) {
            let mut pad = [0; BLOCK];
            let mut carry = 0;
            let mut got = Vec::new();
            let mut i = 0;
            while i < s.len() {
                let (chunk, len) = block(&s, i, &mut pad);
                let [bs] = masks(chunk, [b'\\']);
                let e = escaped(bs, &mut carry);
                got.extend((0..len).map(|b| e >> b & 1 == 1));
                i += len;
            }
            prop_assert_eq!(got, escaped_by_walking(&s));
        }

        #[test]
        fn portable_masks_match_the_bytes(s in proptest::collection::vec(any::<u8>(), 64), c in any::<u8>()) {
            let chunk: [u8; BLOCK] = s.clone().try_into().unwrap();
            // The mask of the bytes that `is` holds for, bit i for byte i.
            let mask = |is: &dyn Fn(u8) -> bool| {
                s.iter().enumerate().fold(0u64, |m, (i, &b)| m | (u64::from(is(b)) << i))
            };
            let want = mask(&|b| b == c);
            prop_assert_eq!(portable_masks(&chunk, [c]), [want]);
            prop_assert_eq!(masks(&chunk, [c]), [want]);
            prop_assert_eq!(masks_using(&chunk, [c, b'"'], has_avx2())[0], want);
            let low = mask(&|b| b < 0x20);
            prop_assert_eq!(portable_controls(&chunk), low);
            prop_assert_eq!(controls(&chunk), low);
            let quotes = mask(&|b| b == b'"');
            let bs = mask(&|b| b == b'\\');
            let simple = mask(&|b| b"\"/bfnrt".contains(&b));
            let u = mask(&|b| b == b'u');
            for avx2 in [false, has_avx2()] {
                let m = string_masks(&chunk, avx2);
                prop_assert_eq!([m.quotes, m.backslashes, m.controls], [quotes, bs, low]);
                let escapes = m.escapes.unwrap_or_else(|| escape_chars(&chunk, u64::MAX));
                prop_assert_eq!(escapes, [simple, u]);
            }
        }

        #[test]
        fn the_end_is_the_first_unescaped_quote_of_grammatical_contents(s in bytes()) {
            for avx2 in [false, has_avx2()] {
                let end = StringEnds::using(&s, avx2).end(0).map(|(end, bs, _)| (end, bs));
                prop_assert_eq!(end, end_by_walking(&s));
            }
        }

        #[test]
        fn escapes_counted_on_the_way_are_those_shrink_counts(
            before in 0usize..140,
            // Escapes in every block, and escapes a block or two apart.
            contents in prop_oneof![tokens(3, 2), tokens(1, 60)],
        ) {
            let mut line = vec![b'x'; before];
            line.push(b'"');
            line.extend(contents.concat());
            line.push(b'"');
            let start = before + 1;
            let end = line.len() - 1;
            for avx2 in [false, has_avx2()] {
                let mut ends = StringEnds::using(&line, avx2);
                let (found, _, counted) = ends.end(start).expect("a closed string");
                prop_assert_eq!(found, end);
                // Counted when the contents reach past their first block.
                prop_assert_eq!(counted.is_some(), start / BLOCK != end / BLOCK);
                if let Some(counted) = counted {
                    let counted = counted.shrink().map(|(r, n)| (u64::from(r), u64::from(n)));
                    prop_assert_eq!(counted, shrink(&line[start..end]));
                }
            }
        }

        #[test]
        fn successive_strings_of_a_line_end_where_a_walk_ends_them(
            parts in proptest::collection::vec(bytes(), 1..8),
        ) {
            let mut line = Vec::new();
            for part in &parts {
                line.push(b'"');
                line.extend(part);
            }
            line.push(b'"');
            for avx2 in [false, has_avx2()] {
                let mut ends = StringEnds::using(&line, avx2);
                let mut start = 1;
                loop {
                    let walked = end_by_walking(&line[start..]).map(|(end, bs)| (start + end, bs));
                    prop_assert_eq!(ends.end(start).map(|(end, bs, _)| (end, bs)), walked);
                    // The indexer only starts a string at a quote right after the last one.
                    match walked {
                        Some((end, _)) if line.get(end + 1) == Some(&b'"') => start = end + 2,
                        _ => break,
                    }
                }
            }
        }
    }
}
