//! Model prices: the table shipped in `pricing.toml`, optionally overridden by a user file, and
//! the cost of one call under the rules in COUNTING.md ("Cost").

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

const EMBEDDED: &str = include_str!("pricing.toml");
const PER_TOKEN: f64 = 1e-6;
/// Claude Code's context window when the table does not know the model.
pub const DEFAULT_CLAUDE_CONTEXT: u32 = 200_000;

/// Prices of one model, in USD per million tokens.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ModelPrice {
    #[serde(default)]
    pub aliases: Vec<String>,
    pub input: f64,
    pub output: f64,
    #[serde(default)]
    pub cache_read: Option<f64>,
    #[serde(default)]
    pub cache_write_5m: Option<f64>,
    #[serde(default)]
    pub cache_write_1h: Option<f64>,
    #[serde(default)]
    pub context_window: Option<u32>,
    #[serde(default)]
    pub fast: Option<f64>,
    #[serde(default)]
    pub tier_threshold: Option<u64>,
    #[serde(default)]
    pub input_above: Option<f64>,
    #[serde(default)]
    pub output_above: Option<f64>,
    #[serde(default)]
    pub cache_read_above: Option<f64>,
    #[serde(default)]
    pub cache_write_5m_above: Option<f64>,
    #[serde(default)]
    pub cache_write_1h_above: Option<f64>,
}

impl ModelPrice {
    /// The cost of a Claude call.
    pub fn claude_cost(&self, u: &ClaudeUsage) -> f64 {
        let tier = |n: u64, base: f64, above: Option<f64>| match (self.tier_threshold, above) {
            (Some(t), Some(above)) if n > t => t as f64 * base + (n - t) as f64 * above,
            _ => n as f64 * base,
        };
        let write_5m = self.cache_write_5m.unwrap_or(self.input * 1.25);
        let write_1h = self.cache_write_1h.unwrap_or(self.input * 2.0);
        let read = self.cache_read.unwrap_or(self.input * 0.1);
        let cost = tier(u.input, self.input, self.input_above)
            + tier(u.output, self.output, self.output_above)
            + tier(u.cache_write_5m, write_5m, self.cache_write_5m_above)
            + tier(u.cache_write_1h, write_1h, self.cache_write_1h_above)
            + tier(u.cache_read, read, self.cache_read_above);
        let fast = if u.fast {
            self.fast.unwrap_or(1.0)
        } else {
            1.0
        };
        cost * PER_TOKEN * fast
    }

    /// The cost of an OpenAI call.
    pub fn openai_cost(&self, u: &OpenAiUsage) -> f64 {
        let long = self.tier_threshold.is_some_and(|t| u.input > t);
        let pick = |base: f64, above: Option<f64>| if long { above.unwrap_or(base) } else { base };
        let input = pick(self.input, self.input_above);
        let cached = pick(self.cache_read.unwrap_or(self.input), self.cache_read_above);
        let output = pick(self.output, self.output_above);
        let cached_tokens = u.cached.min(u.input);
        let cost = (u.input - cached_tokens) as f64 * input
            + cached_tokens as f64 * cached
            + u.output as f64 * output;
        cost * PER_TOKEN
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PriceFile {
    models: HashMap<String, ModelPrice>,
}

/// A price table could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PriceError {
    #[error("cannot read price file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid price file {path}: {source}")]
    Parse {
        path: String,
        source: toml::de::Error,
    },
}

/// Token counts of one Claude call, as the API reported them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClaudeUsage {
    /// Uncached prompt tokens (`usage.input_tokens`).
    pub input: u64,
    pub output: u64,
    pub cache_read: u64,
    pub cache_write_5m: u64,
    pub cache_write_1h: u64,
    pub fast: bool,
}

/// Token counts of one OpenAI call: `cached` is part of `input`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenAiUsage {
    pub input: u64,
    pub cached: u64,
    pub output: u64,
}

/// The price table.
#[derive(Debug, Clone)]
pub struct Prices {
    models: HashMap<String, ModelPrice>,
    by_alias: HashMap<String, String>,
}

impl Prices {
    /// The table shipped with seqch.
    pub fn embedded() -> Self {
        let file: PriceFile = toml::from_str(EMBEDDED).expect("embedded pricing.toml is valid");
        Self::from_models(file.models)
    }

