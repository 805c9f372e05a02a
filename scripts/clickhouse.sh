#!/usr/bin/env bash
# A private, current ClickHouse (26.9, from the chdb-core wheel's clickhouse-local) for tests and
# for Linux users without a ClickHouse install.
#
#   scripts/clickhouse.sh install        install chdb-core into the cache once
#   scripts/clickhouse.sh start [DIR]    start a server with its data in DIR (default: a temp dir);
#                                        prints its HTTP URL
#   scripts/clickhouse.sh url [DIR]      print the HTTP URL of a running server
#   scripts/clickhouse.sh stop [DIR]     stop it (SIGTERM by pid)
#
# The cache is $SEQCH_CACHE_DIR (default ~/.cache/seqch); the last started run directory is
# remembered in $SEQCH_CACHE_DIR/clickhouse.run so that `url` and `stop` need no argument.
set -euo pipefail

CHDB_VERSION=26.9.0
cache=${SEQCH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/seqch}
venv=$cache/chdb-$CHDB_VERSION
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

die() { echo "clickhouse.sh: $*" >&2; exit 1; }

install() {
  if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import chdb._chdb' 2>/dev/null; then
    return
  fi
  command -v python3 >/dev/null || die "python3 is required to run the test server"
  mkdir -p "$cache"
  echo "clickhouse.sh: installing chdb-core==$CHDB_VERSION into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv" || die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps "chdb-core==$CHDB_VERSION" \
    || die "pip could not install chdb-core==$CHDB_VERSION"
}

run_dir() {
  if [ -n "${1:-}" ]; then echo "$1"; return; fi
  [ -f "$cache/clickhouse.run" ] || die "no server started (run: $0 start)"
  cat "$cache/clickhouse.run"
}

url_of() {
  local run=$1
  [ -f "$run/ports" ] || die "no ports file in $run"
  echo "http://127.0.0.1:$(sed -n 1p "$run/ports")"
}

start() {
  install
  local run=${1:-}
  [ -n "$run" ] || run=$(mktemp -d "${TMPDIR:-/tmp}/seqch-clickhouse.XXXXXX")
  mkdir -p "$run"
  run=$(cd "$run" && pwd)
  if [ -f "$run/pid" ] && kill -0 "$(cat "$run/pid")" 2>/dev/null; then
    url_of "$run"; return
  fi
  # A restarted server keeps its ports, so its URL stays valid.
  [ -f "$run/ports" ] && mv "$run/ports" "$run/ports.last"
  # Started directly in the background (not in a subshell) so that $! is the Python process.
  nohup "$venv/bin/python" "$here/clickhouse_launcher.py" "$run" >"$run/server.log" 2>&1 </dev/null &
  echo $! >"$run/pid"
  echo "$run" >"$cache/clickhouse.run"
  local deadline=$((SECONDS + ${SEQCH_CLICKHOUSE_START_TIMEOUT:-60}))
  while :; do
    if [ -f "$run/ports" ]; then
      local url; url=$(url_of "$run")
      if [ "$(curl -fsS --max-time 2 "$url/?query=SELECT%201" 2>/dev/null)" = "1" ]; then
        echo "$url"; return
      fi
    fi
    if ! kill -0 "$(cat "$run/pid")" 2>/dev/null; then
      echo "clickhouse.sh: the server exited during start; log tail:" >&2
      tail -n 30 "$run/server.log" >&2
      exit 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      echo "clickhouse.sh: no answer to SELECT 1 within the timeout; log tail:" >&2
      tail -n 30 "$run/server.log" >&2
      stop "$run"
      exit 1
    fi
    sleep 0.2
  done
}

stop() {
  local run; run=$(run_dir "${1:-}")
  [ -f "$run/pid" ] || return 0
  local pid; pid=$(cat "$run/pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$run/pid"
}

case "${1:-}" in
  install) install ;;
  start) start "${2:-}" ;;
  url) url_of "$(run_dir "${2:-}")" ;;
  stop) stop "${2:-}" ;;
  *) die "usage: $0 install|start [DIR]|url [DIR]|stop [DIR]" ;;
esac
