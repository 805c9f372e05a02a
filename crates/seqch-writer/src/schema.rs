//! The schema: the migrations in `sql/migrations`, applied in order and recorded in
//! `agent.schema_migrations`, and the database names they are applied under.

use std::borrow::Cow;

use clickhouse::Client;

/// One migration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub sql: &'static str,
}

macro_rules! migrations {
    ($($version:literal => $file:literal),* $(,)?) => {
        &[$(Migration {
            version: $version,
            name: $file,
            sql: include_str!(concat!("../../../sql/migrations/", $file)),
        }),*]
    };
}

/// Every migration, in order.
pub static MIGRATIONS: &[Migration] = migrations![
    1 => "0001_databases.sql",
    2 => "0002_v1_seq_hive.sql",
    3 => "0003_agent_tables.sql",
    4 => "0004_v1_upgrade.sql",
    5 => "0005_agent_views.sql",
    6 => "0006_reviews.sql",
];

impl Migration {
    /// A checksum of the file, recorded with it, so that `status` can tell an edited file.
    pub fn checksum(&self) -> String {
        format!("{:032x}", xxhash_rust::xxh3::xxh3_128(self.sql.as_bytes()))
    }
}

/// The statements of a SQL file: each ends at a line whose last non-blank character is `;`;
/// chunks that hold only comments and blank lines are not statements (sql/README.md, "File
/// rules").
pub fn statements(sql: &str) -> Vec<&str> {
    fn is_code(chunk: &str) -> bool {
        chunk.lines().any(|l| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with("--")
        })
    }
    let mut chunks = Vec::new();
    let (mut start, mut pos) = (0, 0);
    for line in sql.split_inclusive('\n') {
        pos += line.len();
        if line.trim_end().ends_with(';') {
            chunks.push(&sql[start..pos]);
            start = pos;
        }
    }
    chunks.push(&sql[start..]);
    chunks
        .into_iter()
        .filter(|c| is_code(c))
        .map(|c| c.trim().trim_end_matches(';').trim_end())
        .collect()
}

/// The names of seqch's three databases. The SQL files say `agent.`, `seq.` and `hive.`;
/// other names (a staging copy, an isolated test) are substituted for exactly those prefixes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Databases {
    pub agent: String,
    pub seq: String,
    pub hive: String,
}

impl Default for Databases {
    fn default() -> Self {
        Self {
            agent: "agent".into(),
            seq: "seq".into(),
            hive: "hive".into(),
        }
    }
}

impl Databases {
    /// The three databases prefixed with `prefix_`.
    pub fn prefixed(prefix: &str) -> Self {
        Self {
            agent: format!("{prefix}_agent"),
            seq: format!("{prefix}_seq"),
            hive: format!("{prefix}_hive"),
        }
    }

    /// `sql` with `agent.`, `seq.` and `hive.` (where not part of a longer name), and the bare
    /// names after `DATABASE [IF [NOT] EXISTS]`, renamed.
    pub fn rewrite<'a>(&self, sql: &'a str) -> Cow<'a, str> {
        if *self == Self::default() {
            return Cow::Borrowed(sql);
        }
        let mut sql = Cow::Borrowed(sql);
        for (bare, name) in [
            ("agent", &self.agent),
            ("seq", &self.seq),
            ("hive", &self.hive),
        ] {
            for lead in [
                "DATABASE IF NOT EXISTS ",
                "DATABASE IF EXISTS ",
                "DATABASE ",
            ] {
                let from = format!("{lead}{bare}");
                let ends_word = |rest: &str| {
                    !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.')
                };
                if let Some(at) = sql
                    .find(&from)
                    .filter(|at| ends_word(&sql[at + from.len()..]))
                {
                    let mut owned = sql.into_owned();
                    owned.replace_range(at..at + from.len(), &format!("{lead}{name}"));
                    sql = Cow::Owned(owned);
                }
            }
        }
        let renamed = self.rename_prefixes(&sql).into_owned();
        Cow::Owned(renamed)
    }

    fn rename_prefixes<'a>(&self, sql: &'a str) -> Cow<'a, str> {
        let names = [
            ("agent.", &self.agent),
            ("seq.", &self.seq),
            ("hive.", &self.hive),
        ];
        let bytes = sql.as_bytes();
        let mut out = String::with_capacity(sql.len() + 64);
        let mut i = 0;
        let mut copied = 0;
        while i < bytes.len() {
            let boundary = i == 0
                || !(bytes[i - 1].is_ascii_alphanumeric()
                    || bytes[i - 1] == b'_'
                    || bytes[i - 1] == b'.');
            let hit = boundary
                .then(|| {
                    names
                        .iter()
                        .find(|(p, _)| bytes[i..].starts_with(p.as_bytes()))
                })
                .flatten();
            if let Some((prefix, name)) = hit {
                out.push_str(&sql[copied..i]);
                out.push_str(name);
                out.push('.');
                i += prefix.len();
                copied = i;
            } else {
                i += 1;
            }
        }
        out.push_str(&sql[copied..]);
        Cow::Owned(out)
    }

    pub fn all(&self) -> [&str; 3] {
        [&self.agent, &self.seq, &self.hive]
    }
}

