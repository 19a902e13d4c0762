"""Alternate the floor and the DutyDesk `/log` benchmark as separate processes and print the medians
and the ratio of throughputs (this VM's speed drifts by ±20% between runs, so pairs are compared).

    .venv/bin/python -m bench.bench_pair [--engine aiogram|ptb|both] [--rounds 3] [--n 2000]

Each engine is compared with its own floor on the same fake server: ``aiogram`` the aiogram echo
Dispatcher and DutyDesk's runner with ``AiogramEngine``; ``ptb`` a python-telegram-bot
``Application`` echo bot and the runner with ``PtbEngine``. ``both`` does both, round by round, and
prints the two floors side by side. Targets: app throughput >= 40% of the engine's floor,
app p99 < 150 ms, app peak RSS <= floor + 40 MB.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ENGINES = ("aiogram", "ptb")
TARGET_RATIO = 0.40
TARGET_P99_MS = 150.0
TARGET_RSS_EXTRA_MB = 40.0


def run(module: str, engine: str, n: int, out: Path) -> dict[str, float]:
    subprocess.run(
        [sys.executable, "-m", module, "--engine", engine, "--n", str(n), "--json", str(out)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return json.loads(out.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def summary(engine: str, floors: list[dict[str, float]], logs: list[dict[str, float]]) -> dict[str, float]:
    """Print one engine's pair figures; return the medians (and the verdicts' inputs)."""
    print(f"== {engine}")
    for name, results in ((f"floor ({engine} echo)", floors), ("DutyDesk /log", logs)):
        print(
            f"  {name:20s} throughput median {statistics.median(r['throughput'] for r in results):6.1f}/s  "
            f"p50 {statistics.median(r['p50_ms'] for r in results):6.2f} ms  "
            f"p99 {statistics.median(r['p99_ms'] for r in results):6.2f} ms  "
            f"peak RSS {max(r['rss_peak_mb'] for r in results):6.1f} MB"
        )
    pairs = list(zip(floors, logs, strict=True))
    ratios = [log["throughput"] / floor["throughput"] for floor, log in pairs]
    print(
        f"  throughput ratio per round: {', '.join(f'{r:.0%}' for r in ratios)}; median {statistics.median(ratios):.0%}"
    )
    cpu = [(floor["burst_cpu_seconds"] / floor["n"]) / (log["burst_cpu_seconds"] / log["n"]) for floor, log in pairs]
    per_round = ", ".join(f"{r:.0%}" for r in cpu)
    print(f"  CPU per update, floor / app, per round: {per_round}; median {statistics.median(cpu):.0%}")
    extra = [log["rss_peak_mb"] - floor["rss_peak_mb"] for floor, log in pairs]
    print(f"  peak RSS app - floor per round: {', '.join(f'{mb:+.1f}' for mb in extra)} MB")
    figures = {
        "floor_throughput": statistics.median(r["throughput"] for r in floors),
        "app_throughput": statistics.median(r["throughput"] for r in logs),
        "ratio": statistics.median(ratios),
        "floor_p99_ms": statistics.median(r["p99_ms"] for r in floors),
        "app_p99_ms": statistics.median(r["p99_ms"] for r in logs),
        "floor_rss_mb": max(r["rss_peak_mb"] for r in floors),
        "app_rss_mb": max(r["rss_peak_mb"] for r in logs),
        "rss_extra_mb": max(extra),
    }
    verdicts = (
        (f"ratio >= {TARGET_RATIO:.0%}", figures["ratio"] >= TARGET_RATIO),
        (f"app p99 < {TARGET_P99_MS:.0f} ms", figures["app_p99_ms"] < TARGET_P99_MS),
        (
            f"peak RSS <= floor + {TARGET_RSS_EXTRA_MB:.0f} MB (worst round)",
            figures["rss_extra_mb"] <= TARGET_RSS_EXTRA_MB,
        ),
    )
    print("  targets: " + "; ".join(f"{what} {'ok' if ok else 'MISSED'}" for what, ok in verdicts))
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--engine", choices=(*ENGINES, "both"), default="aiogram")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--json", type=Path, default=None, help="also write the per-engine medians as JSON here")
    args = parser.parse_args(argv)
    engines = ENGINES if args.engine == "both" else (args.engine,)
    floors: dict[str, list[dict[str, float]]] = {engine: [] for engine in engines}
    logs: dict[str, list[dict[str, float]]] = {engine: [] for engine in engines}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.rounds):
            for engine in engines:
                floors[engine].append(run("bench.bench_floor", engine, args.n, Path(tmp) / f"floor-{engine}{i}.json"))
                logs[engine].append(run("bench.bench_log", engine, args.n, Path(tmp) / f"log-{engine}{i}.json"))
    figures = {engine: summary(engine, floors[engine], logs[engine]) for engine in engines}
    if len(engines) > 1:
        print("== floors side by side (medians; same fake, same harness, same machine)")
        for engine in engines:
            f = figures[engine]
            print(
                f"  {engine:8s} floor {f['floor_throughput']:6.1f}/s  p99 {f['floor_p99_ms']:6.2f} ms  "
                f"peak RSS {f['floor_rss_mb']:6.1f} MB   app {f['app_throughput']:6.1f}/s ({f['ratio']:.0%})"
            )
    print("(the app: production runner, inbox, outbox; Telegram sending limits off, the fake has none)")
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
