//! The durable spool: batches the server has not taken yet, one file each, written atomically
//! (temp file, fsync, rename, directory fsync) and replayed oldest first, also after a restart.
//! Permanently rejected batches move to `dead/` beside the server's message.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// One batch: where it goes and its RowBinary rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// `database.table`.
    pub table: String,
    /// The column list of the INSERT, comma-separated.
    pub columns: String,
    pub rows: u64,
    /// The `insert_deduplication_token`: the same batch always carries the same token.
    pub token: String,
    /// Shared, so a send and the spool use the same bytes without copying them.
    pub data: bytes::Bytes,
}

impl Batch {
    fn header(&self) -> String {
        format!(
            "seqch-batch 1\t{}\t{}\t{}\t{}\n",
            self.table, self.columns, self.rows, self.token
        )
    }
}

/// The spool directory.
pub struct Spool {
    dir: PathBuf,
    next: u64,
    bytes: u64,
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

impl Spool {
    /// Opens (creating) the spool and finds the batches a previous process left.
    pub fn open(dir: &Path) -> io::Result<Self> {
        fs::create_dir_all(dir.join("dead"))?;
        let mut spool = Self {
            dir: dir.to_path_buf(),
            next: 0,
            bytes: 0,
        };
        for p in spool.pending()? {
            spool.bytes += fs::metadata(&p)?.len();
        }
        // Sequence numbers continue after every batch present, dead ones included, so that a
        // name is never reused.
        let seen = |d: &Path| -> Vec<u64> {
            fs::read_dir(d)
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|e| {
                    e.file_name()
                        .to_str()?
                        .split(['-', '.'])
                        .next()?
                        .parse()
                        .ok()
                })
                .collect()
        };
        spool.next = seen(dir)
            .into_iter()
            .chain(seen(&dir.join("dead")))
            .max()
            .map_or(0, |n| n + 1);
        Ok(spool)
    }

    /// Spooled batch files, oldest first.
    pub fn pending(&self) -> io::Result<Vec<PathBuf>> {
        let mut files: Vec<PathBuf> = fs::read_dir(&self.dir)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "batch"))
            .collect();
        files.sort();
        Ok(files)
    }

    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Writes a batch durably; returns its file.
    pub fn push(&mut self, batch: &Batch) -> io::Result<PathBuf> {
        // The pid keeps two processes that share a spool from writing the same name.
        let name = format!("{:020}-{}.batch", self.next, std::process::id());
        self.next += 1;
        let tmp = self.dir.join(format!("{name}.tmp"));
        let path = self.dir.join(&name);
        let mut f = File::create(&tmp)?;
        f.write_all(batch.header().as_bytes())?;
        f.write_all(&batch.data)?;
        f.sync_all()?;
        fs::rename(&tmp, &path)?;
        sync_dir(&self.dir)?;
        self.bytes += fs::metadata(&path)?.len();
        Ok(path)
    }

    /// Reads a spooled batch.
    pub fn read(path: &Path) -> io::Result<Batch> {
        let bytes = fs::read(path)?;
        let bad = || {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{} is not a seqch batch", path.display()),
            )
        };
        let nl = bytes.iter().position(|b| *b == b'\n').ok_or_else(bad)?;
        let header = std::str::from_utf8(&bytes[..nl]).map_err(|_| bad())?;
        let f: Vec<&str> = header.split('\t').collect();
        if f.len() != 5 || f[0] != "seqch-batch 1" {
            return Err(bad());
        }
        Ok(Batch {
            table: f[1].into(),
            columns: f[2].into(),
            rows: f[3].parse().map_err(|_| bad())?,
            token: f[4].into(),
            data: bytes::Bytes::from(bytes).slice(nl + 1..),
        })
    }

    /// Forgets a batch the server took.
    pub fn remove(&mut self, path: &Path) -> io::Result<()> {
        let len = fs::metadata(path)?.len();
        fs::remove_file(path)?;
        self.bytes = self.bytes.saturating_sub(len);
        Ok(())
    }

    /// Moves a batch the server refused for good to `dead/`, with the server's message beside it.
    pub fn kill(&mut self, path: &Path, message: &str) -> io::Result<()> {
        let len = fs::metadata(path)?.len();
        let dead = self
            .dir
            .join("dead")
            .join(path.file_name().unwrap_or_default());
        fs::rename(path, &dead)?;
        fs::write(dead.with_extension("error.txt"), message)?;
        sync_dir(&self.dir)?;
        self.bytes = self.bytes.saturating_sub(len);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_survive_a_reopen_in_order() {
        let dir = std::env::temp_dir().join(format!("seqch-spool-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let b = |n: u8| Batch {
            table: "agent.turns".into(),
            columns: "a,b".into(),
            rows: 2,
            token: format!("t{n}"),
            data: vec![n, b'\n', 0].into(),
        };
        let mut s = Spool::open(&dir).unwrap();
        s.push(&b(1)).unwrap();
        s.push(&b(2)).unwrap();
        let mut s = Spool::open(&dir).unwrap();
        let files = s.pending().unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(Spool::read(&files[0]).unwrap(), b(1));
        assert_eq!(Spool::read(&files[1]).unwrap(), b(2));
        let third = s.push(&b(3)).unwrap();
        assert!(third > files[1], "{third:?} {files:?}");
        s.kill(&files[0], "Code: 53").unwrap();
        s.remove(&files[1]).unwrap();
        assert_eq!(s.pending().unwrap(), vec![third.clone()]);
        // A reopened spool with nothing pending never takes a name still in use, not even a
        // dead batch's (whose file and message a later kill would otherwise overwrite).
        s.remove(&third).unwrap();
        let mut s = Spool::open(&dir).unwrap();
        let fourth = s.push(&b(4)).unwrap();
        assert!(fourth.file_name() > files[0].file_name(), "{fourth:?}");
        assert_eq!(
            fs::read_to_string(
                dir.join("dead")
                    .join(files[0].file_name().unwrap())
                    .with_extension("error.txt")
            )
            .unwrap(),
            "Code: 53"
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
