//! One JSON line indexed on demand, and typed field access that tells a missing or `null` field
//! (fine) from a field of the wrong JSON type (the line is skipped).
//!
//! Most bytes of a session log are string values seqch never reads whole: tool outputs, file
//! contents, base64 images, encrypted reasoning. A full JSON parser (simd-json's tape included)
//! decodes every one of them. The index here records where each value of a line is and decodes
//! nothing: a string's closing quote is found 64 bytes at a time ([`strings`]), so a 400 KB
//! tool output costs a scan, not a copy. A string is unescaped only when it is read, in place in
//! the line (its decoded form is never longer), once. Lengths and line counts of long texts are
//! measured on the escaped bytes without decoding them ([`Value::text_size`]): the string-end
//! scan counts a long string's escapes on its way.
//!
//! The whole line is checked as UTF-8 (simdutf8) and against JSON's grammar, as `JSON.parse`
//! checks it: brackets, separators, literals, number syntax, and in strings no raw control
//! character and only JSON's escapes. A lone UTF-16 surrogate (`\ud800`, which JavaScript's
//! `JSON.stringify` writes for a split emoji) is grammatical: it decodes to U+FFFD.

mod strings;

use strings::{Escapes, StringEnds};

use std::cell::Cell;
use std::marker::PhantomData;
use std::ops::Range;

use crate::parser::{MAX_LINE_BYTES, next_line};
use crate::skipped::SkipReason;

/// The index of the current line, kept across lines, so that indexing a line allocates nothing
/// once it has grown to the largest line seen.
#[derive(Default)]
pub(crate) struct JsonScratch {
    nodes: Vec<Node>,
    aside: Aside,
}

/// What indexing a line keeps aside until the line ends: the containers still open, and the
/// escapes counted in its long escaped strings (by node), which follow its nodes once it ends.
#[derive(Default)]
struct Aside {
    open: Vec<u32>,
    counted: Vec<(u32, Escapes)>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Object,
    Array,
    Str,
    /// A string whose raw bytes still hold escape sequences.
    EscapedStr,
    /// After a line's value, a pair for each escaped string reaching past a 64-byte block,
    /// without `\u` escapes: the string's node (`a`) and the bytes decoding removes (`b`),
    /// then its `\n` escapes (`a`).
    Escapes,
    Number,
    True,
    False,
    Null,
}

/// One value of the line. Objects hold their keys as `Str` nodes, each followed by its value.
#[derive(Debug)]
struct Node {
    kind: Cell<Kind>,
    /// Containers: number of elements (members for objects). Scalars: first byte.
    a: Cell<u32>,
    /// Containers: index of the first node after the container. Scalars: end byte (exclusive),
    /// which moves down when a string is unescaped in place.
    b: Cell<u32>,
}

impl Node {
    fn new(kind: Kind, a: usize, b: usize) -> Self {
        Self {
            kind: Cell::new(kind),
            a: Cell::new(a as u32),
            b: Cell::new(b as u32),
        }
    }
}

/// Above this many nodes (12 MB), an index's memory is released before the next line instead of
/// being kept for reuse: one huge line (a 256 MB array of numbers) must not pin gigabytes.
const KEPT_NODES: usize = 1 << 20;

/// The index of one line, ready to be read with the line's bytes.
pub(crate) struct LineIndex<'t> {
    nodes: &'t [Node],
    /// Where the indexed bytes are: decoding trusts the index to describe them exactly (every
    /// caller reads a line right after indexing it, and nothing writes to it in between).
    line: *const u8,
    len: usize,
}

impl<'t> LineIndex<'t> {
    /// The line's root value. `line` must be the bytes the index was built from.
    pub(crate) fn root<'a>(self, line: &'a mut [u8]) -> Value<'t, 'a> {
        let same = std::ptr::eq(line.as_ptr(), self.line) && line.len() == self.len;
        assert!(same, "an index read with another line");
        Value {
            nodes: self.nodes,
            line: line.as_mut_ptr(),
            at: 0,
            _line: PhantomData,
        }
    }
}

impl JsonScratch {
    /// Indexes `line`, or says why it is skipped.
    pub(crate) fn index(&mut self, line: &[u8]) -> Result<LineIndex<'_>, SkipReason> {
        reuse(&mut self.nodes);
        utf8_checked(index_line(&mut self.nodes, &mut self.aside, line), line)?;
        Ok(LineIndex {
            nodes: &self.nodes,
            line: line.as_ptr(),
            len: line.len(),
        })
    }

    /// Indexes `line` and hands its root value to `f`. Strings borrowed from the value live as
    /// long as `line`.
    pub(crate) fn with_line<'a, R>(
        &mut self,
        line: &'a mut [u8],
        f: impl FnOnce(Value<'_, 'a>) -> R,
    ) -> Result<R, SkipReason> {
        Ok(f(self.index(line)?.root(line)))
    }
}

/// The lines of a piece of a file, indexed ahead (on another thread) of reading them. Their
/// UTF-8 is checked by whichever thread has the time ([`LineWork`]): the indexing one when it
/// is ahead, otherwise the one that reads them ([`UncheckedIndex`]).
#[derive(Default)]
pub(crate) struct IndexedPiece {
    nodes: Vec<Node>,
    aside: Aside,
    lines: Vec<IndexedLine>,
}

/// A line's bytes in its piece, its nodes or why it is skipped, and whether its UTF-8 was
/// checked.
struct IndexedLine {
    bytes: Range<usize>,
    nodes: Result<Range<usize>, SkipReason>,
    checked: bool,
}

/// How much of the work on a line the indexing thread does.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineWork {
    /// None: it is left, with the lines after it, to the thread that reads them.
    Leave,
    Index,
    /// Index it and check its UTF-8.
    Check,
}

