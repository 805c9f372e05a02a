//! Which ClickHouse to talk to: flags, then `SEQ_CH_*` environment variables, then the
//! configuration file, then defaults.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use clickhouse::Client;
use seqch_writer::WriterConfig;
use seqch_writer::schema::Databases;

use crate::config::FileConfig;

#[derive(Args, Debug, Clone)]
pub struct ServerArgs {
    /// ClickHouse HTTP URL [default: http://127.0.0.1:8123].
    #[arg(long, global = true, env = "SEQ_CH_URL")]
    pub url: Option<String>,
    /// ClickHouse user.
    #[arg(long, global = true, env = "SEQ_CH_USER")]
    pub user: Option<String>,
    /// ClickHouse password (prefer the environment variable: flags show up in `ps`).
    #[arg(long, global = true, env = "SEQ_CH_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// Prefix for seqch's databases: `P_agent`, `P_seq`, `P_hive` instead of `agent`, `seq`, `hive`.
    #[arg(long, global = true, env = "SEQ_CH_DATABASE_PREFIX")]
    pub database_prefix: Option<String>,
    /// The configuration file (default: $SEQCH_CONFIG or ~/.config/seqch/config.toml).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
}

impl ServerArgs {
    /// The configuration file's path and content (empty when it does not exist).
    pub fn file(&self) -> Result<(PathBuf, FileConfig)> {
        let path = crate::config::path(self.config.as_deref());
        let file = crate::config::load(&path)?;
        Ok((path, file))
    }

    /// These settings over the configuration file's.
    pub fn over(&self, f: &FileConfig) -> ServerArgs {
        ServerArgs {
            url: self.url.clone().or_else(|| f.url.clone()),
            user: self.user.clone().or_else(|| f.user.clone()),
            password: self.password.clone().or_else(|| f.password.clone()),
            database_prefix: self
                .database_prefix
                .clone()
                .or_else(|| f.database_prefix.clone()),
            config: self.config.clone(),
        }
    }

    /// These settings over the configuration file's, read now.
    pub fn resolved(&self) -> Result<ServerArgs> {
        Ok(self.over(&self.file()?.1))
    }

    pub fn url(&self) -> &str {
        self.url.as_deref().unwrap_or("http://127.0.0.1:8123")
    }

    /// A writer configuration for this server (file locations and batching at their defaults).
    pub fn writer_config(&self) -> WriterConfig {
        WriterConfig {
            url: self.url().to_owned(),
            user: self.user.clone(),
            password: self.password.clone(),
            databases: self.databases(),
            ..WriterConfig::default()
        }
    }

    pub fn client(&self) -> Client {
        self.writer_config().client()
    }

    pub fn databases(&self) -> Databases {
        self.database_prefix
            .as_deref()
            .map_or_else(Databases::default, Databases::prefixed)
    }
}

/// Adds what to do about a missing schema to a ClickHouse error message.
pub fn explain(message: &str) -> String {
    if message.contains("UNKNOWN_DATABASE") || message.contains("UNKNOWN_TABLE") {
        format!(
            "{message}\nThe seqch schema is missing here: create it with `seqch-tail schema apply`."
        )
    } else {
        message.to_owned()
    }
}