    /// The shipped table with every model of the file at `path` added or replaced.
    pub fn with_overrides(path: &Path) -> Result<Self, PriceError> {
        let display = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| PriceError::Read {
            path: display.clone(),
            source,
        })?;
        let file: PriceFile = toml::from_str(&text).map_err(|source| PriceError::Parse {
            path: display,
            source,
        })?;
        let mut models = Self::embedded().models;
        models.extend(file.models);
        Ok(Self::from_models(models))
    }

    fn from_models(models: HashMap<String, ModelPrice>) -> Self {
        let by_alias = models
            .iter()
            .flat_map(|(name, p)| p.aliases.iter().map(move |a| (a.clone(), name.clone())))
            .collect();
        Self { models, by_alias }
    }

    /// Finds a model by exact name or alias, then without a `[1m]` suffix, without a date
    /// (`-YYYYMMDD`, `-YYYY-MM-DD`), and with an OpenAI version written with a dash
    /// (`gpt-5-1-codex`, as custom providers spell `gpt-5.1-codex`).
    pub fn get(&self, model: &str) -> Option<&ModelPrice> {
        let exact = |m: &str| {
            self.models
                .get(m)
                .or_else(|| self.by_alias.get(m).and_then(|n| self.models.get(n)))
        };
        let plain = model.strip_suffix("[1m]").unwrap_or(model);
        let undated = strip_date(plain).unwrap_or(plain);
        exact(model)
            .or_else(|| exact(plain))
            .or_else(|| exact(undated))
            .or_else(|| exact(&dotted_version(undated)?))
    }
}

/// Codex's pseudo-model for guardian (auto) reviews.
pub const AUTO_REVIEW: &str = "codex-auto-review";

/// The model Codex's auto review ran on at `ts_ms`: the newest of its fallbacks released by
/// then (Codex's `codex-auto-review-fallbacks.json`, which ccusage prices by too).
pub fn auto_review_model(ts_ms: u64) -> &'static str {
    const RELEASED: [(u64, &str); 6] = [
        (1_776_902_400_000, "gpt-5.5"),       // 2026-04-23
        (1_772_668_800_000, "gpt-5.4"),       // 2026-03-05
        (1_770_249_600_000, "gpt-5.3-codex"), // 2026-02-05
        (1_765_411_200_000, "gpt-5.2-codex"), // 2025-12-11
        (1_762_992_000_000, "gpt-5.1-codex"), // 2025-11-13
        (1_757_894_400_000, "gpt-5-codex"),   // 2025-09-15
    ];
    RELEASED
        .iter()
        .find(|(released, _)| ts_ms >= *released)
        .map_or("gpt-5", |(_, model)| model)
}

/// `model` without a trailing `-YYYYMMDD` or `-YYYY-MM-DD`.
fn strip_date(model: &str) -> Option<&str> {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let (head, tail) = model.rsplit_once('-')?;
    if digits(tail, 8) {
        return Some(head);
    }
    let (head, month) = head.rsplit_once('-')?;
    let (head, year) = head.rsplit_once('-')?;
    (digits(year, 4) && digits(month, 2) && digits(tail, 2)).then_some(head)
}