impl IndexedPiece {
    /// Indexes the complete lines of `piece` in order, each as far as `work` says, which it is
    /// asked before each line, until it says to leave them; returns where the lines left
    /// unindexed start.
    pub(crate) fn build(&mut self, piece: &[u8], work: impl Fn() -> LineWork) -> usize {
        reuse(&mut self.nodes);
        self.lines.clear();
        let mut at = 0;
        while let Some((line, next)) = next_line(piece, at) {
            let work = work();
            if work == LineWork::Leave {
                break;
            }
            let first = self.nodes.len();
            let bytes = &piece[line.clone()];
            let nodes = index_line(&mut self.nodes, &mut self.aside, bytes)
                .map(|()| first..self.nodes.len());
            let checked = work == LineWork::Check;
            let nodes = if checked {
                utf8_checked(nodes, bytes)
            } else {
                nodes
            };
            self.lines.push(IndexedLine {
                bytes: line,
                nodes,
                checked,
            });
            at = next;
        }
        at
    }

    /// Each line's bytes in the piece that starts at `piece` (the bytes the index was built
    /// from), and its index or why it is skipped, in order.
    pub(crate) fn lines(
        &self,
        piece: *const u8,
    ) -> impl Iterator<Item = (Range<usize>, UncheckedIndex<'_>)> {
        self.lines.iter().map(move |line| {
            let index = line.nodes.clone().map(|n| LineIndex {
                nodes: &self.nodes[n],
                line: piece.wrapping_add(line.bytes.start),
                len: line.bytes.len(),
            });
            let index = UncheckedIndex {
                index,
                checked: line.checked,
            };
            (line.bytes.clone(), index)
        })
    }
}

/// A line's index (or why it is skipped), unless `checked`, before its bytes are checked as
/// UTF-8.
pub(crate) struct UncheckedIndex<'t> {
    index: Result<LineIndex<'t>, SkipReason>,
    checked: bool,
}

impl<'t> UncheckedIndex<'t> {
    /// The index, once `line` (the bytes it was built from) is known to be UTF-8.
    pub(crate) fn check(self, line: &[u8]) -> Result<LineIndex<'t>, SkipReason> {
        if self.checked {
            return self.index;
        }
        utf8_checked(self.index, line)
    }
}

/// Empties `nodes` for the next line, releasing it when a huge line made it huge.
fn reuse(nodes: &mut Vec<Node>) {
    if nodes.capacity() > KEPT_NODES {
        *nodes = Vec::new();
    }
    nodes.clear();
}

/// Appends the nodes of `line` to `nodes` (node links relative to the line's first node), or
/// says why the line is skipped, leaving `nodes` as it was. The bytes are indexed as they are:
/// [`utf8_checked`] says whether the line may be read.
fn index_line(nodes: &mut Vec<Node>, aside: &mut Aside, line: &[u8]) -> Result<(), SkipReason> {
    if line.len() > MAX_LINE_BYTES {
        return Err(SkipReason::Oversized);
    }
    let base = nodes.len();
    aside.open.clear();
    aside.counted.clear();
    if structure(nodes, aside, line, base).is_none() {
        nodes.truncate(base);
        return Err(SkipReason::MalformedJson);
    }
    for &(node, escapes) in &aside.counted {
        if let Some((removed, newlines)) = escapes.shrink() {
            nodes.push(Node::new(
                Kind::Escapes,
                node as usize - base,
                removed as usize,
            ));
            nodes.push(Node::new(Kind::Escapes, newlines as usize, 0));
        }
    }
    Ok(())
}

/// `indexed`, what [`index_line`] made of `line`, if `line` is UTF-8. A line that is not is
/// skipped as such, whatever its grammar, unless it was too long to be looked at.
fn utf8_checked<T>(indexed: Result<T, SkipReason>, line: &[u8]) -> Result<T, SkipReason> {
    match indexed {
        Err(SkipReason::Oversized) => indexed,
        _ if simdutf8::basic::from_utf8(line).is_err() => Err(SkipReason::InvalidUtf8),
        _ => indexed,
    }
}

/// Indexes the JSON value that is the whole of `s`.
fn structure(nodes: &mut Vec<Node>, aside: &mut Aside, s: &[u8], base: usize) -> Option<()> {
    #[cfg(target_arch = "x86_64")]
    if strings::has_avx2() {
        // SAFETY: the CPU has the features `structure_avx2` is compiled for.
        return unsafe { structure_avx2(nodes, aside, s, base) };
    }
    structure_using(nodes, aside, s, base, &mut StringEnds::using(s, false))
}

/// [`structure`] compiled for AVX2, POPCNT and BMI1, so that the string-end scan inlines its
/// 32-byte masks instead of calling them block by block.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt,bmi1")]
fn structure_avx2(nodes: &mut Vec<Node>, aside: &mut Aside, s: &[u8], base: usize) -> Option<()> {
    structure_using(nodes, aside, s, base, &mut StringEnds::using(s, true))
}

#[inline(always)]
fn structure_using(
    nodes: &mut Vec<Node>,
    aside: &mut Aside,
    s: &[u8],
    base: usize,
    ends: &mut StringEnds<'_>,
) -> Option<()> {
    let Aside { open, counted } = aside;
    let mut i = skip_ws(s, 0);
    'value: loop {
        match *s.get(i)? {
            b'{' => {
                open.push(nodes.len() as u32);
                nodes.push(Node::new(Kind::Object, 0, 0));
                i = skip_ws(s, i + 1);
                if s.get(i) == Some(&b'}') {
                    i += 1;
                    close(nodes, open, base);
                } else {
                    i = key(s, i, ends, nodes, counted)?;
                    continue 'value;
                }
            }
            b'[' => {
                open.push(nodes.len() as u32);
                nodes.push(Node::new(Kind::Array, 0, 0));
                i = skip_ws(s, i + 1);
                if s.get(i) == Some(&b']') {
                    i += 1;
                    close(nodes, open, base);
                } else {
                    continue 'value;
                }
            }
            b'"' => i = string(ends, i + 1, nodes, counted)?,
            b't' => i = literal(s, i, b"true", Kind::True, nodes)?,
            b'f' => i = literal(s, i, b"false", Kind::False, nodes)?,
            b'n' => i = literal(s, i, b"null", Kind::Null, nodes)?,
            b'-' | b'0'..=b'9' => {
                let end = number(s, i)?;
                nodes.push(Node::new(Kind::Number, i, end));
                i = end;
            }
            _ => return None,
        }
        // A value just ended: it is an element of the innermost open container, which the
        // next byte continues or closes.
        loop {
            i = skip_ws(s, i);
            let Some(&top) = open.last() else {
                return (i == s.len()).then_some(());
            };
            let parent = &nodes[top as usize];
            parent.a.set(parent.a.get() + 1);
            match (s.get(i)?, parent.kind.get()) {
                (b',', Kind::Object) => {
                    i = key(s, skip_ws(s, i + 1), ends, nodes, counted)?;
                    continue 'value;
                }
                (b',', _) => {
                    i = skip_ws(s, i + 1);
                    continue 'value;
                }
                (b'}', Kind::Object) | (b']', Kind::Array) => {
                    i += 1;
                    close(nodes, open, base);
                }
                _ => return None,
            }
        }
    }
}

