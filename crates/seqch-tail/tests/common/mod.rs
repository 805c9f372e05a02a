//! What the server tests of `seqch-tail` share: running the binary and a schema holding the SQL
//! tests' seed.

#![allow(dead_code)] // each test file uses its own part of this module

use std::path::{Path, PathBuf};
use std::process::Command;

use seqch_writer::schema::{Databases, statements};

/// Runs `seqch-tail ARGS --url URL --database-prefix PREFIX` with no configuration file:
/// whether it succeeded, its stdout and its stderr.
pub fn run(url: &str, prefix: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_seqch-tail"))
        .args(args)
        .args(["--url", url, "--database-prefix", prefix])
        .env("SEQCH_CONFIG", "/nonexistent/seqch.toml")
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("run seqch-tail");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// [`run`]'s stdout, after asserting that it succeeded.
pub fn seqch(url: &str, prefix: &str, args: &[&str]) -> String {
    let (ok, stdout, stderr) = run(url, prefix, args);
    assert!(ok, "seqch-tail {args:?} failed\n{stdout}\n{stderr}");
    stdout
}

pub fn post(url: &str, sql: &str) {
    let status = Command::new("curl")
        .args(["-fsS", url, "--data-binary", sql])
        .status()
        .expect("curl");
    assert!(status.success(), "{sql}");
}

/// A path relative to this crate.
pub fn here(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// A schema under a fresh prefix holding `sql/tests/seed.sql` and then `extra` (files relative
/// to this crate), with the project path `/w/app` replaced by `project`; its prefix.
pub fn database(url: &str, project: &str, extra: &[&str]) -> String {
    let prefix = seqch_testkit::unique_name("tail");
    seqch(url, &prefix, &["schema", "apply"]);
    let dbs = Databases::prefixed(&prefix);
    for file in ["../../sql/tests/seed.sql"].iter().chain(extra) {
        let text = std::fs::read_to_string(here(file)).unwrap();
        for statement in statements(&text) {
            post(
                url,
                &dbs.rewrite(statement)
                    .replace("'/w/app'", &format!("'{project}'")),
            );
        }
    }
    prefix
}
