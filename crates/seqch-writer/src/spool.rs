//! The durable spool: batches the server has not taken yet, one file each, written atomically
//! (temp file, fsync, rename, directory fsync) and replayed oldest first, also after a restart.
//! Permanently rejected batches move to `dead/` beside the server's message.
//!
//! Several writers may share a spool directory (two handles in one process, seqd and an agent
//! on one machine): each uses `<dir>/<server>/<slot>/`, where `<server>` is a hash of the
//! server's URL, so a batch is only ever sent where it was meant to go, and `<slot>` is the
//! first numbered directory whose `lock` file no other writer holds (an exclusive lock for the
//! writer's life, released by the system when its process dies). So no two writers write or
//! replay the same files. A writer adopts the batches of its server's slots nobody holds (left
//! by a writer that is gone), so every batch is sent by someone.

use std::collections::BTreeMap;
use std::fs::{self, File, TryLockError};
use std::io::{self, BufRead, Write};
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

/// One writer's spool directory, held for as long as the value lives.
pub struct Spool {
    /// The server's directory, holding the slots.
    server: PathBuf,
    dir: PathBuf,
    next: u64,
    /// The batches waiting, oldest first, with their table and size: the directory is this
    /// writer's alone, so this is all of it.
    waiting: BTreeMap<PathBuf, (String, u64)>,
    /// Their sizes' sum, looked at on every pass of the flusher.
    bytes: u64,
    /// Holds the slot's lock.
    _lock: File,
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Creates a directory and its missing parents readable by the user alone: batches hold
/// commands and prompts.
fn create_private(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Makes an existing directory of ours readable by the user alone (spools made before
/// directories were created so).
fn make_private(dir: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if fs::metadata(dir).is_ok_and(|m| m.permissions().mode() & 0o077 != 0) {
            let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
        }
    }
}

/// The `lock` of a slot directory, locked, or `None` when another writer holds it.
fn lock(slot: &Path) -> io::Result<Option<File>> {
    create_private(&slot.join("dead"))?;
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(slot.join("lock"))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(e)) => Err(e),
    }
}

/// The batch files of a directory, oldest first.
fn batches(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "batch"))
        .collect();
    files.sort();
    Ok(files)
}

/// The sequence numbers of the files in `dir`.
fn sequence_numbers(dir: &Path) -> impl Iterator<Item = u64> {
    fs::read_dir(dir)
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
}

/// The directory of the batches for the server at `url`, under the spool directory `root`.
pub fn server_dir(root: &Path, url: &str) -> PathBuf {
    // A hash, not the URL: a URL may hold credentials.
    root.join(format!(
        "{:016x}",
        xxhash_rust::xxh3::xxh3_64(url.trim_end_matches('/').as_bytes())
    ))
}

impl Spool {
    /// Opens (creating) a slot of the spool `root` for the server at `url`, with the batches
    /// earlier writers left for that server.
    pub fn open(root: &Path, url: &str) -> io::Result<Self> {
        let server = server_dir(root, url);
        let (dir, held) = (0..)
            .map(|n| server.join(n.to_string()))
            .find_map(|slot| match lock(&slot) {
                Ok(Some(held)) => Some(Ok((slot, held))),
                Ok(None) => None,
                Err(e) => Some(Err(e)),
            })
            .expect("slots are unbounded")?;
        for dir in [&server, &dir] {
            make_private(dir);
        }
        let mut spool = Self {
            server,
            // Sequence numbers continue after every batch present, dead ones included, so that
            // a name is never reused.
            next: sequence_numbers(&dir)
                .chain(sequence_numbers(&dir.join("dead")))
                .max()
                .map_or(0, |n| n + 1),
            dir,
            waiting: BTreeMap::new(),
            bytes: 0,
            _lock: held,
        };
        for path in batches(&spool.dir)? {
            spool.note_file(path)?;
        }
        spool.adopt_orphans()?;
        // Batches of the layout before server directories.
        spool.adopt(root)?;
        Ok(spool)
    }

