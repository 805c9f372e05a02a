//! Which ClickHouse to talk to: flags, then `SEQ_CH_*` environment variables, then defaults.

use clap::Args;
use clickhouse::Client;
use seqch_writer::schema::Databases;

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
}

impl ServerArgs {
    pub fn url(&self) -> &str {
        self.url.as_deref().unwrap_or("http://127.0.0.1:8123")
    }

    pub fn client(&self) -> Client {
        let mut c = Client::default().with_url(self.url());
        if let Some(u) = &self.user {
            c = c.with_user(u);
        }
        if let Some(p) = &self.password {
            c = c.with_password(p);
        }
        c
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
