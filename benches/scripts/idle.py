#!/usr/bin/env python3
# Idle cost: CPU and RSS of `seqch-tail run` with 10,000 idle files tracked.
# python3 benches/scripts/idle.py  (after cargo build --release -p seqch-tail)
import os, subprocess, time
home = "/tmp/idlehome"; state = "/tmp/idlestate"
subprocess.run(["rm", "-rf", home, state])
for i in range(10000):
    d = "%s/claude/projects/p%d" % (home, i % 100)
    os.makedirs(d, exist_ok=True)
    with open("%s/s%d.jsonl" % (d, i), "w") as f:
        f.write('{"type":"user","sessionId":"s%d","timestamp":"2026-11-24T07:00:00.000Z","message":{"role":"user","content":"hi"}}\n' % i)
os.makedirs(home + "/codex/sessions", exist_ok=True)
d = subprocess.Popen([os.path.join(os.path.dirname(__file__), "../../target/release/seqch-tail"), "run", "--mode", "off",
    "--claude-dir", home + "/claude/projects", "--codex-dir", home + "/codex/sessions", "--state-dir", state],
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(5)
def cpu():
    f = open("/proc/%d/stat" % d.pid).read().split()
    return (int(f[13]) + int(f[14])) / os.sysconf("SC_CLK_TCK")
c0, t0 = cpu(), time.time(); time.sleep(10); c1, t1 = cpu(), time.time()
rss = [l for l in open("/proc/%d/status" % d.pid) if l.startswith("VmRSS")][0].split()[1]
d.terminate(); d.wait()
print("10,000 idle files: CPU %.1f%% of one core, RSS %s KB" % (100 * (c1 - c0) / (t1 - t0), rss))
