#!/usr/bin/env python3
"""Render time of the dashboard for a year of data in headless Chromium.

    python3 benches/scripts/dashboard_render.py [RUNS]

A year of data (scripts/dashboard_sample.py: 365 days x 2 agents x 3 models, 265,669 calls,
5,000 rate-limit snapshots, 8,760 hours of coding-vs-AI, the lists at their caps) is put into
crates/seqch-tail/src/dashboard/page.html the way `seqch-tail dashboard` does it, and rendered
RUNS times (default 5) with scripts/chromium.sh. Prints the page's own render time
(data-render-ms: from the data to the last chart drawn) of each run and the median, and the
wall time of each Chromium run (start, load, render, dump) beside an empty page's, the floor.
"""
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

root = Path(__file__).resolve().parents[2]
runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
data = json.loads(subprocess.check_output([sys.executable, str(root / "scripts/dashboard_sample.py")]))
calls = sum(int(r["calls"]) for r in data["daily"])
template = (root / "crates/seqch-tail/src/dashboard/page.html").read_text()
page_text = template.replace("__SEQCH_DATA__", json.dumps(data).replace("<", "\\u003c"), 1)

with tempfile.TemporaryDirectory() as tmp:
    page = Path(tmp) / "year.html"
    page.write_text(page_text)
    empty = Path(tmp) / "empty.html"
    empty.write_text("<!doctype html><title>empty</title>")

    def render(p):
        out = Path(tmp) / "out"
        started = time.monotonic()
        subprocess.run(["bash", str(root / "scripts/chromium.sh"), "render", str(p), str(out)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.monotonic() - started
        dom = (out / "dom.html").read_text()
        m = re.search(r'<body[^>]*data-render-ms="([0-9.]+)"', dom)
        errors = re.search(r'data-errors="(\d+)"', dom)
        return (float(m.group(1)) if m else None), wall, (errors.group(1) if errors else None)

    floor = statistics.median(render(empty)[1] for _ in range(3))
    results = [render(page) for _ in range(runs)]

print(f"a year: {len(data['daily'])} daily rows, {calls} calls, page {len(page_text) / 1e6:.1f} MB")
for i, (ms, wall, errors) in enumerate(results):
    print(f"run {i}: render {ms} ms, chromium wall {wall:.2f} s, errors {errors}")
print(f"median render {statistics.median(r[0] for r in results):.0f} ms; "
      f"median chromium wall {statistics.median(r[1] for r in results):.2f} s "
      f"against {floor:.2f} s for an empty page")
