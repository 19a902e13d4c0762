"""The reports and exports of issue 20 on a site with a year of records, on SQLite and PostgreSQL:
`dutydesk report monthly|quarterly|annual` and `dutydesk export KIND --format xlsx` of every register,
each the real command in a child process, timed (wall and CPU) with its peak RSS (``wait4``'s
``ru_maxrss`` of that child: each item's own peak, nothing shared between items).

    .venv/bin/python -m bench.bench_reports [--scale 1.0] [--db sqlite|pg|both] [--only reports|exports]

Seeds a fresh migrated database (SQLite in a temporary folder; on PostgreSQL a database of its own,
``dutydesk_bench_<random>`` on the tests' server, dropped at the end) with issue 20's year at one
site, times ``--scale``: 200 000 incidents, 60 000 tickets each with a callback, 20 000 key loans,
30 000 patrol rounds, spread evenly over the year from 2025-12-01 (Core bulk inserts, 5 000 rows a
statement). Then the month 2026-06, the quarter 2026-Q2 and the year 2026 (eleven months of records)
and the whole of each register as XLSX. Target (issue 20): each report under 10 s and 300 MB, memory
not growing with the records. Figures: bench/README.md, "bench_reports".
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from storage.db import Database, upgrade
from storage.models import Callback, Incident, Key, KeyLoan, PatrolPlan, PatrolRound, Site, Ticket, table_of
from storage.models.keys import KeyKind

ROOT = Path(__file__).resolve().parents[1]
START = datetime(2025, 12, 1, tzinfo=UTC)
YEAR = 365 * 86400
CHUNK = 5000
CATEGORIES = ("water", "fire", "theft", "power", "noise", "parking", "other")


def _at(i: int, n: int) -> datetime:
    return START + timedelta(seconds=YEAR * i // max(n, 1))


async def _insert(db: Database, model: Any, rows: Any) -> None:
    batch: list[dict[str, Any]] = []
    async with db.session() as session:
        connection = await session.connection()
        for row in rows:
            batch.append(row)
            if len(batch) == CHUNK:
                await connection.execute(insert(table_of(model)), batch)
                batch = []
        if batch:
            await connection.execute(insert(table_of(model)), batch)


async def seed(url: str, scale: float) -> None:
    upgrade(url)
    db = Database(url)
    rnd = random.Random(20)
    n, m, loans, rounds = (int(x * scale) for x in (200_000, 60_000, 20_000, 30_000))
    try:
        async with db.session() as session:
            session.add(Site(code="HG", name="华庭花园"))
            await session.flush()
            for k in range(3):
                session.add(PatrolPlan(site_id=1, name=f"巡查{k + 1}", schedule="every 2h", checkpoints=[], times=[]))
            for k in range(200):
                session.add(Key(site_id=1, code=f"K{k}", label=f"{k}栋机房", kind=KeyKind.PLANT))
        await _insert(
            db,
            Incident,
            (
                {
                    "site_id": 1, "number": i + 1, "kind": "incident", "occurred_at": _at(i, n), "logged_at": _at(i, n),
                    "reporter_id": 1, "reporter_name": "张三", "category": rnd.choice(CATEGORIES),
                    "severity": rnd.choice(("normal", "normal", "urgent", "major")), "situation": "3栋大堂天花漏水",
                    "status": "closed", "closed_at": _at(i, n) + timedelta(hours=rnd.random() * 12),
                    "escalation": "none", "escalation_level": 0,
                }
                for i in range(n)
            ),
        )  # fmt: skip
        await _insert(
            db,
            Ticket,
            (
                {
                    "site_id": 1, "number": n + i + 1, "kind": rnd.choice(("complaint", "repair", "inquiry")),
                    "category": "service", "description": "热水器不出热水", "resident_id": 5000 + i % 300,
                    "status": "closed", "created_at": _at(i, m), "deadline_at": _at(i, m) + timedelta(hours=24),
                    "resolved_at": _at(i, m) + timedelta(hours=rnd.random() * 30), "reopened": 0,
                    "satisfaction": rnd.choice(("satisfied", "basic", "unsatisfied")),
                }
                for i in range(m)
            ),
        )  # fmt: skip
        await _insert(
            db,
            Callback,
            (
                {
                    "ticket_id": i + 1, "site_id": 1, "due_at": _at(i, m), "created_at": _at(i, m), "state": "done",
                    "done_at": _at(i, m) + timedelta(hours=5), "how": "bot", "satisfaction": "satisfied",
                }
                for i in range(m)
            ),
        )  # fmt: skip
        await _insert(
            db,
            KeyLoan,
            (
                {
                    "site_id": 1, "key_id": i % 200 + 1, "borrower_id": 1, "lent_by": 1, "requested_at": _at(i, loans),
                    "out_at": _at(i, loans), "due_at": _at(i, loans) + timedelta(hours=8), "status": "returned",
                    "key_kind": "plant", "returned_at": _at(i, loans) + timedelta(hours=rnd.random() * 10),
                }
                for i in range(loans)
            ),
        )  # fmt: skip
        await _insert(
            db,
            PatrolRound,
            (
                {"plan_id": i % 3 + 1, "site_id": 1, "due_at": _at(i, rounds), "status": rnd.choice(("done", "missed"))}
                for i in range(rounds)
            ),
        )  # fmt: skip
    finally:
        await db.dispose()


REPORTS = (("monthly", "--month", "2026-06"), ("quarterly", "--quarter", "2026-Q2"), ("annual", "--year", "2026"))
TARGET_S, TARGET_MB = 10.0, 300.0


def run(command: list[str], url: str) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS MB) of ``python -m bot.cli COMMAND --database URL``."""
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    began = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", *command, "--database", url], cwd=ROOT, env=env, stdout=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - began
    if status != 0:
        raise SystemExit(f"{' '.join(command)} failed with status {status}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def bench(engine: str, url: str, scale: float, only: str, folder: Path) -> bool:
    began = time.perf_counter()
    asyncio.run(seed(url, scale))
    print(f"{engine}: seeded in {time.perf_counter() - began:.1f} s (scale {scale})", flush=True)
    ok = True
    out = folder / f"out-{engine}"
    out.mkdir()
    if only in ("reports", "all"):
        for verb, option, value in REPORTS:
            seconds, cpu, rss = run(["report", verb, option, value, "--out", str(out)], url)
            met = seconds < TARGET_S and rss < TARGET_MB
            ok &= met
            print(
                f"{engine} report {verb} {value}: {seconds:.1f} s (CPU {cpu:.1f} s), peak RSS {rss:.0f} MB, "
                f"load {os.getloadavg()[0]:.1f}  {'OK' if met else 'MISSED'}",
                flush=True,
            )
    if only in ("exports", "all"):
        from bot.cli import EXPORT_KINDS

        for kind in EXPORT_KINDS:
            target = out / f"{kind}.xlsx"
            seconds, cpu, rss = run(["export", kind, "--format", "xlsx", "-o", str(target)], url)
            print(
                f"{engine} export {kind} xlsx: {seconds:.1f} s (CPU {cpu:.1f} s), peak RSS {rss:.0f} MB, "
                f"{target.stat().st_size / 2**20:.1f} MB file, load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    return ok


async def _pg_database() -> str:
    from tests.support.postgres import pg_admin

    name = f"dutydesk_bench_{uuid.uuid4().hex[:10]}"
    await pg_admin(f'CREATE DATABASE "{name}"')
    return name


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="share of issue 20's year of records (1.0)")
    parser.add_argument("--db", choices=("sqlite", "pg", "both"), default="both", help="database(s) (default both)")
    parser.add_argument("--only", choices=("reports", "exports", "all"), default="all", help="what to run (all)")
    args = parser.parse_args()
    print(f"target: each report under {TARGET_S:.0f} s and {TARGET_MB:.0f} MB peak RSS")
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        folder = Path(tmp)
        if args.db in ("sqlite", "both"):
            ok &= bench("sqlite", f"sqlite+aiosqlite:///{folder}/bench.db", args.scale, args.only, folder)
        if args.db in ("pg", "both"):
            from tests.support.postgres import database_url, pg_admin

            name = asyncio.run(_pg_database())
            try:
                ok &= bench("postgresql", database_url(name), args.scale, args.only, folder)
            finally:
                asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