fn close(nodes: &[Node], open: &mut Vec<u32>, base: usize) {
    if let Some(top) = open.pop() {
        nodes[top as usize].b.set((nodes.len() - base) as u32);
    }
}

fn skip_ws(s: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = s.get(i) {
        i += 1;
    }
    i
}

/// An object key at `i`, its colon, and the whitespace before the value.
#[inline(always)]
fn key(
    s: &[u8],
    i: usize,
    ends: &mut StringEnds<'_>,
    nodes: &mut Vec<Node>,
    counted: &mut Vec<(u32, Escapes)>,
) -> Option<usize> {
    if s.get(i) != Some(&b'"') {
        return None;
    }
    let i = skip_ws(s, string(ends, i + 1, nodes, counted)?);
    (s.get(i) == Some(&b':')).then(|| skip_ws(s, i + 1))
}

/// The string whose contents start at `start`; returns the index after its closing quote.
#[inline(always)]
fn string(
    ends: &mut StringEnds<'_>,
    start: usize,
    nodes: &mut Vec<Node>,
    counted: &mut Vec<(u32, Escapes)>,
) -> Option<usize> {
    let (end, backslashes, escapes) = ends.end(start)?;
    let kind = if backslashes {
        if let Some(escapes) = escapes {
            counted.push((nodes.len() as u32, escapes));
        }
        Kind::EscapedStr
    } else {
        Kind::Str
    };
    nodes.push(Node::new(kind, start, end));
    Some(end + 1)
}

/// The first backslash in `s` from `i` on. Escapes in logged code and text come every few
/// dozen bytes, where a `memchr` call costs more than it saves, so the first bytes are searched
/// eight at a time inline (SWAR) and only a long run without one goes to `memchr`.
#[inline(always)]
fn next_backslash(s: &[u8], mut i: usize) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    // The high bit of each byte of `x` that is a backslash; the lowest one is exact (borrows
    // only produce false positives above a true match).
    let backslashes = |x: u64| {
        let y = x ^ (ONES * u64::from(b'\\'));
        y.wrapping_sub(ONES) & !y & HIGH
    };
    let inline_end = s.len().min(i + 64);
    while i + 8 <= inline_end {
        let x = u64::from_le_bytes(s[i..i + 8].try_into().expect("8 bytes"));
        let m = backslashes(x);
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    if i + 8 > s.len() {
        return s[i..].iter().position(|&c| c == b'\\').map(|p| i + p);
    }
    memchr::memchr(b'\\', &s[i..]).map(|p| i + p)
}

fn literal(s: &[u8], i: usize, word: &[u8], kind: Kind, nodes: &mut Vec<Node>) -> Option<usize> {
    if !s[i..].starts_with(word) {
        return None;
    }
    nodes.push(Node::new(kind, i, i + word.len()));
    Some(i + word.len())
}

/// The end of the number at `i`: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
fn number(s: &[u8], mut i: usize) -> Option<usize> {
    let digits = |i: usize| i + s[i..].iter().take_while(|b| b.is_ascii_digit()).count();
    if s.get(i) == Some(&b'-') {
        i += 1;
    }
    match s.get(i)? {
        b'0' => i += 1,
        b'1'..=b'9' => i = digits(i),
        _ => return None,
    }
    if s.get(i) == Some(&b'.') {
        let end = digits(i + 1);
        if end == i + 1 {
            return None;
        }
        i = end;
    }
    if let Some(b'e' | b'E') = s.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = s.get(i) {
            i += 1;
        }
        let end = digits(i);
        if end == i {
            return None;
        }
        i = end;
    }
    Some(i)
}

/// A value of an indexed line: the line's index, and the line's bytes, which reading an escaped
/// string rewrites.
#[derive(Clone, Copy)]
pub(crate) struct Value<'t, 'i> {
    nodes: &'t [Node],
    line: *mut u8,
    at: u32,
    _line: PhantomData<&'i [u8]>,
}