    /// Takes over the batches of the server's slots no writer holds (their writers are gone);
    /// at open, and from time to time, for a writer that ends while others go on. True when it
    /// took any.
    pub fn adopt_orphans(&mut self) -> io::Result<bool> {
        let before = self.waiting.len();
        for slot in fs::read_dir(&self.server)?.flatten() {
            let slot = slot.path();
            if slot != self.dir
                && slot.is_dir()
                && let Some(_held) = lock(&slot)?
            {
                self.adopt(&slot)?;
            }
        }
        Ok(self.waiting.len() > before)
    }

    /// Adds a batch file of this slot to the index.
    fn note_file(&mut self, path: PathBuf) -> io::Result<()> {
        let len = fs::metadata(&path)?.len();
        // An unreadable header still waits: its replay moves it to `dead/`.
        let table = header_table(&path).unwrap_or_default();
        self.note(path, table, len);
        Ok(())
    }

    fn note(&mut self, path: PathBuf, table: String, len: u64) {
        self.bytes += len;
        self.waiting.insert(path, (table, len));
    }

    /// Forgets a batch that left the directory.
    fn forget(&mut self, path: &Path) {
        if let Some((_, len)) = self.waiting.remove(path) {
            self.bytes = self.bytes.saturating_sub(len);
        }
    }

    /// Moves the batches of `dir`, which no writer uses, into this slot, in their order.
    fn adopt(&mut self, dir: &Path) -> io::Result<()> {
        let orphans = batches(dir)?;
        for orphan in &orphans {
            let name = self.next_name();
            let path = self.dir.join(name);
            match fs::rename(orphan, &path) {
                Ok(()) => self.note_file(path)?,
                // Another writer adopting the same old-layout batch took it first.
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        if !orphans.is_empty() {
            sync_dir(&self.dir)?;
            sync_dir(dir)?;
        }
        Ok(())
    }

    /// The name of the next batch file.
    fn next_name(&mut self) -> String {
        // The pid tells which process wrote a batch.
        let name = format!("{:020}-{}.batch", self.next, std::process::id());
        self.next += 1;
        name
    }

    /// This writer's directory (its `dead/` is beside its batches).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Spooled batch files, oldest first.
    pub fn pending(&self) -> Vec<PathBuf> {
        self.waiting.keys().cloned().collect()
    }

    /// The table of a waiting batch.
    pub fn table(&self, path: &Path) -> Option<&str> {
        self.waiting.get(path).map(|(table, _)| table.as_str())
    }

    /// Whether batches of `table` (`database.table`) wait: a new one must go after them.
    pub fn holds(&self, table: &str) -> bool {
        self.waiting.values().any(|(t, _)| t == table)
    }

    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Writes a batch durably; returns its file.
    pub fn push(&mut self, batch: &Batch) -> io::Result<PathBuf> {
        let name = self.next_name();
        let tmp = self.dir.join(format!("{name}.tmp"));
        let path = self.dir.join(&name);
        let mut options = File::options();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut f = options.open(&tmp)?;
        f.write_all(batch.header().as_bytes())?;
        f.write_all(&batch.data)?;
        f.sync_all()?;
        fs::rename(&tmp, &path)?;
        sync_dir(&self.dir)?;
        let len = fs::metadata(&path)?.len();
        self.note(path.clone(), batch.table.clone(), len);
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
        let [table, columns, rows, token] = header_fields(header).ok_or_else(bad)?;
        Ok(Batch {
            table: table.into(),
            columns: columns.into(),
            rows: rows.parse().map_err(|_| bad())?,
            token: token.into(),
            data: bytes::Bytes::from(bytes).slice(nl + 1..),
        })
    }

    /// Forgets a batch the server took.
    pub fn remove(&mut self, path: &Path) -> io::Result<()> {
        match fs::remove_file(path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => self.forget(path),
        }
        Ok(())
    }

    /// Moves a batch the server refused for good to `dead/`, with the server's message beside it.
    /// A batch whose file is gone (removed by hand) is forgotten.
    pub fn kill(&mut self, path: &Path, message: &str) -> io::Result<()> {
        let dead = self
            .dir
            .join("dead")
            .join(path.file_name().unwrap_or_default());
        match fs::rename(path, &dead) {
            Ok(()) => self.forget(path),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                self.forget(path);
                return Ok(());
            }
            Err(e) => return Err(e),
        }
        // The batch is in `dead/` now: its message is best effort.
        let _ = fs::write(dead.with_extension("error.txt"), message);
        let _ = sync_dir(&self.dir);
        Ok(())
    }
}

/// A batch file's header line (without its newline) as table, columns, rows and token.
fn header_fields(header: &str) -> Option<[&str; 4]> {
    match header.split('\t').collect::<Vec<_>>()[..] {
        ["seqch-batch 1", table, columns, rows, token] => Some([table, columns, rows, token]),
        _ => None,
    }
}

/// The `database.table` in a batch file's header line.
fn header_table(path: &Path) -> io::Result<String> {
    let mut line = String::new();
    io::BufReader::new(File::open(path)?).read_line(&mut line)?;
    header_fields(line.strip_suffix('\n').unwrap_or(&line))
        .map(|[table, ..]| table.to_owned())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no batch header"))
}

/// The spool directory used when a writer's own cannot be created (a read-only home, a
/// sandbox): `$TMPDIR/seqch-spool-$USER`, if it belongs to this user alone (in a shared `/tmp`
/// another user could have made it first, to read the batches or plant some).
pub fn temp_root() -> io::Result<PathBuf> {
    let user = std::env::var("USER").unwrap_or_default();
    let root = std::env::temp_dir().join(format!("seqch-spool-{user}"));
    create_private(&root)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        use std::sync::atomic::{AtomicU64, Ordering};
        static PROBES: AtomicU64 = AtomicU64::new(0);
        let dir = fs::symlink_metadata(&root)?;
        if !dir.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!("{} is not a directory", root.display()),
            ));
        }
        let n = PROBES.fetch_add(1, Ordering::Relaxed);
        let probe = root.join(format!(".owner-{}-{n}", std::process::id()));
        File::create(&probe)?;
        let me = fs::metadata(&probe).map(|m| m.uid());
        fs::remove_file(&probe)?;
        if dir.uid() != me? {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!("{} belongs to another user", root.display()),
            ));
        }
    }
    make_private(&root);
    Ok(root)
}

