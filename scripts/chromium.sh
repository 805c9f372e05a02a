#!/usr/bin/env bash
# chromium.sh — install / drive Debian's headless Chromium for the dashboard checks.
#
# Usage:
#   scripts/chromium.sh install
#       Installs Debian's `chromium` package if /usr/bin/chromium is missing
#       (apt-get install -y --no-install-recommends chromium; sudo only when not
#       root and sudo exists). Quiet and idempotent.
#   scripts/chromium.sh render PAGE.html OUTDIR
#       Loads file://PAGE in headless Chromium and writes
#         OUTDIR/dom.html        serialized DOM after JS ran (--dump-dom)
#         OUTDIR/screenshot.png  full window screenshot (1400x3000)
#         OUTDIR/console.log     Chromium's stderr of the --dump-dom run,
#                                including page console messages and errors
#         OUTDIR/console-page.log  only the page's console lines from console.log
#                                (empty file = clean console)
#         OUTDIR/screenshot.log  Chromium's stderr of the --screenshot run
#       Extra environment knobs:
#         CHROMIUM_THEME=dark|light   force prefers-color-scheme (default: light)
#         CHROMIUM_WINDOW=WxH         window size (default 1400,3000)
#         CHROMIUM_BIN=/path          chromium binary (default /usr/bin/chromium)
#       Exits non-zero if chromium fails (or produces no output).
#
# Flags always used:
#   --headless --no-sandbox --disable-gpu --disable-quic --no-first-run
#   --disable-background-networking --disable-component-update --disable-sync
#   --user-data-dir=<fresh mktemp dir, removed afterwards>
#   --enable-logging=stderr --v=0 --log-level=0
#   --virtual-time-budget=5000 --run-all-compositor-stages-before-draw
#   --disable-dev-shm-usage --hide-scrollbars --mute-audio --window-size=W,H
#   light: --blink-settings=preferredColorScheme=1
#   dark:  --force-dark-mode --blink-settings=preferredColorScheme=0
#   (without --run-all-compositor-stages-before-draw screenshots of big SVGs
#   sometimes had unpainted grey tiles)
#
# console.log line pattern (checked with Debian bookworm's chromium 156): every
# page console call (console.log/info/warn/error alike: the level is NOT shown),
# every uncaught exception and every CSP violation is one stderr line
#     [PID:TID:MMDD/HHMMSS.uuuuuu:INFO:CONSOLE:LINE] "MESSAGE", source: URL (LINE)
# e.g.
#     [2113:2113:1124/085549.427031:INFO:CONSOLE:7] "intentional console error", source: file:///tmp/cht/broken.html (7)
#     [2113:2113:1124/085549.431031:INFO:CONSOLE:10] "Uncaught ReferenceError: undefinedFunctionCall is not defined", source: file:///tmp/cht/broken.html (10)
#     [2113:2113:1124/085549.426898:INFO:CONSOLE:9] "Loading the image 'http://example.com/x.png' violates the following Content Security Policy directive: "img-src data:". The action has been blocked.", source: file:///tmp/cht/broken.html (9)
# (older Chromium builds wrote CONSOLE(LINE) instead of CONSOLE:LINE). So
#     grep -E ':CONSOLE[(:]' OUTDIR/console.log
# lists every page message; console-page.log holds exactly those lines. The rest
# of console.log is Chromium's own noise in a container (dbus "Failed to connect
# to the bus", vaapi, sandbox warnings, and a "[: ... unexpected operator" line
# from Debian's /etc/chromium.d/dev-shm), which says nothing about the page.
set -euo pipefail

CHROMIUM_BIN="${CHROMIUM_BIN:-/usr/bin/chromium}"

die() { echo "chromium.sh: $*" >&2; exit 1; }

cmd_install() {
    if [ -x "$CHROMIUM_BIN" ]; then
        return 0
    fi
    local SUDO=""
    if [ "$(id -u)" != "0" ]; then
        if command -v sudo >/dev/null 2>&1; then
            SUDO="sudo"
        else
            die "not root and no sudo: cannot install chromium"
        fi
    fi
    export DEBIAN_FRONTEND=noninteractive
    if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1; then
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
    fi
    [ -x "$CHROMIUM_BIN" ] || die "chromium still missing after install"
}

cmd_render() {
    [ $# -eq 2 ] || die "usage: $0 render PAGE.html OUTDIR"
    local page="$1" outdir="$2"
    [ -f "$page" ] || die "no such page: $page"
    [ -x "$CHROMIUM_BIN" ] || die "chromium not installed (run: $0 install)"
    mkdir -p "$outdir"
    local abs url
    abs="$(cd "$(dirname "$page")" && pwd)/$(basename "$page")"
    url="file://$abs"
    outdir="$(cd "$outdir" && pwd)"

    local window="${CHROMIUM_WINDOW:-1400,3000}"
    window="${window/x/,}"
    local theme_flags=()
    case "${CHROMIUM_THEME:-light}" in
        dark)  theme_flags=(--force-dark-mode --blink-settings=preferredColorScheme=0) ;;
        light) theme_flags=(--blink-settings=preferredColorScheme=1) ;;
        *) die "CHROMIUM_THEME must be dark or light" ;;
    esac

    local udd
    udd="$(mktemp -d "${TMPDIR:-/tmp}/seqch-chromium.XXXXXX")"
    # shellcheck disable=SC2064
    trap "rm -rf '$udd'" EXIT

    local flags=(
        --headless --no-sandbox --disable-gpu --disable-quic --no-first-run
        --disable-background-networking --disable-component-update --disable-sync
        --disable-dev-shm-usage --hide-scrollbars --mute-audio
        --enable-logging=stderr --v=0 --log-level=0
        --virtual-time-budget=5000 --run-all-compositor-stages-before-draw
        "--window-size=$window"
        "${theme_flags[@]}"
    )

    local rc=0
    "$CHROMIUM_BIN" "${flags[@]}" "--user-data-dir=$udd/dom" --dump-dom "$url" \
        >"$outdir/dom.html" 2>"$outdir/console.log" || rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "chromium.sh: chromium --dump-dom failed (exit $rc); stderr in $outdir/console.log" >&2
        exit "$rc"
    fi
    [ -s "$outdir/dom.html" ] || die "empty dom.html"
    grep -E ':CONSOLE[(:]' "$outdir/console.log" >"$outdir/console-page.log" || true

    rm -f "$outdir/screenshot.png"
    "$CHROMIUM_BIN" "${flags[@]}" "--user-data-dir=$udd/shot" \
        "--screenshot=$outdir/screenshot.png" "$url" \
        >"$outdir/screenshot.log" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "chromium.sh: chromium --screenshot failed (exit $rc); see $outdir/screenshot.log" >&2
        exit "$rc"
    fi
    [ -s "$outdir/screenshot.png" ] || die "no screenshot written"
}

case "${1:-}" in
    install) shift; cmd_install "$@" ;;
    render)  shift; cmd_render "$@" ;;
    *) echo "usage: $0 install | render PAGE.html OUTDIR" >&2; exit 2 ;;
esac
