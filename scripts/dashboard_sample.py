#!/usr/bin/env python3
"""Generate seqch dashboard data documents (python3 stdlib only).

    scripts/dashboard_sample.py            # "year" document: 365 days x 2 agents x 3 models,
                                           # 40 tools, 200 projects, 500 context_fill sessions,
                                           # 5000 rate-limit snapshots, 8760 coding_vs_ai hours
    scripts/dashboard_sample.py --seed 7   # same shape, other numbers

The output is the JSON document that replaces the data token in
crates/seqch-tail/src/dashboard/page.html (the page's render-speed check).
Like ClickHouse with output_format_json_quote_64bit_integers=1, 64-bit
integer columns are emitted as numeric strings and floats as numbers.
"""
import argparse
import datetime as dt
import json
import random
import sys

AGENTS = {
    # agent: [(model, usd per M input, usd per M cached read, usd per M cache write, usd per M output)]
    "claude": [
        ("claude-sonnet-4-5", 3.0, 0.30, 3.75, 15.0),
        ("claude-opus-4-1", 15.0, 1.50, 18.75, 75.0),
        ("claude-haiku-4-5", 1.0, 0.10, 1.25, 5.0),
    ],
    "codex": [
        ("gpt-5-codex", 1.25, 0.125, 0.0, 10.0),
        ("gpt-5", 1.25, 0.125, 0.0, 10.0),
        ("gpt-5-mini", 0.25, 0.025, 0.0, 2.0),
    ],
}

CLAUDE_TOOLS = ["Bash", "Read", "Edit", "Write", "Grep", "Glob", "Task", "WebFetch",
                "WebSearch", "TodoWrite", "MultiEdit", "NotebookEdit", "BashOutput",
                "KillShell", "ExitPlanMode", "SlashCommand"]
CODEX_TOOLS = ["shell", "apply_patch", "update_plan", "web_search", "view_image",
               "read_file", "list_dir", "grep_files", "exec_command", "write_stdin"]


