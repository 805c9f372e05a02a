#!/usr/bin/env bash
# A private, pinned Codex CLI (0.169.0, from npm) for the `seqch-tail review` bridge and its tests.
#
#   scripts/codex.sh install     install @openai/codex@0.169.0 into the cache once; prints the
#                                absolute path of the native `codex` executable
#   scripts/codex.sh path        print that path without installing (exit 1 if it is missing)
#
# It prints the *native* executable, not npm's `bin/codex.js` shim. The shim only resolves the
# platform package (@openai/codex-<os>-<arch>, an optional dependency) and runs the binary in it;
# on Node < 23 (no process.execve) it does so as a child process, so a caller that kills "codex"
# kills node and has to trust it to forward the signal (SIGKILL, what Rust's Child::kill sends,
# is not forwarded: the native process is orphaned), and every start pays for a node process.
# The shim also sets CODEX_MANAGED_BY_NPM=1 and CODEX_MANAGED_PACKAGE_ROOT (update hints only).
# The binary is a static (musl) executable that needs neither node nor glibc, and runs from its
# own vendor folder (the bundled `rg` and `bwrap` beside it are found relative to it).
#
# The cache is $SEQCH_CACHE (or $SEQCH_CACHE_DIR, as scripts/clickhouse.sh; default ~/.cache/seqch);
# the install goes to $cache/codex-0.169.0. npm must not run with --omit=optional: the binary *is*
# the optional dependency.
set -euo pipefail

CODEX_VERSION=0.169.0
cache=${SEQCH_CACHE:-${SEQCH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/seqch}}
prefix=$cache/codex-$CODEX_VERSION

die() { echo "codex.sh: $*" >&2; exit 1; }

# The platform package and its Rust target triple, as bin/codex.js picks them.
platform() {
  local os arch
  os=$(uname -s); arch=$(uname -m)
  case "$os/$arch" in
    Linux/x86_64 | Linux/amd64) echo "linux-x64 x86_64-unknown-linux-musl" ;;
    Linux/aarch64 | Linux/arm64) echo "linux-arm64 aarch64-unknown-linux-musl" ;;
    Darwin/x86_64) echo "darwin-x64 x86_64-apple-darwin" ;;
    Darwin/arm64) echo "darwin-arm64 aarch64-apple-darwin" ;;
    *) die "no Codex $CODEX_VERSION package for $os/$arch" ;;
  esac
}

binary() {
  local pkg triple
  read -r pkg triple < <(platform)
  echo "$prefix/node_modules/@openai/codex-$pkg/vendor/$triple/bin/codex"
}

# True when the binary is there, runs, and is the pinned version.
ready() {
  local bin; bin=$(binary)
  [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null)" = "codex-cli $CODEX_VERSION" ]
}

install() {
  if ready; then binary; return; fi
  command -v npm >/dev/null || die "npm is required to install Codex (Node.js 16 or newer)"
  local pkg triple
  read -r pkg triple < <(platform)
  echo "codex.sh: installing @openai/codex@$CODEX_VERSION into $prefix (about 400 MB)" >&2
  rm -rf "$prefix"
  mkdir -p "$prefix"
  # A package.json of its own, so that npm installs here and not into an enclosing project.
  echo '{"name":"seqch-codex","private":true}' >"$prefix/package.json"
  # --include=optional overrides an `omit=optional` in the user's npmrc or NODE_ENV=production.
  npm install --prefix "$prefix" --no-audit --no-fund --save-exact --loglevel=error \
    --include=optional "@openai/codex@$CODEX_VERSION" >&2 \
    || die "npm could not install @openai/codex@$CODEX_VERSION"
  # npm skips an optional dependency silently when it fails; install the platform package by its
  # alias then, so that a missing binary is an error here and not at the first run.
  if [ ! -x "$(binary)" ]; then
    echo "codex.sh: @openai/codex-$pkg was skipped; installing it directly" >&2
    npm install --prefix "$prefix" --no-audit --no-fund --save-exact --loglevel=error \
      "@openai/codex-$pkg@npm:@openai/codex@$CODEX_VERSION-$pkg" >&2 \
      || die "npm could not install @openai/codex@$CODEX_VERSION-$pkg"
  fi
  ready || die "$(binary) is missing or is not codex-cli $CODEX_VERSION after the install"
  binary
}

path() {
  ready || { echo "codex.sh: Codex $CODEX_VERSION is not installed (run: $0 install)" >&2; exit 1; }
  binary
}

case "${1:-}" in
  install) install ;;
  path) path ;;
  *) die "usage: $0 install|path" ;;
esac