impl<'t, 'i> Value<'t, 'i> {
    fn node(&self) -> &'t Node {
        &self.nodes[self.at as usize]
    }

    fn kind(&self) -> Kind {
        self.node().kind.get()
    }

    /// The index of the node after this value (and everything inside it).
    fn next(&self) -> u32 {
        match self.kind() {
            Kind::Object | Kind::Array => self.node().b.get(),
            _ => self.at + 1,
        }
    }

    fn at(&self, at: u32) -> Self {
        Self { at, ..*self }
    }

    /// The value's bytes as written in the line (scalars only).
    fn raw(&self) -> &'i [u8] {
        let node = self.node();
        let (a, b) = (node.a.get() as usize, node.b.get() as usize);
        // SAFETY: [a, b) lies inside the line, which lives for 'i. Bytes of a scalar are only
        // ever rewritten by `decode`, before the first reference to them is handed out.
        unsafe { std::slice::from_raw_parts(self.line.add(a), b - a) }
    }

    pub(crate) fn is_null(&self) -> bool {
        self.kind() == Kind::Null
    }

    pub(crate) fn is_object(&self) -> bool {
        self.kind() == Kind::Object
    }

    pub(crate) fn is_str(&self) -> bool {
        matches!(self.kind(), Kind::Str | Kind::EscapedStr)
    }

    pub(crate) fn as_bool(&self) -> Option<bool> {
        match self.kind() {
            Kind::True => Some(true),
            Kind::False => Some(false),
            _ => None,
        }
    }

    /// The decoded string (unescaped in place the first time it is read).
    pub(crate) fn as_str(&self) -> Option<&'i str> {
        match self.kind() {
            Kind::Str => {}
            Kind::EscapedStr => self.decode(),
            _ => return None,
        }
        // SAFETY: the line is valid UTF-8 and decoding writes whole UTF-8 characters.
        Some(unsafe { std::str::from_utf8_unchecked(self.raw()) })
    }

    /// What indexing counted of this string's escapes (a long one's, without `\u` escapes): the
    /// bytes decoding removes and the `\n` escapes. The counts follow the line's value, in the
    /// order of the strings' nodes.
    fn counted_escapes(&self) -> Option<(u64, u64)> {
        let after = self.at(0).next() as usize;
        let (counts, _) = self.nodes[after..].as_chunks::<2>();
        let found = counts.binary_search_by_key(&self.at, |[of, _]| of.a.get());
        let [of, newlines] = &counts[found.ok()?];
        Some((u64::from(of.b.get()), u64::from(newlines.a.get())))
    }

    /// The decoded size of a string, measured on its escaped bytes without decoding them. Still
    /// escaped, a string holds no raw control character (indexing refuses them): its newlines are
    /// escapes. (Once decoded in place, they are bytes like any other.)
    pub(crate) fn text_size(&self) -> Option<TextSize> {
        let raw = match self.kind() {
            Kind::Str => return Some(TextSize::of(self.raw())),
            Kind::EscapedStr => self.raw(),
            _ => return None,
        };
        let mut size = TextSize {
            bytes: raw.len() as u64,
            ..TextSize::default()
        };
        if let Some((removed, newlines)) = self.counted_escapes().or_else(|| strings::shrink(raw)) {
            size.bytes -= removed;
            size.newlines = newlines;
            size.ends_with_newline = raw.last() == Some(&b'n') && strings::last_is_escaped(raw);
            return Some(size);
        }
        // `\u` escapes: one at a time.
        let mut i = 0;
        while let Some(j) = next_backslash(raw, i) {
            let (c, step) = escape(&raw[j..]);
            size.bytes -= (step - c.map_or(0, char::len_utf8)) as u64;
            size.newlines += u64::from(c == Some('\n'));
            i = j + step;
            if i == raw.len() {
                size.ends_with_newline = c == Some('\n');
            }
        }
        Some(size)
    }

    /// The start of a string, decoded into `out` a growing chunk at a time until `enough` says
    /// it holds what the caller needs, or whole; `None` for another type. A tool output is read
    /// for its first lines: decoding all of its hundreds of kilobytes would cost more than the
    /// rest of its line. The string itself stays as written (a later [`Value::as_str`] decodes
    /// it whole).
    pub(crate) fn decode_head<'o>(
        &self,
        out: &'o mut String,
        mut enough: impl FnMut(&str) -> bool,
    ) -> Option<&'o str>
    where
        'i: 'o,
    {
        // Status lines fit in the first few hundred bytes; a head without them grows to 4 KiB
        // chunks.
        const FIRST_CHUNK: usize = 256;
        const MAX_CHUNK: usize = 4 << 10;
        if self.kind() != Kind::EscapedStr {
            return self.as_str();
        }
        let raw = self.raw();
        // SAFETY: the line is valid UTF-8, and a run between backslashes (ASCII) is whole
        // characters.
        let run = |r: usize, j: usize| unsafe { std::str::from_utf8_unchecked(&raw[r..j]) };
        out.clear();
        let (mut r, mut chunk) = (0, FIRST_CHUNK);
        while r < raw.len() {
            let chunk_end = (r + chunk).min(raw.len());
            chunk = (chunk * 2).min(MAX_CHUNK);
            while r < chunk_end {
                let Some(j) = next_backslash(raw, r) else {
                    out.push_str(run(r, raw.len()));
                    r = raw.len();
                    break;
                };
                out.push_str(run(r, j));
                let (c, step) = escape(&raw[j..]);
                out.extend(c);
                r = j + step;
            }
            if enough(out) {
                break;
            }
        }
        Some(out)
    }

    /// Unescapes the string in place and records its new end.
    fn decode(&self) {
        let node = self.node();
        let (a, b) = (node.a.get() as usize, node.b.get() as usize);
        // SAFETY: no reference to these bytes exists yet: `raw` hands them out only once the
        // node is a plain `Str`, which it becomes below. Other strings of the line lie outside.
        let s = unsafe { std::slice::from_raw_parts_mut(self.line.add(a), b - a) };
        let (mut r, mut w) = (0, 0);
        while let Some(j) = next_backslash(s, r) {
            s.copy_within(r..j, w);
            w += j - r;
            let (c, step) = escape(&s[j..]);
            if let Some(c) = c {
                w += c.encode_utf8(&mut s[w..]).len();
            }
            r = j + step;
        }
        s.copy_within(r.., w);
        w += s.len() - r;
        node.b.set((a + w) as u32);
        node.kind.set(Kind::Str);
    }

    pub(crate) fn as_u64(&self) -> Option<u64> {
        let digits = self.integer()?;
        // Token counts and times, read on every line: plain digits are summed here, without
        // `str::parse`'s sign and overflow handling (19 digits cannot overflow).
        if digits.len() <= 19 && digits.bytes().all(|d| d.is_ascii_digit()) {
            return Some(digits.bytes().fold(0, |n, d| n * 10 + u64::from(d - b'0')));
        }
        digits.parse().ok()
    }

    pub(crate) fn as_i64(&self) -> Option<i64> {
        self.integer()?.parse().ok()
    }

    /// Any number as a float.
    pub(crate) fn cast_f64(&self) -> Option<f64> {
        if self.kind() != Kind::Number {
            return None;
        }
        // SAFETY: number syntax is ASCII.
        unsafe { std::str::from_utf8_unchecked(self.raw()) }
            .parse()
            .ok()
    }

    /// The text of a number written without fraction or exponent.
    fn integer(&self) -> Option<&'i str> {
        if self.kind() != Kind::Number {
            return None;
        }
        let raw = self.raw();
        if raw.iter().any(|b| matches!(b, b'.' | b'e' | b'E')) {
            return None;
        }
        // SAFETY: number syntax is ASCII.
        Some(unsafe { std::str::from_utf8_unchecked(raw) })
    }

    pub(crate) fn as_array(&self) -> Option<Array<'t, 'i>> {
        (self.kind() == Kind::Array).then_some(Array(*self))
    }

    pub(crate) fn as_object(&self) -> Option<Object<'t, 'i>> {
        (self.kind() == Kind::Object).then_some(Object(*self))
    }

    /// An object key's name: as written, or decoded when it holds escapes (rare in keys).
    fn key_name(&self) -> &'i [u8] {
        match self.kind() {
            Kind::Str => self.raw(),
            _ => self.as_str().unwrap_or("").as_bytes(),
        }
    }

    /// The first member named `key` of an object.
    pub(crate) fn get(&self, key: &str) -> Option<Value<'t, 'i>> {
        self.as_object()?.get(key)
    }

    /// The first member named by each of `keys`, as [`Found::of`] finds them one at a time,
    /// but in one pass over the object's members: a line read for a dozen fields, half of
    /// them absent from it, is walked once instead of a dozen times. All absent for another
    /// type than an object.
    pub(crate) fn pick<const N: usize>(&self, keys: [&'static str; N]) -> [Found<'t, 'i>; N] {
        let mut found = keys.map(|key| Found { value: None, key });
        let mut seen = [false; N];
        for k in self.as_object().iter().flat_map(|o| o.keys()) {
            let name = k.key_name();
            let first = keys
                .iter()
                .zip(&mut seen)
                .position(|(key, seen)| !*seen && same_name(name, key.as_bytes()));
            if let Some(i) = first {
                seen[i] = true;
                found[i].value = Some(k.at(k.at + 1)).filter(|x| !x.is_null());
            }
        }
        found
    }
}

