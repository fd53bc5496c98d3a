#!/usr/bin/env python3
"""Summarises the plans PostgreSQL's auto_explain wrote to its log: for each
statement (its text up to the first 110 characters, numbers and strings
blanked), how often it ran, its slowest run, and how it reads each table —
so a statement that scans a large table whole stands out.

    scripts/explain-summary.py SERVER_LOG [LARGE_TABLES]

LARGE_TABLES (comma-separated) are the tables a desk statement must never
scan whole; the exit status is 1 when one does.
"""
import re, sys
from collections import defaultdict

log = open(sys.argv[1], errors="replace").read()
large = set((sys.argv[2] if len(sys.argv) > 2 else "").split(",")) - {""}
entries = re.split(r"LOG:  duration: ", log)[1:]
shapes = defaultdict(lambda: {"runs": 0, "slowest": 0.0, "reads": set()})
for entry in entries:
    duration = float(entry.split(" ", 1)[0])
    text = re.search(r"Query Text: (.*)", entry)
    if not text: continue
    query = re.sub(r"\s+", " ", text.group(1)).strip()
    shape = re.sub(r"'[^']*'|\b\d+\b", "?", query)[:110]
    plan = entry[text.end():]
    reads = set()
    for kind, table in re.findall(r"(Seq Scan|Index Only Scan|Index Scan|Bitmap Heap Scan) (?:using \S+ )?on (\w+)", plan):
        reads.add(f"{kind} {table}")
    s = shapes[shape]
    s["runs"] += 1
    s["slowest"] = max(s["slowest"], duration)
    s["reads"] |= reads
bad = False
print(f"{'runs':>6} {'slowest ms':>10}  statement / how it reads")
for shape, s in sorted(shapes.items(), key=lambda item: -item[1]["runs"]):
    scans = [r for r in s["reads"] if r.startswith("Seq Scan") and r.split()[-1] in large]
    bad |= bool(scans)
    print(f"{s['runs']:>6} {s['slowest']:>10.2f}  {shape}")
    print(f"{'':>18}{', '.join(sorted(s['reads'])) or '(no table read)'}{'   <-- scans a large table whole' if scans else ''}")
print(f"{len(entries)} plans, {len(shapes)} statements; " + ("a large table is scanned whole" if bad else f"no whole scan of {', '.join(sorted(large))}"))
sys.exit(1 if bad else 0)
