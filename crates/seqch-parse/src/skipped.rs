//! Counts of lines that were skipped, by reason.

use std::collections::BTreeMap;

/// Why a line was skipped. Every skipped line is counted under exactly one reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipReason {
    /// Not valid UTF-8.
    InvalidUtf8,
    /// Not a JSON object.
    MalformedJson,
    /// A known field held a value of the wrong JSON type.
    BadField,
    /// A top-level `type` this parser does not know.
    UnknownType,
    /// Longer than the line limit.
    Oversized,
    /// A usage line with no timestamp before it in its file.
    MissingTimestamp,
    /// A last line without `\n` at the end of a one-shot pass.
    IncompleteTail,
}

impl SkipReason {
    pub const ALL: [SkipReason; 7] = [
        Self::InvalidUtf8,
        Self::MalformedJson,
        Self::BadField,
        Self::UnknownType,
        Self::Oversized,
        Self::MissingTimestamp,
        Self::IncompleteTail,
    ];

    /// The stable name used in `summary --json` and in logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidUtf8 => "invalid_utf8",
            Self::MalformedJson => "malformed_json",
            Self::BadField => "bad_field",
            Self::UnknownType => "unknown_type",
            Self::Oversized => "oversized",
            Self::MissingTimestamp => "missing_timestamp",
            Self::IncompleteTail => "incomplete_tail",
        }
    }
}

/// Skipped-line counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Skipped {
    counts: [u64; SkipReason::ALL.len()],
}

impl Skipped {
    pub fn add(&mut self, reason: SkipReason) {
        self.counts[reason as usize] += 1;
    }

    pub fn get(&self, reason: SkipReason) -> u64 {
        self.counts[reason as usize]
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The non-zero counts by reason name.
    pub fn by_reason(&self) -> BTreeMap<&'static str, u64> {
        SkipReason::ALL
            .iter()
            .filter(|r| self.get(**r) > 0)
            .map(|r| (r.as_str(), self.get(*r)))
            .collect()
    }
}