/// The escape at the start of `s` (a backslash): the character it stands for and how many
/// bytes it spans. A lone UTF-16 surrogate stands for U+FFFD. A backslash that starts no JSON
/// escape (which indexing refuses, so only a defence) stands for nothing and is dropped. Every
/// character is at most as long as its escape, which lets strings be decoded in place.
fn escape(s: &[u8]) -> (Option<char>, usize) {
    let simple = match s.get(1) {
        Some(b'u') => None,
        Some(b'b') => Some('\u{8}'),
        Some(b'f') => Some('\u{c}'),
        Some(b'n') => Some('\n'),
        Some(b'r') => Some('\r'),
        Some(b't') => Some('\t'),
        Some(&c @ (b'"' | b'\\' | b'/')) => Some(c as char),
        _ => return (None, 1),
    };
    if simple.is_some() {
        return (simple, 2);
    }
    let unit = |at: usize| {
        let digits = s.get(at..at + 4)?;
        digits
            .iter()
            .try_fold(0, |n, &d| Some(n * 16 + (d as char).to_digit(16)?))
    };
    let Some(hi) = unit(2) else {
        return (None, 1);
    };
    if (0xd800..0xdc00).contains(&hi)
        && s.get(6..8) == Some(b"\\u")
        && let Some(lo @ 0xdc00..0xe000) = unit(8)
    {
        let c = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
        return (char::from_u32(c), 12);
    }
    (Some(char::from_u32(hi).unwrap_or('\u{fffd}')), 6)
}

/// The size of a text as tool outputs are measured: decoded bytes and lines (a last line
/// without a newline counts).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TextSize {
    bytes: u64,
    newlines: u64,
    ends_with_newline: bool,
}

impl TextSize {
    pub(crate) fn of(text: &[u8]) -> Self {
        Self {
            bytes: text.len() as u64,
            newlines: memchr::memchr_iter(b'\n', text).count() as u64,
            ends_with_newline: text.last() == Some(&b'\n'),
        }
    }

    /// Appends `more` to the measured text.
    pub(crate) fn add(&mut self, more: TextSize) {
        if more.bytes > 0 {
            self.bytes += more.bytes;
            self.newlines += more.newlines;
            self.ends_with_newline = more.ends_with_newline;
        }
    }

    pub(crate) fn bytes_and_lines(self) -> (u64, u64) {
        let unterminated = self.bytes > 0 && !self.ends_with_newline;
        (self.bytes, self.newlines + u64::from(unterminated))
    }
}

/// An array of an indexed line.
#[derive(Clone, Copy)]
pub(crate) struct Array<'t, 'i>(Value<'t, 'i>);

impl<'t, 'i> Array<'t, 'i> {
    pub(crate) fn len(&self) -> usize {
        self.0.node().a.get() as usize
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = Value<'t, 'i>> + use<'t, 'i> {
        let first = self.0.at(self.0.at + 1);
        std::iter::successors(Some(first), |v| Some(v.at(v.next()))).take(self.len())
    }
}

/// An object of an indexed line.
#[derive(Clone, Copy)]
pub(crate) struct Object<'t, 'i>(Value<'t, 'i>);

impl<'t, 'i> Object<'t, 'i> {
    /// The key of every member, in the order they are written; its value is the next node.
    fn keys(&self) -> impl Iterator<Item = Value<'t, 'i>> + use<'t, 'i> {
        let first = self.0.at(self.0.at + 1);
        std::iter::successors(Some(first), |k| {
            let v = k.at(k.at + 1);
            Some(v.at(v.next()))
        })
        .take(self.0.node().a.get() as usize)
    }