/// What a spool directory holds, over all servers and slots.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Census {
    /// Batches waiting to be sent, and their bytes.
    pub batches: u64,
    pub bytes: u64,
    /// Batches the server refused for good (in the `dead/` directories).
    pub dead: u64,
}

/// Counts the batches under the spool directory `root`.
pub fn census(root: &Path) -> Census {
    fn walk(dir: &Path, dead: bool, c: &mut Census) {
        for e in fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = e.path();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                walk(&path, dead || e.file_name() == "dead", c);
            } else if path.extension().is_some_and(|x| x == "batch") {
                if dead {
                    c.dead += 1;
                } else {
                    c.batches += 1;
                    c.bytes += e.metadata().map_or(0, |m| m.len());
                }
            }
        }
    }
    let mut c = Census::default();
    walk(root, false, &mut c);
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "http://127.0.0.1:8123";

    fn b(n: u8) -> Batch {
        Batch {
            table: "agent.turns".into(),
            columns: "a,b".into(),
            rows: 2,
            token: format!("t{n}"),
            data: vec![n, b'\n', 0].into(),
        }
    }

    fn fresh(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("seqch-spool-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn batches_survive_a_reopen_in_order() {
        let dir = fresh("reopen");
        let mut s = Spool::open(&dir, URL).unwrap();
        s.push(&b(1)).unwrap();
        s.push(&b(2)).unwrap();
        drop(s);
        let mut s = Spool::open(&dir, URL).unwrap();
        let files = s.pending();
        assert_eq!(files.len(), 2);
        assert_eq!(Spool::read(&files[0]).unwrap(), b(1));
        assert_eq!(Spool::read(&files[1]).unwrap(), b(2));
        let third = s.push(&b(3)).unwrap();
        assert!(third > files[1], "{third:?} {files:?}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!((mode(&third), mode(s.dir())), (0o600, 0o700));
        }
        s.kill(&files[0], "Code: 53").unwrap();
        s.remove(&files[1]).unwrap();
        assert_eq!(s.pending(), vec![third.clone()]);
        // A reopened spool with nothing pending never takes a name still in use, not even a
        // dead batch's (whose file and message a later kill would otherwise overwrite).
        s.remove(&third).unwrap();
        drop(s);
        let mut s = Spool::open(&dir, URL).unwrap();
        let fourth = s.push(&b(4)).unwrap();
        assert!(fourth.file_name() > files[0].file_name(), "{fourth:?}");
        assert_eq!(
            fs::read_to_string(
                s.dir()
                    .join("dead")
                    .join(files[0].file_name().unwrap())
                    .with_extension("error.txt")
            )
            .unwrap(),
            "Code: 53"
        );
        assert_eq!(
            census(&dir),
            Census {
                batches: 1,
                bytes: fs::metadata(&fourth).unwrap().len(),
                dead: 1
            }
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    /// Two writers of one process spooling at once never share a file, and the batches of a
    /// writer that is gone are adopted by the next one.
    #[test]
    fn writers_sharing_a_directory_hold_their_own_slots() {
        let dir = fresh("slots");
        let mut one = Spool::open(&dir, URL).unwrap();
        let mut two = Spool::open(&dir, URL).unwrap();
        assert_ne!(one.dir(), two.dir());
        let a = one.push(&b(1)).unwrap();
        let c = two.push(&b(2)).unwrap();
        assert_eq!(one.pending(), vec![a.clone()]);
        assert_eq!(two.pending(), vec![c.clone()]);
        assert_eq!(
            (Spool::read(&a).unwrap(), Spool::read(&c).unwrap()),
            (b(1), b(2))
        );
        drop(two);
        // A third writer takes the second's slot and batch, while the first still runs.
        let three = Spool::open(&dir, URL).unwrap();
        let pending = three.pending();
        assert_eq!(pending.len(), 1);
        assert_eq!(Spool::read(&pending[0]).unwrap(), b(2));
        // When the third ends, the first (still running) takes its batch over.
        drop(three);
        assert!(one.adopt_orphans().unwrap());
        assert!(!one.adopt_orphans().unwrap());
        let read: Vec<Batch> = one
            .pending()
            .iter()
            .map(|p| Spool::read(p).unwrap())
            .collect();
        assert_eq!(read, vec![b(1), b(2)]);
        assert!(one.holds("agent.turns") && !one.holds("agent.tool_calls"));
        assert_eq!(one.bytes(), census(&dir).bytes);
        fs::remove_dir_all(&dir).unwrap();
    }

    /// A batch is only ever replayed to the server it was meant for.
    #[test]
    fn another_server_never_sees_a_batch() {
        let dir = fresh("servers");
        let mut s = Spool::open(&dir, URL).unwrap();
        s.push(&b(1)).unwrap();
        drop(s);
        let other = Spool::open(&dir, "http://10.0.0.2:8123").unwrap();
        assert_eq!((other.pending().len(), other.bytes()), (0, 0));
        drop(other);
        // A trailing slash is the same server.
        let same = Spool::open(&dir, "http://127.0.0.1:8123/").unwrap();
        assert_eq!(same.pending().len(), 1);
        fs::remove_dir_all(&dir).unwrap();
    }

    /// Batches left in the spool directory itself (the layout before server directories) are
    /// adopted rather than left behind.
    #[test]
    fn batches_of_the_old_layout_are_adopted() {
        let dir = fresh("legacy");
        fs::create_dir_all(&dir).unwrap();
        let mut s = Spool::open(&dir, URL).unwrap();
        let path = s.push(&b(7)).unwrap();
        drop(s);
        fs::rename(&path, dir.join("00000000000000000003-1.batch")).unwrap();
        let s = Spool::open(&dir, URL).unwrap();
        let pending = s.pending();
        assert_eq!(pending.len(), 1);
        assert_eq!(Spool::read(&pending[0]).unwrap(), b(7));
        assert_eq!(census(&dir).batches, 1);
        fs::remove_dir_all(&dir).unwrap();
    }
}
