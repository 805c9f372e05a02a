#!/usr/bin/env bash
# Runs every check and test on a fresh machine: installs what is missing (the ClickHouse test
# server into ~/.cache/seqch, Debian's ZooKeeper for the cluster tests, Chromium for the
# dashboard tests, the pinned Codex CLI for the review bridge's), starts a private server
# and a private 2-shard cluster, runs formatting, lints and the whole test suite against them,
# and stops everything even on failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

run=$(mktemp -d "${TMPDIR:-/tmp}/seqch-test.XXXXXX")
cleanup() {
  scripts/clickhouse.sh stop "$run/server" || true
  scripts/cluster.sh stop "$run/cluster" || true
  rm -rf "$run"
}
trap cleanup EXIT

scripts/chromium.sh install
echo "Codex CLI at $(scripts/codex.sh install)"
url=$(scripts/clickhouse.sh start "$run/server")
export SEQCH_TEST_CLICKHOUSE_URL=$url
echo "ClickHouse $(curl -fsS "$url/?query=SELECT%20version()") at $url"
SEQCH_TEST_CLUSTER_URLS=$(scripts/cluster.sh start "$run/cluster" | paste -sd, -)
export SEQCH_TEST_CLUSTER_URLS
echo "2-shard cluster at $SEQCH_TEST_CLUSTER_URLS"

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# The C tests link the built libseqch.so, which `cargo test` alone does not produce.
cargo build -p seqch-ffi --locked
# The tests' expected days are UTC days; the CLI's default zone is the system's.
TZ=UTC cargo test --workspace --locked --no-fail-fast
