"""`dutydesk report monthly` on a site with a year of records: wall time and peak RSS of the real
command (a child process; its peak RSS from ``wait4``), on SQLite.

    .venv/bin/python -m bench.bench_reports [--scale 1.0] [--month 2026-06]

Seeds a fresh migrated database with issue 20's year at one site, times ``--scale``: 200 000
incidents, 60 000 tickets each with a callback, 20 000 key loans, 30 000 patrol rounds, spread
evenly from 2025-12-01; then writes one month's report (message, four charts, workbook).
Target (issue 20): under 10 s and 300 MB.
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


def run_report(url: str, month: str, out: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS MB) of the command."""
    command = [sys.executable, "-m", "bot.cli", "report", "monthly", "--month", month, "--out", str(out)]
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    began = time.perf_counter()
    child = subprocess.Popen([*command, "--database", url], cwd=ROOT, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - began
    if status != 0:
        raise SystemExit(f"report failed with status {status}")
    return seconds, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="share of issue 20's year of records (1.0)")
    parser.add_argument("--month", default="2026-06", help="the month reported (YYYY-MM)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        began = time.perf_counter()
        asyncio.run(seed(url, args.scale))
        print(f"seeded in {time.perf_counter() - began:.1f} s (scale {args.scale})")
        out = Path(folder) / "out"
        out.mkdir()
        seconds, rss = run_report(url, args.month, out)
        print(f"report monthly {args.month}: {seconds:.1f} s, peak RSS {rss:.0f} MB; files: {sorted(os.listdir(out))}")


if __name__ == "__main__":
    main()
