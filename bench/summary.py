"""Every benchmark's latest headline figures in one table (``make bench`` prints it last).

Each script under ``bench/`` keeps its rows in ``bench/last/NAME.json`` when it finishes;
this reads them all. A benchmark never run on this machine is listed as missing.

    python bench/summary.py [--markdown]
"""

from __future__ import annotations

import argparse
import json
import sys

from benchlib import LAST

#: the order of the table, and the script that fills each part
ORDER = (
    "vae_throughput",
    "gan_throughput",
    "iwae",
    "sample_metrics",
    "startup",
    "manifold",
    "load_fashion_mnist",
    "dqn_cartpole",
)
COLUMNS = ("benchmark", "measure", "zoo", "peer", "ratio", "spread", "target")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--markdown", action="store_true", help="a Markdown table (for docs)")
    args = ap.parse_args()
    found = {p.stem: json.loads(p.read_text()) for p in sorted(LAST.glob("*.json"))}
    names = [n for n in ORDER if n in found] + sorted(set(found) - set(ORDER))
    rows, machines = [], set()
    for name in names:
        data = found[name]
        machines.add(data["machine"])
        for i, r in enumerate(data["rows"]):
            first = f"{name} ({data['when']})" if i == 0 else ""
            rows.append([first, *(r.get(c, "") for c in COLUMNS[1:])])
    missing = [n for n in ORDER if n not in found]
    if args.markdown:
        print("| " + " | ".join(COLUMNS) + " |")
        print("|" + "---|" * len(COLUMNS))
        for r in rows:
            print("| " + " | ".join(r) + " |")
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(*COLUMNS, title="zoo benchmarks: the latest figures")
        for r in rows:
            table.add_row(*r)
        Console(width=None if sys.stdout.isatty() else 160).print(table)
    for m in sorted(machines):
        print(f"machine: {m}")
    if missing:
        print(f"not run yet: {', '.join(missing)} (python bench/NAME.py)")


if __name__ == "__main__":
    main()
