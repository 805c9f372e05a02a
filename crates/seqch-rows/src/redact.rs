//! Secret redaction and the 256-byte cap for `input_summary`: the rule for the free-text fields
//! of the rows, applied by the parser when it builds them and by every reader that shows them.

use std::borrow::Cow;
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use regex::Regex;

/// The longest `input_summary`, in bytes.
pub const SUMMARY_MAX_BYTES: usize = 256;

const MARK: &str = "[REDACTED]";

static TOKENS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"sk-(?:ant-|proj-)?[A-Za-z0-9_\-]{16,}",
        r"|gh[pousr]_[A-Za-z0-9]{20,}",
        r"|github_pat_[A-Za-z0-9_]{20,}",
        r"|AKIA[0-9A-Z]{16}",
        r"|xox[abprs]-[A-Za-z0-9\-]{10,}",
    ))
    .expect("token pattern")
});

// Keeps the key (group 1) and replaces the value (group 2).
static KEYED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r#"(?i)((?:bearer\s+)|(?:--?(?:password|passwd|token|secret|api[_-]?key)[= ]+)"#,
        r#"|(?:\b(?:password|passwd|token|secret|api_key|apikey)["']?\s*[=:]\s*["']?))"#,
        r#"([^\s"'&;,]{3,})"#,
    ))
    .expect("keyed pattern")
});

/// Every match of KEYED holds one of these words, in some case. Most texts hold none, and this
/// search costs far less than the regex's, which cannot narrow its own search to them.
static KEYWORDS: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(["bearer", "passw", "token", "secret", "api"])
        .expect("keywords")
});

/// Whether KEYED may match `text`. Only ASCII text can be ruled out: KEYED's `(?i)` also takes
/// the Kelvin sign for `k` and the long s for `s`.
fn may_hold_keyed(text: &str) -> bool {
    !text.is_ascii() || KEYWORDS.is_match(text)
}

/// Replaces API keys, bearer tokens and `password=`-style values with `[REDACTED]`.
pub fn redact(text: &str) -> Cow<'_, str> {
    let tokens = TOKENS.replace_all(text, MARK);
    if !may_hold_keyed(&tokens) {
        return tokens;
    }
    match KEYED.replace_all(&tokens, |c: &regex::Captures<'_>| {
        format!("{}{MARK}", &c[1])
    }) {
        Cow::Borrowed(_) => tokens,
        Cow::Owned(s) => Cow::Owned(s),
    }
}

/// Redacts `text` and writes at most [`SUMMARY_MAX_BYTES`] of it into `out`, cut on a UTF-8
/// boundary.
pub fn summarize_into(text: &str, out: &mut String) {
    out.clear();
    let clean = redact(text);
    out.push_str(truncate(&clean, SUMMARY_MAX_BYTES));
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
pub fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_every_kind_of_secret() {
        let cases = [
            (
                "curl -H 'x-api-key: sk-ant-api03-abcdefghijklmnopqrstuv'",
                "curl -H 'x-api-key: [REDACTED]'",
            ),
            (
                "export OPENAI_API_KEY=sk-proj-ABCDEFGHIJKLMNOP1234",
                "export OPENAI_API_KEY=[REDACTED]",
            ),
            (
                "git clone https://ghp_abcdefghijklmnopqrstuvwxyz0123@github.com/x",
                "git clone https://[REDACTED]@github.com/x",
            ),
            ("aws AKIAIOSFODNN7EXAMPLE s3 ls", "aws [REDACTED] s3 ls"),
            ("slack xoxb-1234567890-abcdef", "slack [REDACTED]"),
            (
                "curl -H 'Authorization: Bearer eyJhbGciOi.payload.sig'",
                "curl -H 'Authorization: Bearer [REDACTED]'",
            ),
            (
                "mysql --password=hunter22 -u root",
                "mysql --password=[REDACTED] -u root",
            ),
            (
                "psql 'host=db password=s3cr3t dbname=x'",
                "psql 'host=db password=[REDACTED] dbname=x'",
            ),
            (
                "https://x.test/cb?token=abcdef123&ok=1",
                "https://x.test/cb?token=[REDACTED]&ok=1",
            ),
            (
                "{\"api_key\": \"abcdef12345\"}",
                "{\"api_key\": \"[REDACTED]\"}",
            ),
            ("cargo test --release", "cargo test --release"),
        ];
        for (input, want) in cases {
            assert_eq!(redact(input), want, "{input}");
        }
    }

    #[test]
    fn truncates_on_a_char_boundary() {
        let s = "é".repeat(200); // 400 bytes
        let mut out = String::new();
        summarize_into(&s, &mut out);
        assert_eq!(out.len(), 256);
        assert!(out.chars().all(|c| c == 'é'));
        assert_eq!(truncate("aé", 2), "a");
    }

    use proptest::strategy::Strategy;

    proptest::proptest! {
        /// The keyword search never rules out a text KEYED matches: texts made of keywords in
        /// any case, the non-ASCII letters `(?i)` folds to ASCII, separators and values.
        #[test]
        fn the_keyword_search_never_hides_a_keyed_secret(
            parts in proptest::collection::vec(proptest::prop_oneof![
                proptest::sample::select(vec![
                    "bearer ", "password", "passwd", "token", "secret", "api_key", "apikey",
                    "api-key", "--", "-", "=", ": ", "\"", "'", " ", "abc123", "x", "é",
                    "to\u{212A}en", "\u{17F}ecret",
                ]).prop_map(str::to_owned),
                "[a-zA-Z_=:\\- ]{0,6}",
            ], 0..8),
            flips in proptest::collection::vec(proptest::bool::ANY, 64),
        ) {
            let text: String = parts
                .concat()
                .chars()
                .zip(flips.iter().cycle())
                .map(|(c, &up)| if up { c.to_ascii_uppercase() } else { c })
                .collect();
            if KEYED.is_match(&text) {
                proptest::prop_assert!(may_hold_keyed(&text), "{text:?}");
            }
        }
    }
}
