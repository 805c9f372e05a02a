#!/usr/bin/env python3
# Backfill of a generated corpus, in one run: `cat` of every file (the read floor),
# `seqch-tail run --once` into ClickHouse, `seqch-tail summary --json` (no server) and
# `ccusage daily --json --offline` (what users compare against) on the same files.
#
#   cargo build --release -p seqch-tail -p seqch-bench
#   U=<ClickHouse URL> python3 benches/scripts/backfill.py
#
# MB=<corpus size, default 1024>, CORPUS=<its directory, default /tmp/seqch-corpus-<MB>>
# (generated once with `seqch-bench gen`), RUNS=<runs of each, default 3; the best is kept>,
# TAIL=<another seqch-tail binary to measure, such as an earlier build; default this tree's>.
# Each line also gives the best run's CPU: the program's (user + system), and for `run --once`
# the server's, as its `system.events` counts it (`OSCPUVirtualTimeMicroseconds`). The corpus
# is read into the page cache before every timed run: some machines (this project's VMs among
# them) give cold pages back within seconds, half the corpus in 20 s.
# ccusage 20.0.24 is installed with npm under ~/.cache/seqch/ccusage when it is not there.
import os, resource, subprocess, sys, time, urllib.request

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../..")
tail = os.environ.get("TAIL", os.path.join(root, "target/release/seqch-tail"))
gen = os.path.join(root, "target/release/seqch-bench")
U = os.environ["U"]
mb = int(os.environ.get("MB", "1024"))
runs = int(os.environ.get("RUNS", "3"))
corpus = os.environ.get("CORPUS", "/tmp/seqch-corpus-%d" % mb)
claude, codex = corpus + "/claude/projects", corpus + "/codex/sessions"
ccusage_dir = os.path.expanduser("~/.cache/seqch/ccusage")
ccusage = ccusage_dir + "/node_modules/.bin/ccusage"

if not os.path.isdir(corpus):
    subprocess.run([gen, "gen", "--mb", str(mb), "--out", corpus], check=True)
if not os.path.exists(ccusage):
    os.makedirs(ccusage_dir, exist_ok=True)
    subprocess.run(["npm", "install", "--silent", "--prefix", ccusage_dir, "ccusage@20.0.24"], check=True)
files = [os.path.join(d, f) for d, _, fs in os.walk(corpus) for f in fs]
size = sum(os.path.getsize(f) for f in files)


def q(sql):
    return urllib.request.urlopen(urllib.request.Request(U, data=sql.encode())).read().decode().strip()


def server_cpu():
    """CPU seconds the server has counted so far."""
    sql = "SELECT value FROM system.events WHERE event = 'OSCPUVirtualTimeMicroseconds'"
    return int(q(sql) or 0) / 1e6


def best(label, prepare, cmd, env=None, server=False):
    times, cpus = [], []
    for i in range(runs):
        prepare(i)
        subprocess.run(cat(i), check=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        s0 = server_cpu() if server else 0
        t0 = time.time()
        subprocess.run(cmd(i), check=True, stdout=subprocess.DEVNULL, env=env)
        times.append(time.time() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        client = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        cpus.append((client, server_cpu() - s0 if server else None))
    t = min(times)
    client, srv = cpus[times.index(t)]
    cpu = "cpu %.2f s" % client + (", server %.2f s" % srv if server else "")
    print("%-34s %6.2f s  %7.0f MB/s   (runs: %s; best run's %s)" % (
        label, t, size / t / 1e6, ", ".join("%.2f" % x for x in times), cpu))
    return t


def cat(_):
    return ["sh", "-c", "find '%s' -type f -print0 | xargs -0 cat > /dev/null" % corpus]


# A ClickHouse database per run, and a fresh state directory.
prefix = "bf%d" % os.getpid()


def fresh(i):
    subprocess.run([tail, "schema", "apply", "--url", U, "--database-prefix", "%s_%d" % (prefix, i)], check=True, capture_output=True)
    subprocess.run(["rm", "-rf", "/tmp/%s-state" % prefix])


def run(i):
    return [tail, "run", "--once", "--url", U, "--database-prefix", "%s_%d" % (prefix, i), "--claude-dir", claude,
            "--codex-dir", codex, "--state-dir", "/tmp/%s-state" % prefix]


# ccusage reads $CLAUDE_CONFIG_DIR/projects and $CODEX_HOME/sessions.
cc_home = "/tmp/%s-claude" % prefix
os.makedirs(cc_home, exist_ok=True)
if not os.path.exists(cc_home + "/projects"):
    os.symlink(claude, cc_home + "/projects")
cc_env = dict(os.environ, CLAUDE_CONFIG_DIR=cc_home, CODEX_HOME=corpus + "/codex")

print("corpus: %d files, %.0f MB (%s)" % (len(files), size / 1e6, corpus))
t_cat = best("cat", lambda i: None, cat)
t_run = best("seqch-tail run --once (ClickHouse)", fresh, run, server=True)
rows = q("SELECT count() FROM %s_%d_agent.turns" % (prefix, runs - 1))
t_sum = best("seqch-tail summary --json", lambda i: None,
             lambda i: [tail, "summary", "--json", "--claude-dir", claude, "--codex-dir", codex])
t_cc = best("ccusage daily --json --offline", lambda i: None, lambda i: [ccusage, "daily", "--json", "--offline"], cc_env)
print("agent.turns rows: %s" % rows)
print("run --once: %.2fx faster than ccusage, %.2fx the time of cat" % (t_cc / t_run, t_run / t_cat))
print("summary:    %.2fx faster than ccusage" % (t_cc / t_sum))
for i in range(runs):
    for db in ("agent", "seq", "hive"):
        q("DROP DATABASE IF EXISTS %s_%d_%s" % (prefix, i, db))
subprocess.run(["rm", "-rf", "/tmp/%s-state" % prefix, cc_home])
