//! The configuration file (`~/.config/seqch/config.toml`, or `--config`/`$SEQCH_CONFIG`):
//! the lowest layer, under environment variables and flags. Every key is optional.
//!
//! ```toml
//! url = "http://127.0.0.1:8123"
//! user = "seqch"
//! password = "…"
//! database_prefix = ""
//! mode = "http"            # http | file | mirror | off
//! claude_dirs = ["~/.claude/projects"]
//! codex_dir = "~/.codex/sessions"
//! state_dir = "~/.local/state/seqch"
//! poll_ms = 100
//! rescan_ms = 3000
//! grace_ms = 300
//! forget_after_ms = 300000  # a file that disappeared is forgotten after this long
//!
//! [handoff]                # `run` refreshes a project's brief when a session starts there
//! enabled = false
//! max_bytes = 4096
//! tz = "Europe/Berlin"     # default: the system's time zone
//!
//! [budget]                 # defaults of `seqch-tail budget`
//! daily_limit_usd = 20.0
//! rate_limit_pct = 95.0
//! tz = "Europe/Berlin"     # default: the system's time zone
//! ```

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub url: Option<String>,
    pub user: Option<String>,
    pub password: Option<String>,
    pub database_prefix: Option<String>,
    pub mode: Option<String>,
    pub claude_dirs: Option<Vec<PathBuf>>,
    pub codex_dir: Option<PathBuf>,
    pub state_dir: Option<PathBuf>,
    pub poll_ms: Option<u64>,
    pub rescan_ms: Option<u64>,
    pub grace_ms: Option<u64>,
    pub forget_after_ms: Option<u64>,
    pub handoff: Option<HandoffConfig>,
    pub budget: Option<BudgetConfig>,
}

/// `[handoff]`: keep the memory files of a project current as sessions start there.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandoffConfig {
    /// Off unless set: the brief is written into the user's project directory.
    #[serde(default)]
    pub enabled: bool,
    pub max_bytes: Option<usize>,
    pub tz: Option<String>,
}

/// `[budget]`: the limits `seqch-tail budget` judges against, under its flags.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetConfig {
    pub daily_limit_usd: Option<f64>,
    pub rate_limit_pct: Option<f64>,
    pub tz: Option<String>,
}

/// The system's time zone as an IANA name (`$TZ`, else `/etc/localtime`): days are the user's
/// days unless `--tz` says otherwise, as in ccusage. UTC when the zone has no IANA name (a POSIX
/// `$TZ` rule), since ClickHouse takes only names.
pub fn system_time_zone() -> String {
    jiff::tz::TimeZone::try_system()
        .ok()
        .and_then(|tz| tz.iana_name().map(str::to_owned))
        .unwrap_or_else(|| "UTC".into())
}

/// The time zone of an IANA name given by the user.
pub fn time_zone(name: &str) -> Result<jiff::tz::TimeZone> {
    jiff::tz::TimeZone::get(name).with_context(|| format!("unknown time zone {name:?}"))
}

/// `--config`, else `$SEQCH_CONFIG`, else `$XDG_CONFIG_HOME/seqch/config.toml`, else
/// `~/.config/seqch/config.toml`.
pub fn path(flag: Option<&Path>) -> PathBuf {
    if let Some(p) = flag {
        return p.to_path_buf();
    }
    if let Some(p) = std::env::var_os("SEQCH_CONFIG").filter(|p| !p.is_empty()) {
        return p.into();
    }
    std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .unwrap_or_default()
        .join("seqch/config.toml")
}

/// `~/x` → `$HOME/x`.
fn expand(p: PathBuf) -> PathBuf {
    match (p.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => p,
    }
}

/// Reads the file; a missing file is an empty configuration.
pub fn load(path: &Path) -> Result<FileConfig> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileConfig::default()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let mut c: FileConfig = toml::from_str(&text)
        .with_context(|| format!("invalid configuration file {}", path.display()))?;
    c.claude_dirs = c.claude_dirs.map(|d| d.into_iter().map(expand).collect());
    c.codex_dir = c.codex_dir.map(expand);
    c.state_dir = c.state_dir.map(expand);
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_key_and_refuses_unknown_ones() {
        let dir = std::env::temp_dir().join(format!("seqch-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("config.toml");
        assert_eq!(load(&p).unwrap(), FileConfig::default());
        std::fs::write(&p, "url = \"http://ch:8123\"\npassword = \"pw\"\npoll_ms = 50\nclaude_dirs = [\"/a\", \"/b\"]\n").unwrap();
        let c = load(&p).unwrap();
        assert_eq!(c.url.as_deref(), Some("http://ch:8123"));
        assert_eq!(c.poll_ms, Some(50));
        assert_eq!(
            c.claude_dirs,
            Some(vec![PathBuf::from("/a"), PathBuf::from("/b")])
        );
        std::fs::write(&p, "urll = \"x\"\n").unwrap();
        assert!(format!("{:#}", load(&p).unwrap_err()).contains("unknown field"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
