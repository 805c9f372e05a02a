//! Durable per-file read positions: identity (device, inode, hash of the first line) and the
//! offset just past the last line whose rows ClickHouse (or the spool) has acknowledged.
//! Written atomically (temp file, fsync, rename, directory fsync).

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{Read, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// Who a file is, so that a replaced or rotated file is never taken for the old one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub dev: u64,
    pub ino: u64,
    /// xxh3 of the first line, or of the first 64 KiB when no line ends there (0 while the
    /// file has no complete line and is shorter).
    pub head: u64,
}

impl Identity {
    /// Reads a file's identity: its first line, read 4 KiB at a time (it is checked on every
    /// read of a growing file), at most its first 64 KiB.
    pub fn of(path: &Path) -> std::io::Result<(Identity, u64)> {
        const MOST: usize = 64 << 10;
        let meta = fs::metadata(path)?;
        let mut file = File::open(path)?;
        let mut head = Vec::with_capacity(4096);
        let hash = loop {
            let before = head.len();
            (&mut file)
                .take((MOST - before).min(4096) as u64)
                .read_to_end(&mut head)?;
            if let Some(nl) = memchr::memchr(b'\n', &head[before..]) {
                break xxhash_rust::xxh3::xxh3_64(&head[..before + nl]);
            }
            if head.len() == MOST {
                break xxhash_rust::xxh3::xxh3_64(&head);
            }
            if head.len() == before {
                break 0; // no complete line yet
            }
        };
        Ok((
            Identity {
                dev: meta.dev(),
                ino: meta.ino(),
                head: hash,
            },
            meta.len(),
        ))
    }

    /// The same file, possibly grown (a head not yet known matches any).
    pub fn same_file(&self, now: &Identity) -> bool {
        self.dev == now.dev && self.ino == now.ino && (self.head == 0 || self.head == now.head)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileCheckpoint {
    pub identity: Identity,
    pub offset: u64,
}

/// The tailer's state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoints {
    pub version: u32,
    /// First start was `--from-now`: files seen then were primed to their end.
    pub from_now: bool,
    pub files: BTreeMap<PathBuf, FileCheckpoint>,
}

impl Checkpoints {
    pub fn load(path: &Path) -> Result<Option<Checkpoints>> {
        match fs::read(path) {
            Ok(bytes) => Ok(Some(serde_json::from_slice(&bytes).with_context(|| {
                format!("invalid checkpoint file {}", path.display())
            })?)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        let dir = path.parent().context("checkpoint path has no directory")?;
        fs::create_dir_all(dir)?;
        let tmp = path.with_extension("tmp");
        let mut f = File::create(&tmp).with_context(|| format!("writing {}", tmp.display()))?;
        f.write_all(&serde_json::to_vec(self)?)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        File::open(dir)?.sync_all()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_head_is_the_first_line_or_the_first_64_kib() {
        let dir = std::env::temp_dir().join(format!("seqch-head-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let p = dir.join("h.jsonl");
        let xxh = xxhash_rust::xxh3::xxh3_64;
        for first in [0, 1, 4095, 4096, 4097, 10_000, 65_535] {
            let line = "x".repeat(first);
            fs::write(&p, format!("{line}\nrest\n")).unwrap();
            assert_eq!(
                Identity::of(&p).unwrap().0.head,
                xxh(line.as_bytes()),
                "{first}"
            );
        }
        let long = "y".repeat(100_000);
        fs::write(&p, &long).unwrap();
        assert_eq!(
            Identity::of(&p).unwrap().0.head,
            xxh(&long.as_bytes()[..64 << 10])
        );
        fs::write(&p, &long[..(64 << 10) - 1]).unwrap();
        assert_eq!(Identity::of(&p).unwrap().0.head, 0);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn identity_follows_the_file_not_the_name() {
        let dir = std::env::temp_dir().join(format!("seqch-ckpt-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let p = dir.join("a.jsonl");
        fs::write(&p, "{\"a\":1}").unwrap();
        let (partial, _) = Identity::of(&p).unwrap();
        assert_eq!(partial.head, 0);
        fs::write(&p, "{\"a\":1}\n{\"b\":2}\n").unwrap();
        let (full, len) = Identity::of(&p).unwrap();
        assert!(partial.same_file(&full) && len == 16);
        fs::remove_file(&p).unwrap();
        fs::write(&p, "{\"other\":1}\n").unwrap();
        let (replaced, _) = Identity::of(&p).unwrap();
        assert!(!full.same_file(&replaced));

        let ck = Checkpoints {
            version: 1,
            from_now: true,
            files: [(
                p.clone(),
                FileCheckpoint {
                    identity: full,
                    offset: 8,
                },
            )]
            .into(),
        };
        let file = dir.join("state/checkpoints.json");
        ck.save(&file).unwrap();
        assert_eq!(Checkpoints::load(&file).unwrap(), Some(ck));
        fs::remove_dir_all(&dir).unwrap();
    }
}
