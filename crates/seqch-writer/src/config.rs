//! What the writer does with rows and where: modes, server, batching, spool.

use std::path::PathBuf;
use std::time::Duration;

use crate::schema::Databases;

/// Where rows go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Insert into ClickHouse over HTTP.
    Http,
    /// JSONEachRow files per table (ClickHouse reads them with `file()`; `seqch-tail replay`
    /// sends them later). The default when no server is configured.
    File,
    /// Both.
    Mirror,
    /// Nothing (rows are counted and dropped).
    Off,
}

impl Mode {
    /// `SEQ_CH_MODE` as seqd and its deployments spell it: `native`/`local`/`remote`/
    /// `remote-only`/`http` send to the server, `mirror`/`dual` send and write files,
    /// `file`/`spool` write files, `off`/`none` drop.
    pub fn parse(s: &str) -> Option<Mode> {
        match s.trim().to_ascii_lowercase().as_str() {
            "http" | "native" | "local" | "remote" | "remote-only" => Some(Mode::Http),
            "mirror" | "dual" => Some(Mode::Mirror),
            "file" | "spool" => Some(Mode::File),
            "off" | "none" => Some(Mode::Off),
            _ => None,
        }
    }

    pub fn sends(self) -> bool {
        matches!(self, Mode::Http | Mode::Mirror)
    }

    pub fn writes_files(self) -> bool {
        matches!(self, Mode::File | Mode::Mirror)
    }
}

/// The writer's configuration. `Default` is file mode under the user's state directory.
#[derive(Debug, Clone)]
pub struct WriterConfig {
    pub mode: Mode,
    /// ClickHouse HTTP URL.
    pub url: String,
    pub user: Option<String>,
    pub password: Option<String>,
    pub databases: Databases,
    /// Where `seq.mem_events` and `seq.trace_events` go (v1 writes them into the database given
    /// to `seq_ch_writer_create`); `None`: `databases.seq`.
    pub event_database: Option<String>,
    /// A batch is sent when it has this many rows …
    pub batch_rows: usize,
    /// … or this many bytes …
    pub batch_bytes: usize,
    /// … or its first row is this old.
    pub flush_interval: Duration,
    /// Bytes of each producer thread's ring, where its pushes wait for the flusher (rounded up
    /// to a power of two) …
    pub ring_bytes: usize,
    /// … and rows waiting in the shared queue that takes what a full ring cannot (and rows too
    /// large for a ring); pushes beyond both are refused and counted.
    pub queue_capacity: usize,
    /// Batches the server has not taken yet, on disk, replayed in order.
    pub spool_dir: PathBuf,
    /// When the spool holds this much, new batches are refused and counted.
    pub spool_max_bytes: u64,
    /// JSONEachRow files of file mode.
    pub file_dir: PathBuf,
    /// Longest wait between replays of the spool while the server is down.
    pub max_backoff: Duration,
    /// An insert or query the server has not answered within this is given up (and the batch
    /// spooled), so a hanging server cannot hold the flusher, `flush_wait` or `close`.
    pub request_timeout: Duration,
}

/// `$XDG_STATE_HOME/seqch`, else `~/.local/state/seqch`.
pub fn state_dir() -> PathBuf {
    std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(std::env::temp_dir)
        .join("seqch")
}

impl Default for WriterConfig {
    fn default() -> Self {
        let state = state_dir();
        Self {
            mode: Mode::File,
            url: "http://127.0.0.1:8123".into(),
            user: None,
            password: None,
            databases: Databases::default(),
            event_database: None,
            batch_rows: 4096,
            batch_bytes: 8 << 20,
            flush_interval: Duration::from_millis(200),
            ring_bytes: 1 << 20,
            queue_capacity: 65_536,
            // Libraries spool apart from the tail daemon (`spool/tail`).
            spool_dir: state.join("spool/lib"),
            spool_max_bytes: 1 << 30,
            file_dir: state.join("files"),
            max_backoff: Duration::from_secs(30),
            request_timeout: Duration::from_secs(20),
        }
    }
}

