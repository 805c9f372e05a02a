#!/usr/bin/env bash
# Runs every check and test on a fresh machine: installs what is missing (the ClickHouse test
# server, into ~/.cache/seqch), starts a private server, runs formatting, lints and the whole
# test suite against it, and stops the server even on failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

run=$(mktemp -d "${TMPDIR:-/tmp}/seqch-test.XXXXXX")
cleanup() {
  scripts/clickhouse.sh stop "$run" || true
  rm -rf "$run"
}
trap cleanup EXIT

url=$(scripts/clickhouse.sh start "$run")
export SEQCH_TEST_CLICKHOUSE_URL=$url
echo "ClickHouse $(curl -fsS "$url/?query=SELECT%20version()") at $url"

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