    /// Members as (key, value), in the order they are written.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&'i str, Value<'t, 'i>)> + use<'t, 'i> {
        self.keys()
            .map(|k| (k.as_str().unwrap_or(""), k.at(k.at + 1)))
    }

    pub(crate) fn get(&self, key: &str) -> Option<Value<'t, 'i>> {
        self.keys()
            .find(|k| same_name(k.key_name(), key.as_bytes()))
            .map(|k| k.at(k.at + 1))
    }
}

/// Whether an object's key, as written, is `key`. Keys are short, and a line is read by a
/// dozen lookups: two overlapping word loads compare one instead of a memcmp call.
#[inline(always)]
fn same_name(name: &[u8], key: &[u8]) -> bool {
    let n = key.len();
    if name.len() != n {
        return false;
    }
    let word = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().expect("8"));
    let half = |s: &[u8], at: usize| u32::from_le_bytes(s[at..at + 4].try_into().expect("4"));
    match n {
        0..4 => name.iter().zip(key).all(|(a, b)| a == b),
        4..8 => half(name, 0) == half(key, 0) && half(name, n - 4) == half(key, n - 4),
        8..=16 => word(name, 0) == word(key, 0) && word(name, n - 8) == word(key, n - 8),
        _ => name == key,
    }
}

/// A known field held a value of the wrong JSON type; the line is skipped as `bad_field`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BadField(pub &'static str);

pub(crate) type Field<T> = Result<Option<T>, BadField>;

/// The field's value, or `None` when it is absent or `null`.
pub(crate) fn field<'t, 'i>(v: Value<'t, 'i>, key: &str) -> Option<Value<'t, 'i>> {
    v.get(key).filter(|x| !x.is_null())
}

/// A field looked up and not yet read: its value (`None` when absent or `null`), and its key,
/// which names it when it holds a value of the wrong type.
#[derive(Clone, Copy)]
pub(crate) struct Found<'t, 'i> {
    value: Option<Value<'t, 'i>>,
    key: &'static str,
}

impl<'t, 'i> Found<'t, 'i> {
    pub(crate) fn of(v: Value<'t, 'i>, key: &'static str) -> Self {
        Self {
            value: field(v, key),
            key,
        }
    }

    /// The value read with `read`: `None` when absent or `null`, [`BadField`] when `read` finds
    /// it of the wrong type.
    pub(crate) fn read<T>(self, read: impl FnOnce(Value<'t, 'i>) -> Option<T>) -> Field<T> {
        self.value
            .map(|x| read(x).ok_or(BadField(self.key)))
            .transpose()
    }

    pub(crate) fn str(self) -> Field<&'i str> {
        self.read(|x| x.as_str())
    }

    /// A non-negative integer (a float with no fractional part is accepted; a negative number
    /// is clamped to 0, since token counts below zero only come from broken writers).
    pub(crate) fn u64(self) -> Field<u64> {
        self.read(as_u64)
    }

    pub(crate) fn bool(self) -> Field<bool> {
        self.read(|x| x.as_bool())
    }

    pub(crate) fn obj(self) -> Field<Value<'t, 'i>> {
        self.read(|x| x.is_object().then_some(x))
    }
}

/// A field read with `read` (see [`Found::read`]).
pub(crate) fn typed_field<'t, 'i, T>(
    v: Value<'t, 'i>,
    key: &'static str,
    read: impl FnOnce(Value<'t, 'i>) -> Option<T>,
) -> Field<T> {
    Found::of(v, key).read(read)
}

pub(crate) fn str_field<'i>(v: Value<'_, 'i>, key: &'static str) -> Field<&'i str> {
    Found::of(v, key).str()
}

/// See [`Found::u64`].
pub(crate) fn u64_field(v: Value<'_, '_>, key: &'static str) -> Field<u64> {
    Found::of(v, key).u64()
}

pub(crate) fn as_u64(x: Value<'_, '_>) -> Option<u64> {
    if let Some(n) = x.as_u64() {
        return Some(n);
    }
    if let Some(n) = x.as_i64() {
        return Some(n.max(0) as u64);
    }
    match x.cast_f64() {
        Some(f) if f.is_finite() && f.fract() == 0.0 => Some(f.max(0.0) as u64),
        _ => None,
    }
}

pub(crate) fn f64_field(v: Value<'_, '_>, key: &'static str) -> Field<f64> {
    typed_field(v, key, |x| x.cast_f64())
}

pub(crate) fn bool_field(v: Value<'_, '_>, key: &'static str) -> Field<bool> {
    Found::of(v, key).bool()
}

pub(crate) fn obj_field<'t, 'i>(v: Value<'t, 'i>, key: &'static str) -> Field<Value<'t, 'i>> {
    Found::of(v, key).obj()
}

pub(crate) fn arr_field<'t, 'i>(v: Value<'t, 'i>, key: &'static str) -> Field<Array<'t, 'i>> {
    typed_field(v, key, |x| x.as_array())
}