impl WriterConfig {
    /// A client for the configured server (URL and credentials), for inserts and queries.
    pub fn client(&self) -> clickhouse::Client {
        let mut client = clickhouse::Client::default().with_url(&self.url);
        if let Some(u) = &self.user {
            client = client.with_user(u);
        }
        if let Some(p) = &self.password {
            client = client.with_password(p);
        }
        client
    }

    /// Whether the server is on this machine (`localhost` or a loopback address). Batches to it
    /// are sent uncompressed: compressing costs both ends CPU and saves no network (the rule of
    /// `clickhouse-client`, which compresses unless the host is local).
    pub fn server_is_local(&self) -> bool {
        match url::Url::parse(&self.url)
            .ok()
            .and_then(|u| u.host().map(|h| h.to_owned()))
        {
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        }
    }

    /// The defaults overridden by `SEQ_CH_MODE`, `SEQ_CH_URL` (or `SEQ_CH_HOST` with
    /// `SEQ_CH_HTTP_PORT`, default 8123), `SEQ_CH_USER`, `SEQ_CH_PASSWORD`,
    /// `SEQ_CH_DATABASE_PREFIX`, `SEQ_CH_SPOOL_DIR`, `SEQ_CH_FILE_DIR`. A configured server with
    /// no mode means `http`.
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let mut c = Self::default();
        let host = var("SEQ_CH_HOST");
        if let Some(url) = var("SEQ_CH_URL") {
            c.url = url;
        } else if let Some(host) = &host {
            c.url = format!(
                "http://{host}:{}",
                var("SEQ_CH_HTTP_PORT").unwrap_or_else(|| "8123".into())
            );
        }
        let server_configured = var("SEQ_CH_URL").is_some() || host.is_some();
        let mode = var("SEQ_CH_MODE");
        c.mode = match mode.as_deref().and_then(Mode::parse) {
            Some(m) => m,
            None => {
                if let Some(m) = &mode {
                    tracing::warn!("SEQ_CH_MODE={m:?} is not a mode seqch knows; ignored");
                }
                if server_configured {
                    Mode::Http
                } else {
                    Mode::File
                }
            }
        };
        c.user = var("SEQ_CH_USER");
        c.password = var("SEQ_CH_PASSWORD");
        if let Some(p) = var("SEQ_CH_DATABASE_PREFIX") {
            c.databases = Databases::prefixed(&p);
        }
        if let Some(d) = var("SEQ_CH_SPOOL_DIR") {
            c.spool_dir = d.into();
        }
        if let Some(d) = var("SEQ_CH_FILE_DIR") {
            c.file_dir = d.into();
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_on_this_machine_is_told_by_its_host() {
        let local = |url: &str| {
            WriterConfig {
                url: url.into(),
                ..WriterConfig::default()
            }
            .server_is_local()
        };
        for url in [
            "http://127.0.0.1:8123",
            "http://localhost:8123/",
            "http://LOCALHOST",
            "http://user:secret@127.0.0.2:8123",
            "http://[::1]:8123",
        ] {
            assert!(local(url), "{url}");
        }
        for url in [
            "http://10.0.0.5:8123",
            "https://ch.example.com:8443",
            "http://localhost.example.com",
            "http://[2001:db8::1]:8123",
            "not a url",
        ] {
            assert!(!local(url), "{url}");
        }
    }

    #[test]
    fn modes_as_deployments_spell_them() {
        for (s, m) in [
            ("native", Mode::Http),
            ("remote-only", Mode::Http),
            ("dual", Mode::Mirror),
            ("spool", Mode::File),
            ("none", Mode::Off),
        ] {
            assert_eq!(Mode::parse(s), Some(m), "{s}");
        }
        assert_eq!(Mode::parse("carrier-pigeon"), None);
    }
}
