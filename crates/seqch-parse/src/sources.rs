//! Where the logs live and how to read them whole: Claude Code's `projects/` trees, Codex's
//! `sessions/` and `archived_sessions/`, plain and `.jsonl.zst`.

use std::collections::HashMap;
use std::io::{self, Seek};
use std::path::{Path, PathBuf};

use crate::parser::{Agent, Fed, FileId, Parser, Sink};

/// One log file to read. Files are read in agent order, then in byte order of their paths
/// (not `Path`'s order by component), so that a session's `<id>.jsonl` comes before the
/// replays in its `<id>/subagents/` files (COUNTING.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFile {
    pub agent: Agent,
    pub path: PathBuf,
}

impl Ord for LogFile {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.agent, self.path.as_os_str()).cmp(&(other.agent, other.path.as_os_str()))
    }
}

impl PartialOrd for LogFile {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Claude Code's project directories: each entry of `$CLAUDE_CONFIG_DIR` (comma-separated)
/// with `/projects`, else `~/.claude/projects` and `~/.config/claude/projects`.
pub fn default_claude_dirs() -> Vec<PathBuf> {
    if let Some(dirs) = std::env::var_os("CLAUDE_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return dirs
            .to_string_lossy()
            .split(',')
            .filter(|d| !d.trim().is_empty())
            .map(|d| Path::new(d.trim()).join("projects"))
            .collect();
    }
    let home = home();
    vec![
        home.join(".claude/projects"),
        home.join(".config/claude/projects"),
    ]
}

/// Codex's sessions directory: `$CODEX_HOME/sessions`, else `~/.codex/sessions`.
/// `archived_sessions/` beside it is read too.
pub fn default_codex_dir() -> PathBuf {
    match std::env::var_os("CODEX_HOME").filter(|d| !d.is_empty()) {
        Some(h) => PathBuf::from(h).join("sessions"),
        None => home().join(".codex/sessions"),
    }
}

/// Every log file of both agents: under `claude_dirs` (none given: the defaults) and
/// `codex_dir` (`None`: the default), Claude's first.
pub fn all_files(claude_dirs: &[PathBuf], codex_dir: Option<&Path>) -> Vec<LogFile> {
    let mut files = if claude_dirs.is_empty() {
        claude_files(&default_claude_dirs())
    } else {
        claude_files(claude_dirs)
    };
    files.extend(codex_files(
        &codex_dir.map_or_else(default_codex_dir, Path::to_path_buf),
    ));
    files
}

fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default()
}

fn walk(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .follow_links(true)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.file_name().to_str().is_some_and(&keep))
        .map(|e| e.into_path())
        .collect()
}

/// Every `*.jsonl` under the Claude directories (sub-agent files included), by path.
pub fn claude_files(dirs: &[PathBuf]) -> Vec<LogFile> {
    let mut files: Vec<_> = dirs
        .iter()
        .flat_map(|d| walk(d, |n| n.ends_with(".jsonl")))
        .map(|path| LogFile {
            agent: Agent::Claude,
            path,
        })
        .collect();
    files.sort();
    files.dedup();
    files
}

/// Every rollout under `sessions_dir` and its sibling `archived_sessions/`, by path. A file name
/// present in both places counts once (the `sessions/` copy wins); a `.jsonl.zst` whose plain
/// `.jsonl` exists is left out.
pub fn codex_files(sessions_dir: &Path) -> Vec<LogFile> {
    let is_log = |n: &str| n.ends_with(".jsonl") || n.ends_with(".jsonl.zst");
    let mut chosen: HashMap<String, (u8, PathBuf)> = HashMap::new();
    let archived = sessions_dir.parent().map(|p| p.join("archived_sessions"));
    let places = [Some(sessions_dir.to_path_buf()), archived];
    for (place, dir) in places.iter().enumerate() {
        let Some(dir) = dir else { continue };
        for path in walk(dir, is_log) {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            let plain = name.strip_suffix(".zst").unwrap_or(name).to_owned();
            // Lower rank wins: sessions before archived, plain before compressed.
            let rank = (place as u8) * 2 + u8::from(name.ends_with(".zst"));
            match chosen.get(&plain) {
                Some((r, _)) if *r <= rank => {}
                _ => {
                    chosen.insert(plain, (rank, path));
                }
            }
        }
    }
    let mut files: Vec<_> = chosen
        .into_values()
        .map(|(_, path)| LogFile {
            agent: Agent::Codex,
            path,
        })
        .collect();
    files.sort();
    files
}

/// Reads a whole log, decompressing `.zst`.
pub fn read_log(path: &Path) -> io::Result<Vec<u8>> {
    if is_zst(path) {
        zstd::decode_all(std::fs::File::open(path)?)
    } else {
        std::fs::read(path)
    }
}

/// Reads a whole log (decompressed, for `.zst`) and parses its complete lines.
fn feed_log(
    parser: &mut Parser,
    id: FileId,
    path: &Path,
    buf: &mut Vec<u8>,
    sink: &mut dyn Sink,
) -> io::Result<Fed> {
    if is_zst(path) {
        return feed_zst(parser, id, path, 0, buf, sink);
    }
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata()?.len();
    let mut fed = Fed::default();
    // A read error after some lines were parsed ends a call with those lines: reading on from
    // there returns an error that persists (the file is then reported unreadable) or the rest.
    while fed.used < len {
        f.seek(io::SeekFrom::Start(fed.used))?;
        let more = parser.feed_from(id, fed.used, &mut f, len - fed.used, buf, sink)?;
        fed.read = fed.used + more.read;
        if more.used == 0 {
            break; // the rest is an incomplete last line (or the file shrank)
        }
        fed.used += more.used;
    }
    Ok(fed)
}

/// Parses a `.zst` log's complete lines from byte `from` of its decompressed text on. It is
/// decompressed whole: an archived session is read once.
pub fn feed_zst(
    parser: &mut Parser,
    id: FileId,
    path: &Path,
    from: u64,
    buf: &mut Vec<u8>,
    sink: &mut dyn Sink,
) -> io::Result<Fed> {
    let all = read_log(path)?;
    let rest = &all[(from as usize).min(all.len())..];
    parser.feed_from(id, from, &mut &rest[..], rest.len() as u64, buf, sink)
}

/// Whether a log is zstd-compressed (an archived session), read whole and decompressed.
pub fn is_zst(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "zst")
}

/// What a one-shot pass read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanStats {
    pub files: u64,
    pub bytes: u64,
    /// Files that could not be read, with the error.
    pub unreadable: Vec<(PathBuf, String)>,
}

/// Reads every file whole, in order, into `parser`, then finishes the pass.
pub fn scan(files: &[LogFile], parser: &mut Parser, sink: &mut dyn Sink) -> ScanStats {
    let mut stats = ScanStats::default();
    let ids: Vec<_> = files
        .iter()
        .map(|f| parser.open(f.agent, &f.path))
        .collect();
    let mut buf = Vec::new();
    for (file, id) in files.iter().zip(ids) {
        match feed_log(parser, id, &file.path, &mut buf, sink) {
            Ok(fed) => {
                stats.files += 1;
                stats.bytes += fed.read;
                parser.incomplete_tail((fed.read - fed.used) as usize);
            }
            Err(e) => stats.unreadable.push((file.path.clone(), e.to_string())),
        }
    }
    parser.finish(sink);
    stats
}
