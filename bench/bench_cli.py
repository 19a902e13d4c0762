"""Start-up cost of the command line: `dutydesk --version` and `dutydesk export incidents` on an empty
(migrated) database, each run as the real console script, several times.

    .venv/bin/python -m bench.bench_cli [--runs 7] [--db sqlite|pg|both]

Prints the median, the fastest and the slowest wall time and the median CPU time (user + system,
read from ``wait4``: on a busy host the wall time also counts waiting for a CPU). Issue 16's
targets: `--version` < 0.3 s, `export incidents` on an empty database < 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from storage.db import upgrade

ROOT = Path(__file__).resolve().parents[1]


def command() -> list[str]:
    """The installed `dutydesk` script next to this Python, else ``python -m bot.cli``."""
    script = Path(sys.executable).parent / "dutydesk"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


def timed(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one run (it must succeed)."""
    with tempfile.TemporaryFile() as errors:  # not a pipe: a long traceback would block the child
        began = time.perf_counter()
        child = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - began
        errors.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{' '.join(argv)} failed: {errors.read().decode(errors='replace')[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime


def report(name: str, argv: list[str], env: dict[str, str], cwd: Path, runs: int, target: float) -> bool:
    timed(argv, env, cwd)  # warm the file cache (and migrate a new database) once
    samples = [timed(argv, env, cwd) for _ in range(runs)]
    walls = sorted(wall for wall, _ in samples)
    median = statistics.median(walls)
    cpu = statistics.median(c for _, c in samples)
    met = median < target
    print(
        f"{name}: median {median:.3f} s (fastest {walls[0]:.3f}, slowest {walls[-1]:.3f}; CPU {cpu:.3f} s)"
        f" over {runs} runs, target < {target} s  {'OK' if met else 'MISSED'}"
    )
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each command (default 7)")
    parser.add_argument("--db", choices=("sqlite", "pg", "both"), default="both", help="database(s) (default both)")
    args = parser.parse_args()
    base = command()
    print(f"{' '.join(base)}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        folder = Path(tmp)
        # No database at all: `--version` must not need one.
        env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": f"sqlite+aiosqlite:///{folder}/none/x.db"}
        ok &= report("dutydesk --version", [*base, "--version"], env, folder, args.runs, 0.3)
        assert not (folder / "none").exists(), "--version touched the database"
        export = [*base, "export", "incidents"]  # to standard output, which is /dev/null here
        if args.db in ("sqlite", "both"):
            url = f"sqlite+aiosqlite:///{folder}/empty.db"
            upgrade(url)
            env["DATABASE_URL"] = url
            ok &= report("dutydesk export incidents (SQLite, empty)", export, env, folder, args.runs, 1.0)
        if args.db in ("pg", "both"):
            from tests.support.postgres import database_url, pg_admin

            name = f"dutydesk_bench_{uuid.uuid4().hex[:10]}"
            asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
            try:
                upgrade(database_url(name))
                env["DATABASE_URL"] = database_url(name)
                ok &= report("dutydesk export incidents (PostgreSQL, empty)", export, env, folder, args.runs, 1.0)
            finally:
                asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