/// `gpt-5-1-codex` as `gpt-5.1-codex`; `None` when `model` is not spelled that way.
fn dotted_version(model: &str) -> Option<String> {
    let rest = model.strip_prefix("gpt-")?;
    let (major, rest) = rest.split_once('-')?;
    let minor_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (numeric(major) && minor_len > 0).then(|| format!("gpt-{major}.{rest}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1.0)
    }

    #[test]
    fn looks_models_up_by_alias_date_and_1m_suffix() {
        let p = Prices::embedded();
        assert_eq!(p.get("claude-sonnet-4-20250514").unwrap().input, 3.0);
        assert_eq!(p.get("claude-opus-4-6-20991231").unwrap().input, 5.0);
        assert_eq!(p.get("claude-opus-4-6[1m]").unwrap().input, 5.0);
        assert_eq!(p.get("gpt-5.3-codex").unwrap().output, 14.0);
        assert_eq!(p.get("gpt-5.2-2025-12-11").unwrap().output, 14.0);
        assert_eq!(p.get("gpt-5-1-codex-2025-11-13").unwrap().output, 10.0);
        assert_eq!(p.get("gpt-5-2-codex").unwrap().output, 14.0);
        assert_eq!(p.get("gpt-5.6").unwrap().output, 30.0);
        assert!(p.get("gpt-5-turbo").is_none());
        assert!(p.get("claude-opus-4-6-2026-02").is_none());
        // A user's entry for the `[1m]` name itself wins over the plain model's.
        let mut models = Prices::embedded().models;
        let mut long = models["claude-opus-4-6"].clone();
        long.input = 10.0;
        models.insert("claude-opus-4-6[1m]".into(), long);
        assert_eq!(
            Prices::from_models(models)
                .get("claude-opus-4-6[1m]")
                .unwrap()
                .input,
            10.0
        );
        assert!(p.get("gpt-4-turbo").is_none());
        assert!(p.get("<synthetic>").is_none());
    }

    #[test]
    fn auto_review_is_the_newest_fallback_released_by_then() {
        assert_eq!(auto_review_model(1_776_902_400_000), "gpt-5.5");
        assert_eq!(auto_review_model(1_776_902_399_999), "gpt-5.4");
        assert_eq!(auto_review_model(1_765_411_200_000), "gpt-5.2-codex");
        assert_eq!(auto_review_model(1_700_000_000_000), "gpt-5");
    }

    #[test]
    fn claude_cost_tiers_each_category_above_200k() {
        let p = Prices::embedded();
        let u = ClaudeUsage {
            input: 250_000,
            output: 1_000,
            cache_read: 10_000,
            cache_write_5m: 2_000,
            cache_write_1h: 1_000,
            fast: false,
        };
        // sonnet-4-5: 200k*3 + 50k*6, output 1000*15, read 10k*0.3, w5m 2k*3.75, w1h 1k*6
        let want = (200_000.0 * 3.0
            + 50_000.0 * 6.0
            + 1_000.0 * 15.0
            + 10_000.0 * 0.3
            + 2_000.0 * 3.75
            + 1_000.0 * 6.0)
            * 1e-6;
        assert!(close(
            p.get("claude-sonnet-4-5-20250929").unwrap().claude_cost(&u),
            want
        ));
        let fast = ClaudeUsage {
            fast: true,
            input: 1_000_000,
            ..Default::default()
        };
        assert!(close(
            p.get("claude-opus-4-6").unwrap().claude_cost(&fast),
            5.0 * 6.0
        ));
    }

    #[test]
    fn openai_cost_prices_cached_input_apart_and_switches_tier_per_call() {
        let p = Prices::embedded();
        let u = OpenAiUsage {
            input: 1_000,
            cached: 250,
            output: 125,
        };
        assert!(close(
            p.get("gpt-5.2-codex").unwrap().openai_cost(&u),
            (750.0 * 1.75 + 250.0 * 0.175 + 125.0 * 14.0) * 1e-6
        ));
        let long = OpenAiUsage {
            input: 300_000,
            cached: 0,
            output: 1_000,
        };
        assert!(close(
            p.get("gpt-5.5").unwrap().openai_cost(&long),
            (300_000.0 * 10.0 + 1_000.0 * 45.0) * 1e-6
        ));
    }

    #[test]
    fn user_file_overrides_and_adds_models() {
        let dir = std::env::temp_dir().join(format!("seqch-prices-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("p.toml");
        std::fs::write(&f, "[models.\"my-model\"]\ninput = 1.0\noutput = 2.0\n[models.\"gpt-5.5\"]\ninput = 1.0\noutput = 1.0\n").unwrap();
        let p = Prices::with_overrides(&f).unwrap();
        assert_eq!(p.get("my-model").unwrap().output, 2.0);
        assert_eq!(p.get("gpt-5.5").unwrap().input, 1.0);
        std::fs::write(&f, "[models.x]\ninput = \"cheap\"\n").unwrap();
        assert!(
            Prices::with_overrides(&f)
                .unwrap_err()
                .to_string()
                .contains("invalid price file")
        );
    }
}
