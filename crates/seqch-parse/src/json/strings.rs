//! Where a JSON string ends and how much its escapes shrink it, found 64 bytes at a time.
//!
//! Logged code and terminal output carry an escape (`\n`, `\"`) every few dozen bytes, so
//! looking for the closing quote one escape at a time (a `memchr2` call per escape) is slower
//! than decoding. Instead each 64-byte block becomes bit masks of its quotes and backslashes,
//! the characters that an odd run of backslashes escapes are computed from the masks with a
//! carry between blocks (simdjson's method), and the first quote nobody escapes ends the string.
//! Escapes inside skipped strings are not validated one by one; the decoder of a string that is
//! read treats a malformed one as the literal character that follows the backslash.

const BLOCK: usize = 64;
const EVEN_BITS: u64 = 0x5555_5555_5555_5555;

/// The closing quote of the string whose contents start at `start`, and whether the contents
/// hold any backslash.
pub(super) fn end(s: &[u8], start: usize) -> Option<(usize, bool)> {
    let mut pad = [0; BLOCK];
    let mut carry = 0;
    let mut backslashes = false;
    let mut i = start;
    while i < s.len() {
        let (chunk, len) = block(s, i, &mut pad);
        let [quotes, bs] = masks(chunk, [b'"', b'\\']);
        let real = quotes & !escaped(bs, &mut carry);
        if real != 0 {
            let at = real.trailing_zeros();
            backslashes |= bs & ((1u64 << at) - 1) != 0;
            return Some((i + at as usize, backslashes));
        }
        backslashes |= bs != 0;
        i += len;
    }
    None
}

/// How many bytes decoding removes from the contents of a string with escapes, and how many
/// `\n` escapes it holds; `None` when it holds a `\u` escape (whose decoded size needs a look
/// at its digits).
pub(super) fn shrink(raw: &[u8]) -> Option<(u64, u64)> {
    let mut pad = [0; BLOCK];
    let mut carry = 0;
    let (mut removed, mut newlines) = (0u64, 0u64);
    let mut i = 0;
    while i < raw.len() {
        let (chunk, len) = block(raw, i, &mut pad);
        let [bs, n, u] = masks(chunk, [b'\\', b'n', b'u']);
        let escaped = escaped(bs, &mut carry);
        if escaped & u != 0 {
            return None;
        }
        // A run of L backslashes is L/2 escaped backslashes, plus an escape of the next
        // character when L is odd: it loses (L + L % 2) / 2 bytes.
        removed += u64::from(bs.count_ones() + escaped.count_ones());
        newlines += u64::from((escaped & n).count_ones());
        i += len;
    }
    Some((removed / 2, newlines))
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
        proptest::collection::vec(
            prop_oneof![Just(b'\\'), Just(b'"'), Just(b'n'), Just(b'u'), any::<u8>()],
            0..300,
        )
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
            let want = s.iter().enumerate().fold(0u64, |m, (i, &b)| m | (u64::from(b == c) << i));
            prop_assert_eq!(portable_masks(&chunk, [c]), [want]);
            prop_assert_eq!(masks(&chunk, [c]), [want]);
        }

        #[test]
        fn the_end_is_the_first_unescaped_quote(s in bytes()) {
            let esc = escaped_by_walking(&s);
            let want = (0..s.len()).find(|&i| s[i] == b'"' && !esc[i]);
            let got = end(&s, 0);
            prop_assert_eq!(got.map(|g| g.0), want);
            if let Some((at, any)) = got {
                prop_assert_eq!(any, s[..at].contains(&b'\\'));
            }
        }
    }
}
