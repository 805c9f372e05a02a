//! One JSON line parsed into a reusable simd-json tape, and typed field access that tells a
//! missing or `null` field (fine) from a field of the wrong JSON type (the line is skipped).

use simd_json::prelude::*;
use simd_json::tape::{Array, Value};
use simd_json::{Buffers, Tape};

/// Parse buffers kept across lines, so that parsing a line allocates nothing once they have
/// grown to the largest line seen.
pub(crate) struct JsonScratch {
    buffers: Buffers,
    tape: Option<Tape<'static>>,
}

/// Why a line could not be parsed.
pub(crate) enum ParseFailure {
    InvalidUtf8,
    Malformed,
}

impl Default for JsonScratch {
    fn default() -> Self {
        Self {
            buffers: Buffers::new(64 * 1024),
            tape: Some(Tape(Vec::new())),
        }
    }
}

impl JsonScratch {
    /// Parses `line` in place (simd-json unescapes strings into it) and hands its root value to
    /// `f`. Strings borrowed from the value live as long as `line`.
    pub(crate) fn with_line<'a, R>(
        &mut self,
        line: &'a mut [u8],
        f: impl FnOnce(Value<'_, 'a>) -> R,
    ) -> Result<R, ParseFailure> {
        let mut tape: Tape<'a> = self.tape.take().unwrap_or_else(|| Tape(Vec::new())).reset();
        let parsed = simd_json::fill_tape(line, &mut self.buffers, &mut tape);
        let out = match parsed {
            Ok(()) => Ok(f(tape.as_value())),
            Err(e) => Err(match e.error() {
                simd_json::ErrorType::InvalidUtf8 => ParseFailure::InvalidUtf8,
                _ => ParseFailure::Malformed,
            }),
        };
        self.tape = Some(tape.reset());
        out
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

pub(crate) fn str_field<'i>(v: Value<'_, 'i>, key: &'static str) -> Field<&'i str> {
    match field(v, key) {
        None => Ok(None),
        Some(x) => x.into_string().map(Some).ok_or(BadField(key)),
    }
}

/// A non-negative integer (a float with no fractional part is accepted; a negative number is
/// clamped to 0, since token counts below zero only come from broken writers).
pub(crate) fn u64_field(v: Value<'_, '_>, key: &'static str) -> Field<u64> {
    match field(v, key) {
        None => Ok(None),
        Some(x) => as_u64(x).map(Some).ok_or(BadField(key)),
    }
}

pub(crate) fn as_u64(x: Value<'_, '_>) -> Option<u64> {
    if let Some(n) = x.as_u64() {
        return Some(n);
    }
    if let Some(n) = x.as_i64() {
        return Some(n.max(0) as u64);
    }
    match x.as_f64() {
        Some(f) if f.is_finite() && f.fract() == 0.0 => Some(f.max(0.0) as u64),
        _ => None,
    }
}

pub(crate) fn f64_field(v: Value<'_, '_>, key: &'static str) -> Field<f64> {
    match field(v, key) {
        None => Ok(None),
        Some(x) => x.cast_f64().map(Some).ok_or(BadField(key)),
    }
}

pub(crate) fn bool_field(v: Value<'_, '_>, key: &'static str) -> Field<bool> {
    match field(v, key) {
        None => Ok(None),
        Some(x) => x.as_bool().map(Some).ok_or(BadField(key)),
    }
}

pub(crate) fn obj_field<'t, 'i>(v: Value<'t, 'i>, key: &'static str) -> Field<Value<'t, 'i>> {
    match field(v, key) {
        None => Ok(None),
        Some(x) if x.is_object() => Ok(Some(x)),
        Some(_) => Err(BadField(key)),
    }
}

pub(crate) fn arr_field<'t, 'i>(v: Value<'t, 'i>, key: &'static str) -> Field<Array<'t, 'i>> {
    match field(v, key) {
        None => Ok(None),
        Some(x) => x.as_array().map(Some).ok_or(BadField(key)),
    }
}

/// Writes `v` as compact JSON into `out` (for summaries of tool inputs without a known shape).
pub(crate) fn write_compact(v: Value<'_, '_>, out: &mut String) {
    let mut bytes = Vec::new();
    if v.write(&mut bytes).is_ok() {
        out.push_str(&String::from_utf8_lossy(&bytes));
    }
}