def fmt_ts(t, millis=False):
    s = t.strftime("%Y-%m-%d %H:%M:%S")
    if millis:
        s += ".%03d" % (t.microsecond // 1000)
    return s


def year_doc(seed):
    rnd = random.Random(seed)
    start = dt.date(2031, 1, 1)
    days = [start + dt.timedelta(days=i) for i in range(365)]
    until = days[-1]

    daily = []
    for d in days:
        weekday = d.weekday()
        for agent, models in AGENTS.items():
            for mi, (model, p_in, p_cached, p_write, p_out) in enumerate(models):
                act = rnd.uniform(0.2, 1.0) * (0.35 if weekday >= 5 else 1.0) / (1 + mi)
                calls = int(400 * act) + rnd.randint(0, 5)
                inp = calls * rnd.randint(20_000, 60_000)
                cached = int(inp * rnd.uniform(0.55, 0.95))
                cwrite = int((inp - cached) * rnd.uniform(0.1, 0.5)) if p_write else 0
                out = calls * rnd.randint(300, 1500)
                reasoning = int(out * rnd.uniform(0.1, 0.5)) if agent == "codex" else 0
                cost = ((inp - cached - cwrite) * p_in + cached * p_cached
                        + cwrite * p_write + out * p_out) / 1e6
                saved = cached * (p_in - p_cached) / 1e6
                daily.append({
                    "day": d.isoformat(), "agent": agent, "model": model,
                    "calls": str(calls), "input_tokens": str(inp),
                    "cached_tokens": str(cached), "cache_write_tokens": str(cwrite),
                    "output_tokens": str(out), "reasoning_tokens": str(reasoning),
                    "cost_usd": cost, "saved_usd": saved,
                })

    tools = []
    extra = ["mcp__github__create_pr", "mcp__github__list_issues", "mcp__fs__read",
             "mcp__fs__write", "mcp__db__query", "mcp__db__schema", "mcp__browser__open",
             "mcp__browser__click", "mcp__jira__search", "mcp__slack__post",
             "mcp__ci__logs", "mcp__ci__rerun", "mcp__docs__search", "mcp__k8s__get"]
    names = CLAUDE_TOOLS + CODEX_TOOLS + extra  # 40 tool names
    assert len(names) == 40
    for i, name in enumerate(names):
        for agent in AGENTS:
            calls = int(rnd.paretovariate(1.2) * 800) + 1
            failures = int(calls * rnd.uniform(0, 0.25))
            tools.append({"agent": agent, "tool_name": name, "calls": str(calls),
                          "failures": str(failures), "success_rate": 1 - failures / calls,
                          "avg_dur_ms": round(rnd.uniform(5, 20_000), 3)})

    failing = []
    for i in range(300):
        agent = rnd.choice(list(AGENTS))
        tool = rnd.choice(CLAUDE_TOOLS if agent == "claude" else CODEX_TOOLS)
        t = dt.datetime(2031, 1, 1) + dt.timedelta(seconds=rnd.randint(0, 365 * 86400 - 1))
        failing.append({"agent": agent, "tool_name": tool,
                        "input_summary": "cargo test -p crate%d -- --nocapture <case %d>" % (i % 17, i),
                        "failures": str(rnd.randint(1, 40)), "last_failed_at": fmt_ts(t)})

    projects = []
    for i in range(200):
        for agent in AGENTS:
            if agent == "codex" and i % 3:
                continue
            sessions = int(rnd.paretovariate(1.1) * 5)
            projects.append({"project_path": "/home/dev/src/org%d/project-%03d" % (i % 9, i),
                             "agent": agent, "sessions": str(sessions),
                             "total_tokens": str(sessions * rnd.randint(100_000, 5_000_000)),
                             "total_cost_usd": sessions * rnd.uniform(0.2, 9.0),
                             "total_dur_ms": str(sessions * rnd.randint(60_000, 7_200_000))})

    context_fill = []
    for i in range(500):
        agent = "claude" if i % 2 == 0 else "codex"
        model = rnd.choice(AGENTS[agent])[0]
        t = dt.datetime(2031, 12, 31) - dt.timedelta(seconds=rnd.randint(0, 30 * 86400))
        context_fill.append({"agent": agent, "session_id": "%08x-%04x-4%03x-8%03x-%012x" % (
                                 rnd.getrandbits(32), rnd.getrandbits(16), rnd.getrandbits(12),
                                 rnd.getrandbits(12), rnd.getrandbits(48)),
                             "project_path": "/home/dev/src/org%d/project-%03d" % (i % 9, i % 200),
                             "model": model, "last_activity_at": fmt_ts(t, millis=True),
                             "context_window": str(200_000 if agent == "claude" else 272_000),
                             "context_used_pct": round(rnd.uniform(1, 100), 2)})

    rate_limits = []
    series = [("codex", "codex", "primary", 300), ("codex", "codex", "secondary", 10080),
              ("claude", "claude", "five_hour", 300), ("claude", "claude", "seven_day", 10080)]
    per = 5000 // len(series)
    t0 = dt.datetime(2031, 1, 1)
    step = 365 * 86400 / per
    for agent, lid, window, minutes in series:
        for k in range(per):
            t = t0 + dt.timedelta(seconds=int(k * step + rnd.uniform(0, step / 2)))
            span = minutes * 60
            epoch = int(t.replace(tzinfo=dt.timezone.utc).timestamp())
            resets = (epoch // span + 1) * span
            frac = (epoch % span) / span
            rate_limits.append({"seen_at": fmt_ts(t, millis=True), "agent": agent, "limit_id": lid,
                                "window": window, "used_percent": round(min(100.0, frac * rnd.uniform(40, 120)), 1),
                                "window_minutes": str(minutes), "resets_at": str(resets)})

    coding = []
    for h in range(8760):
        t = dt.datetime(2031, 1, 1) + dt.timedelta(hours=h)
        work = 9 <= t.hour < 19 and t.weekday() < 5
        coding_min = round(rnd.uniform(10, 55), 2) if work else round(rnd.uniform(0, 5), 2)
        ai_ui = round(rnd.uniform(0, 20), 2) if work else 0.0
        ai_comp = round(rnd.uniform(0, 30), 2) if work else round(rnd.uniform(0, 2), 2)
        coding.append({"hour": fmt_ts(t), "coding_min": coding_min, "ai_ui_min": ai_ui,
                       "ai_compute_min": ai_comp, "calls": str(rnd.randint(0, 80) if work else 0)})

    return {
        "meta": {"title": "seqch", "source": "offline", "since": start.isoformat(),
                 "until": until.isoformat(), "tz": "UTC", "project": "",
                 "generated_at": "2032-01-01 00:00:00"},
        "daily": daily, "tools": tools, "failing_inputs": failing, "projects": projects,
        "context_fill": context_fill, "rate_limits": rate_limits, "coding_vs_ai": coding,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=2031)
    args = ap.parse_args()
    json.dump(year_doc(args.seed), sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