/// SQL text for `Client::query`, which treats `?` as a bind placeholder (`??` is a literal `?`).
pub fn query_text(sql: &str) -> String {
    sql.replace('?', "??")
}

/// Applying or reading the schema failed.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("migration {file} failed on statement `{statement}`: {source}")]
    Statement {
        file: &'static str,
        statement: String,
        #[source]
        source: clickhouse::error::Error,
    },
    #[error("cannot read the migration ledger (agent.schema_migrations): {0}")]
    Ledger(#[source] clickhouse::error::Error),
}

/// One migration and whether it is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    pub migration: Migration,
    /// The checksum recorded when it was applied, if it was.
    pub applied: Option<String>,
}

impl MigrationStatus {
    /// Applied from a file that has changed since.
    pub fn edited(&self) -> bool {
        self.applied
            .as_ref()
            .is_some_and(|c| *c != self.migration.checksum())
    }
}

fn snippet(statement: &str) -> String {
    let one_line: String = statement.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut s: String = one_line.chars().take(160).collect();
    if s.len() < one_line.len() {
        s.push('…');
    }
    s
}

async fn run_file(client: &Client, dbs: &Databases, m: &Migration) -> Result<(), SchemaError> {
    for statement in statements(m.sql) {
        let sql = dbs.rewrite(statement);
        client
            .query(&query_text(&sql))
            .execute()
            .await
            .map_err(|source| SchemaError::Statement {
                file: m.name,
                statement: snippet(&sql),
                source,
            })?;
    }
    Ok(())
}

/// Which migrations are applied. Needs the ledger, which the first migration creates.
pub async fn status(client: &Client, dbs: &Databases) -> Result<Vec<MigrationStatus>, SchemaError> {
    let ledger =
        dbs.rewrite("SELECT version, checksum FROM agent.schema_migrations FINAL ORDER BY version");
    let applied: Vec<(u32, String)> = client
        .query(&ledger)
        .fetch_all()
        .await
        .map_err(SchemaError::Ledger)?;
    Ok(MIGRATIONS
        .iter()
        .map(|m| MigrationStatus {
            migration: *m,
            applied: applied
                .iter()
                .find(|(v, _)| *v == m.version)
                .map(|(_, c)| c.clone()),
        })
        .collect())
}

/// Brings the schema to the latest version: applies every migration not yet recorded, in order,
/// and records it. Every statement is idempotent, so two processes applying at once converge.
/// Returns the migrations it applied.
pub async fn apply(client: &Client, dbs: &Databases) -> Result<Vec<Migration>, SchemaError> {
    // The ledger lives in a table the first migration creates; the first migration is
    // idempotent, so it always runs.
    run_file(client, dbs, &MIGRATIONS[0]).await?;
    let mut applied = Vec::new();
    for st in status(client, dbs).await? {
        if st.applied.is_some() {
            continue;
        }
        let m = st.migration;
        run_file(client, dbs, &m).await?;
        let record = dbs.rewrite(
            "INSERT INTO agent.schema_migrations (version, name, checksum, applied_at) \
             SELECT {version:UInt32}, {name:String}, {checksum:String}, now64(3)",
        );
        client
            .query(&record)
            .param("version", m.version)
            .param("name", m.name)
            .param("checksum", m.checksum())
            .with_setting("async_insert", "0")
            .execute()
            .await
            .map_err(|source| SchemaError::Statement {
                file: m.name,
                statement: "record in agent.schema_migrations".into(),
                source,
            })?;
        applied.push(m);
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_split_on_lines_ending_in_semicolons() {
        let sql = "-- header\nCREATE TABLE a (x UInt8);\n\n-- only a comment\n\nSELECT 1\nFROM b;\n-- trailing\n";
        assert_eq!(
            statements(sql),
            vec![
                "-- header\nCREATE TABLE a (x UInt8)",
                "-- only a comment\n\nSELECT 1\nFROM b"
            ]
        );
    }

    #[test]
    fn rewrite_renames_only_the_three_prefixes() {
        let dbs = Databases::prefixed("t1");
        assert_eq!(
            dbs.rewrite(
                "SELECT agent, x.agent.y FROM agent.turns JOIN seq.context USING (a) -- hive.x"
            ),
            "SELECT agent, x.agent.y FROM t1_agent.turns JOIN t1_seq.context USING (a) -- t1_hive.x"
        );
        assert_eq!(
            dbs.rewrite("CREATE DATABASE IF NOT EXISTS seq"),
            "CREATE DATABASE IF NOT EXISTS t1_seq"
        );
        assert_eq!(
            dbs.rewrite("CREATE DATABASE IF NOT EXISTS sequel"),
            "CREATE DATABASE IF NOT EXISTS sequel"
        );
        assert!(matches!(
            Databases::default().rewrite("agent.turns"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn every_migration_file_is_listed_in_order() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../sql/migrations");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        let listed: Vec<&str> = MIGRATIONS.iter().map(|m| m.name).collect();
        assert_eq!(files, listed);
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version as usize, i + 1);
            assert!(m.name.starts_with(&format!("{:04}_", m.version)));
        }
    }
}
