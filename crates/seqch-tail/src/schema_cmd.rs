//! `seqch-tail schema apply|status`.

use anyhow::{Context, Result};
use clap::Subcommand;
use seqch_writer::schema;

use crate::server::{ServerArgs, explain};
use crate::table::Table;

#[derive(Subcommand, Debug)]
pub enum SchemaCommand {
    /// Create or upgrade the schema to the latest migration (idempotent).
    Apply,
    /// Show which migrations are applied.
    Status,
}

pub fn run(cmd: &SchemaCommand, server: &ServerArgs) -> Result<()> {
    let server = &server.resolved()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let client = server.client();
        let dbs = server.databases();
        match cmd {
            SchemaCommand::Apply => {
                let applied = schema::apply(&client, &dbs)
                    .await
                    .map_err(|e| anyhow::anyhow!(explain(&e.to_string())))
                    .with_context(|| format!("applying the schema on {}", server.url()))?;
                if applied.is_empty() {
                    println!(
                        "schema is up to date ({} migrations) on {}",
                        schema::MIGRATIONS.len(),
                        server.url()
                    );
                } else {
                    for m in &applied {
                        println!("applied {}", m.name);
                    }
                }
            }
            SchemaCommand::Status => {
                let status = schema::status(&client, &dbs)
                    .await
                    .map_err(|e| anyhow::anyhow!(explain(&e.to_string())))
                    .with_context(|| format!("reading the schema status on {}", server.url()))?;
                let mut t = Table::new(["Migration", "State"]);
                for s in &status {
                    let state = match (&s.applied, s.edited()) {
                        (None, _) => "pending (run `seqch-tail schema apply`)",
                        (Some(_), true) => "applied; the file changed since",
                        (Some(_), false) => "applied",
                    };
                    t.row([s.migration.name, state]);
                }
                t.print(&mut std::io::stdout())?;
            }
        }
        Ok(())
    })
}