/// Writes `v` as compact JSON into `out` (for summaries of tool inputs without a known shape):
/// strings decoded and escaped again the way serde_json writes them, numbers as written.
pub(crate) fn write_compact(v: Value<'_, '_>, out: &mut String) {
    match v.kind() {
        Kind::Object | Kind::Array => {
            let object = v.is_object();
            out.push(if object { '{' } else { '[' });
            let mut at = v.at + 1;
            let mut first = true;
            while at < v.next() {
                if !first {
                    out.push(',');
                }
                first = false;
                if object {
                    write_compact(v.at(at), out);
                    out.push(':');
                    at += 1;
                }
                let member = v.at(at);
                write_compact(member, out);
                at = member.next();
            }
            out.push(if object { '}' } else { ']' });
        }
        Kind::Str | Kind::EscapedStr => {
            let s = v.as_str().unwrap_or("");
            out.push('"');
            let mut run = 0;
            for (i, b) in s.bytes().enumerate() {
                let escape = match b {
                    b'"' => "\\\"",
                    b'\\' => "\\\\",
                    b'\n' => "\\n",
                    b'\r' => "\\r",
                    b'\t' => "\\t",
                    0x08 => "\\b",
                    0x0c => "\\f",
                    0..0x20 => "",
                    _ => continue,
                };
                out.push_str(&s[run..i]);
                run = i + 1;
                if escape.is_empty() {
                    use std::fmt::Write;
                    let _ = write!(out, "\\u{b:04x}");
                } else {
                    out.push_str(escape);
                }
            }
            out.push_str(&s[run..]);
            out.push('"');
        }
        // SAFETY: numbers and literals are ASCII.
        _ => out.push_str(unsafe { std::str::from_utf8_unchecked(v.raw()) }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value as Json;

    /// `v` as JSON text, escaping characters in one of the ways JSON allows (chosen by `seed`),
    /// so that `\uXXXX`, surrogate pairs and `\/` are read as well as serde_json's own escapes.
    fn write(v: &Json, seed: &mut u64, out: &mut String) {
        let mut coin = || {
            *seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            *seed >> 61
        };
        match v {
            Json::String(s) => {
                out.push('"');
                for c in s.chars() {
                    match (c, coin()) {
                        ('"' | '\\', _) | ('\0'..'\x20', 0..4) => {
                            let e = serde_json::to_string(&c.to_string()).unwrap();
                            out.push_str(&e[1..e.len() - 1]);
                        }
                        ('/', 0) => out.push_str("\\/"),
                        ('\0'..'\x20', _) | (_, 0) => {
                            let mut units = [0; 2];
                            for u in c.encode_utf16(&mut units) {
                                out.push_str(&format!("\\u{u:04X}"));
                            }
                        }
                        _ => out.push(c),
                    }
                }
                out.push('"');
            }
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    out.push_str(if i > 0 { ", " } else { "" });
                    write(item, seed, out);
                }
                out.push(']');
            }
            Json::Object(members) => {
                out.push_str("{ ");
                for (i, (k, item)) in members.iter().enumerate() {
                    out.push_str(if i > 0 { "," } else { "" });
                    write(&Json::String(k.clone()), seed, out);
                    out.push_str(" :");
                    write(item, seed, out);
                }
                out.push('}');
            }
            other => out.push_str(&other.to_string()),
        }
    }

    fn json() -> impl Strategy<Value = Json> {
        let text = prop_oneof![
            any::<String>(),
            "[a-z\"\\\\/\n\t é→😀]{0,200}",
            Just("x".repeat(200) + "\"\\\n"),
        ];
        let leaf = prop_oneof![
            Just(Json::Null),
            any::<bool>().prop_map(Json::Bool),
            any::<u64>().prop_map(Json::from),
            any::<i64>().prop_map(Json::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Json::from),
            text.prop_map(Json::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..8).prop_map(Json::Array),
                proptest::collection::btree_map("[a-z_\"é]{0,8}", inner, 0..8)
                    .prop_map(|m| Json::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Reads `v` through the index, checking it against the value it was written from.
    fn check(v: Value<'_, '_>, want: &Json) {
        match want {
            Json::Null => assert!(v.is_null()),
            Json::Bool(b) => assert_eq!(v.as_bool(), Some(*b)),
            Json::Number(n) => {
                assert_eq!(v.as_u64(), n.as_u64());
                assert_eq!(v.as_i64(), n.as_i64());
                assert_eq!(v.cast_f64(), n.as_f64());
            }
            Json::String(s) => {
                let mut head = String::new();
                let short = v.decode_head(&mut head, |h| !h.is_empty()).unwrap();
                assert!(s.starts_with(short) && (s.is_empty() || !short.is_empty()));
                assert_eq!(v.decode_head(&mut head, |_| false), Some(s.as_str()));
                assert_eq!(v.text_size(), Some(TextSize::of(s.as_bytes())));
                assert_eq!(v.as_str(), Some(s.as_str()));
                assert_eq!(
                    v.text_size(),
                    Some(TextSize::of(s.as_bytes())),
                    "once decoded"
                );
            }
            Json::Array(items) => {
                let a = v.as_array().expect("an array");
                assert_eq!(a.len(), items.len());
                assert_eq!(a.iter().count(), items.len());
                a.iter().zip(items).for_each(|(x, item)| check(x, item));
            }
            Json::Object(members) => {
                let o = v.as_object().expect("an object");
                assert_eq!(o.iter().count(), members.len());
                for ((k, x), (key, item)) in o.iter().zip(members) {
                    assert_eq!(k, key);
                    check(x, item);
                    assert!(v.get(key).is_some());
                }
            }
        }
    }

    fn with_text<R>(text: &str, f: impl FnOnce(Value<'_, '_>) -> R) -> Result<R, SkipReason> {
        let mut line = text.as_bytes().to_vec();
        JsonScratch::default().with_line(&mut line, f)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn every_value_reads_back_as_written(want in json(), mut seed in any::<u64>()) {
            let mut text = String::new();
            write(&want, &mut seed, &mut text);
            let compact = with_text(&text, |v| {
                check(v, &want);
                let mut out = String::new();
                write_compact(v, &mut out);
                out
            });
            let Ok(compact) = compact else { panic!("{text} was refused") };
            prop_assert_eq!(compact, serde_json::to_string(&want).unwrap());
        }

        #[test]
        fn key_names_compare_as_bytes_do(
            a in "[ab]{0,20}",
            other in "[ab]{0,20}",
            flip in any::<prop::sample::Index>(),
        ) {
            // Another name, and the same name with one byte changed (or unchanged if empty).
            let mut near = a.clone().into_bytes();
            if !near.is_empty() {
                let at = flip.index(near.len());
                near[at] ^= 3;
            }
            for b in [other.as_bytes(), &near, a.as_bytes()] {
                prop_assert_eq!(same_name(a.as_bytes(), b), a.as_bytes() == b);
            }
        }

        #[test]
        fn a_cut_line_is_malformed(want in json(), mut seed in any::<u64>(), cut in any::<prop::sample::Index>()) {
            let mut text = String::new();
            write(&Json::Object([("k".to_owned(), want)].into_iter().collect()), &mut seed, &mut text);
            let mut cut = cut.index(text.len());
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            prop_assert!(matches!(with_text(&text[..cut], |_| ()), Err(SkipReason::MalformedJson)));
        }
    }

    #[test]
    fn pick_finds_what_lookups_one_at_a_time_find() {
        let text = r#"{"a":1,"b":null,"a":2,"c\u0041":"x","d":{"a":3},"e":[1],"f":null,"f":4}"#;
        let keys = ["a", "b", "cA", "d", "e", "f", "z"];
        let found = with_text(text, |v| {
            let picked = v.pick(keys).map(|p| p.value.map(|x| x.at));
            let one = keys.map(|key| Found::of(v, key).value.map(|x| x.at));
            (picked, one)
        });
        let (picked, one) = found.unwrap();
        assert_eq!(picked, one);
        assert_eq!(
            picked.map(|at| at.is_some()),
            [true, false, true, true, true, false, false]
        );
    }

    #[test]
    fn a_long_string_is_decoded_only_as_far_as_needed() {
        let text = format!(r#"{{"s":"{}é\u00e9"}}"#, r"line\n".repeat(5000));
        let whole = format!("{}éé", "line\n".repeat(5000));
        let read = with_text(&text, |v| {
            let s = v.get("s").unwrap();
            let mut head = String::new();
            let short = s
                .decode_head(&mut head, |h| h.len() >= 100)
                .unwrap()
                .to_owned();
            let all = s.decode_head(&mut head, |_| false).unwrap().to_owned();
            (short, all, s.as_str().unwrap().to_owned())
        });
        let (short, all, decoded) = read.unwrap();
        assert!(short.len() >= 100 && short.len() < whole.len() && whole.starts_with(&short));
        assert_eq!(all, whole);
        assert_eq!(decoded, whole);
    }

    #[test]
    fn lone_surrogates_decode_to_the_replacement_character() {
        let read = |text: &str| {
            with_text(text, |v| {
                v.get("s").and_then(|s| s.as_str()).map(str::to_owned)
            })
        };
        assert_eq!(
            read(r#"{"s":"a\ud83d"}"#).ok().flatten().as_deref(),
            Some("a\u{fffd}")
        );
        assert_eq!(
            read(r#"{"s":"\ude00\ud83d\ude00"}"#)
                .ok()
                .flatten()
                .as_deref(),
            Some("\u{fffd}😀")
        );
    }

    #[test]
    fn malformed_lines_are_refused() {
        for text in [
            "",
            "{",
            "{\"a\"}",
            "{\"a\":}",
            "{\"a\":1,}",
            "[1 2]",
            "{\"a\":tru}",
            "{\"a\":01}",
            "{\"a\":1.}",
            "{\"a\":-}",
            "{\"a\":1e}",
            "{} {}",
            "{\"a\":\"x}",
            "{'a':1}",
            "[1]]",
            r#"{"a":"\x"}"#,
            r#"{"a":"\u12"}"#,
            r#"{"a":"\u12G4 and more text"}"#,
            "{\"a\":\"a tab\there\"}",
            r#"{"a":"\\\q"}"#,
            r#"{"long":"0123456789012345678901234567890123456789012345678901234567890123456789\q"}"#,
        ] {
            assert!(
                matches!(with_text(text, |_| ()), Err(SkipReason::MalformedJson)),
                "{text}"
            );
        }
        let mut bad = b"{\"a\":\"\xff\"}".to_vec();
        let refused = JsonScratch::default().with_line(&mut bad, |_| ());
        assert!(matches!(refused, Err(SkipReason::InvalidUtf8)));
    }

    #[test]
    fn a_piece_is_indexed_as_far_as_it_is_let() {
        let piece = &mut b"{\"a\":1}\n\n{\"b\":\"x\"}\r\n[3]\n".to_vec();
        // Where the rest starts: just past the newline of the last line indexed (an empty line
        // and a `\r\n` in between).
        let rests = [0, 8, 20, 24];
        for lines in 0..=3 {
            let mut index = IndexedPiece::default();
            let asked = std::cell::Cell::new(0);
            let rest = index.build(piece, || {
                asked.set(asked.get() + 1);
                match asked.get() {
                    n if n > lines => LineWork::Leave,
                    1 => LineWork::Check,
                    _ => LineWork::Index,
                }
            });
            assert_eq!(rest, rests[lines]);
            let indexed: Vec<_> = index
                .lines(piece.as_ptr())
                .map(|(bytes, line)| {
                    let line = line.check(&piece[bytes.clone()]).expect("indexed");
                    let root = line.root(&mut piece[bytes]);
                    let mut text = String::new();
                    write_compact(root, &mut text);
                    text
                })
                .collect();
            assert_eq!(indexed, [r#"{"a":1}"#, r#"{"b":"x"}"#, "[3]"][..lines]);
        }
    }

    #[test]
    fn a_line_is_checked_as_utf8_by_one_thread_or_the_other_alike() {
        // Not UTF-8, and not UTF-8 nor JSON: either way, skipped as not UTF-8.
        let piece = &mut b"{\"a\":\"\xff\"}\n{\"a\":\xff\n{\"a\":\"\xc3\xa9\"}\n".to_vec();
        for work in [LineWork::Index, LineWork::Check] {
            let mut index = IndexedPiece::default();
            assert_eq!(index.build(piece, || work), piece.len());
            let checked: Vec<_> = index
                .lines(piece.as_ptr())
                .map(|(bytes, line)| line.check(&piece[bytes]).err())
                .collect();
            let invalid = Some(SkipReason::InvalidUtf8);
            assert_eq!(checked, [invalid, invalid, None]);
        }
    }
}
