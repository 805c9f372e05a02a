#!/usr/bin/env python3
# Two or more seqch-tail builds compared by alternating runs on the same corpus: mean, median
# and fastest wall time of each, its CPU (user + system of every process on the machine, so the
# server's too) and the machine's idle core time during the runs, from /proc/stat. On a machine
# whose speed drifts, means of interleaved runs compare builds more steadily than a best of three.
#
#   U=<ClickHouse URL> CORPUS=/tmp/corpus1g python3 benches/scripts/alternate.py OLD NEW
#
# WHAT=run (default: `run --once` into a fresh database each time) or WHAT=summary
# (`summary --json`, no server); RUNS=<runs of each build, default 8>. The corpus is read into
# the page cache before every run (see backfill.py).
import os, statistics, subprocess, sys, time, urllib.request

builds = sys.argv[1:]
what = os.environ.get("WHAT", "run")
runs = int(os.environ.get("RUNS", "8"))
corpus = os.environ["CORPUS"]
claude, codex = corpus + "/claude/projects", corpus + "/codex/sessions"
U = os.environ.get("U")
if len(builds) < 2 or (what == "run" and not U):
    sys.exit(__doc__ or "usage: U=<url> CORPUS=<dir> alternate.py OLD NEW")
state = "/tmp/alternate-%d-state" % os.getpid()


def q(sql):
    urllib.request.urlopen(urllib.request.Request(U, data=sql.encode())).read()


def jiffies():
    """(busy, idle) jiffies of all cores: user + system, and idle."""
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    return cpu[0] + cpu[2], cpu[3]


def warm():
    subprocess.run(["sh", "-c", "find '%s' -type f -print0 | xargs -0 cat > /dev/null" % corpus], check=True)


def once(build, n):
    cmd = [build, "summary", "--json", "--claude-dir", claude, "--codex-dir", codex]
    prefix = "alt%d_%d" % (os.getpid(), n)
    if what == "run":
        subprocess.run([build, "schema", "apply", "--url", U, "--database-prefix", prefix],
                       check=True, capture_output=True)
        subprocess.run(["rm", "-rf", state])
        cmd = [build, "run", "--once", "--url", U, "--database-prefix", prefix, "--claude-dir", claude,
               "--codex-dir", codex, "--state-dir", state]
    warm()
    busy0, idle0 = jiffies()
    t0 = time.time()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.time() - t0
    busy1, idle1 = jiffies()
    if what == "run":
        for db in ("agent", "seq", "hive"):
            q("DROP DATABASE IF EXISTS %s_%s" % (prefix, db))
    tick = os.sysconf("SC_CLK_TCK")
    return wall, (busy1 - busy0) / tick, (idle1 - idle0) / tick


results = {b: [] for b in builds}
n = 0
for _ in range(runs):
    for b in builds:
        results[b].append(once(b, n))
        n += 1
print("%s of %s, %d alternating runs of each:" % (what, corpus, runs))
for b, rs in results.items():
    walls = [r[0] for r in rs]
    print("%-40s wall mean %.3f s, median %.3f s, fastest %.3f s; cpu %.2f s; idle %.2f s" % (
        b, statistics.mean(walls), statistics.median(walls), min(walls),
        statistics.mean(r[1] for r in rs), statistics.mean(r[2] for r in rs)))
subprocess.run(["rm", "-rf", state])
