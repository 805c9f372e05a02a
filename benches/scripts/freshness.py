#!/usr/bin/env python3
# Freshness: how long from appending a line to a watched file until its row is queryable.
# U=<ClickHouse URL> python3 benches/scripts/freshness.py  (after cargo build --release -p seqch-tail)
# N=<appends> (default 100, so that p99 is a measured value, not the maximum of a few).
import json, os, subprocess, sys, time, urllib.request
U = os.environ["U"]; P = "fr%d" % os.getpid(); home = "/tmp/freshhome"; state = "/tmp/freshstate"
subprocess.run(["rm", "-rf", home, state]); os.makedirs(home + "/claude/projects/p"); os.makedirs(home + "/codex/sessions")
def q(sql):
    return urllib.request.urlopen(urllib.request.Request(U, data=sql.encode())).read().decode().strip()
subprocess.run([os.path.join(os.path.dirname(__file__), "../../target/release/seqch-tail"), "schema", "apply", "--url", U, "--database-prefix", P], check=True, capture_output=True)
d = subprocess.Popen([os.path.join(os.path.dirname(__file__), "../../target/release/seqch-tail"), "run", "--url", U, "--database-prefix", P,
    "--claude-dir", home + "/claude/projects", "--codex-dir", home + "/codex/sessions", "--state-dir", state],
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(1.0)
f = open(home + "/claude/projects/p/s1.jsonl", "a")
lat = []
n = int(os.environ.get("N", "100"))
for i in range(n):
    line = {"type": "assistant", "sessionId": "s1", "timestamp": "2026-11-24T07:%02d:%02d.000Z" % (i // 60, i % 60), "requestId": "r%d" % i,
            "message": {"id": "m%d" % i, "model": "claude-opus-4-6", "stop_reason": "end_turn", "content": [],
                        "usage": {"input_tokens": 10, "output_tokens": 5}}}
    t0 = time.time()
    f.write(json.dumps(line) + "\n"); f.flush()
    while q("SELECT count() FROM %s_agent.turns WHERE turn_id = 'm%d:r%d'" % (P, i, i)) != "1":
        time.sleep(0.01)
        if time.time() - t0 > 10: break
    lat.append(time.time() - t0)
    time.sleep(0.2)
d.terminate(); d.wait()
lat.sort()
at = lambda q: lat[min(int(n * q), n - 1)]
print("append -> queryable over %d appends: p50 %.3f s, p95 %.3f s, p99 %.3f s, max %.3f s" % (n, at(0.5), at(0.95), at(0.99), lat[-1]))
