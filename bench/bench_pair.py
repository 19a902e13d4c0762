"""Alternate the floor and the DutyDesk `/log` benchmark as separate processes and print the medians
and the ratio of throughputs (this VM's speed drifts by ±20% between runs, so pairs are compared).

    .venv/bin/python -m bench.bench_pair [--rounds 3] [--n 2000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path


def run(module: str, n: int, out: Path) -> dict[str, float]:
    subprocess.run(
        [sys.executable, "-m", module, "--n", str(n), "--json", str(out)], check=True, stdout=subprocess.DEVNULL
    )
    return json.loads(out.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args(argv)
    floors, logs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.rounds):
            floors.append(run("bench.bench_floor", args.n, Path(tmp) / f"floor{i}.json"))
            logs.append(run("bench.bench_log", args.n, Path(tmp) / f"log{i}.json"))
    ratios = [log["throughput"] / floor["throughput"] for floor, log in zip(floors, logs, strict=True)]
    for name, results in (("floor (echo)", floors), ("DutyDesk /log", logs)):
        print(
            f"{name:14s} throughput median {statistics.median(r['throughput'] for r in results):6.1f}/s  "
            f"p50 {statistics.median(r['p50_ms'] for r in results):6.2f} ms  "
            f"p99 {statistics.median(r['p99_ms'] for r in results):6.2f} ms  "
            f"peak RSS {max(r['rss_peak_mb'] for r in results):6.1f} MB"
        )
    print(
        f"throughput ratio per round: {', '.join(f'{r:.0%}' for r in ratios)}; median {statistics.median(ratios):.0%}"
    )
    cpu = [
        (floor["burst_cpu_seconds"] / floor["n"]) / (log["burst_cpu_seconds"] / log["n"])
        for floor, log in zip(floors, logs, strict=True)
    ]
    per_round = ", ".join(f"{r:.0%}" for r in cpu)
    print(f"CPU per update, floor / app, per round: {per_round}; median {statistics.median(cpu):.0%}")
    extra = [log["rss_peak_mb"] - floor["rss_peak_mb"] for floor, log in zip(floors, logs, strict=True)]
    print(f"peak RSS app - floor per round: {', '.join(f'{mb:+.1f}' for mb in extra)} MB")
    print("(the app: production runner, inbox, outbox; Telegram sending limits off, the fake has none)")


if __name__ == "__main__":
    main()
