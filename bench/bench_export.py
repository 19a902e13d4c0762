"""`dutydesk export` of many records: wall time and peak RSS of the real command, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.bench_export [--n 200000] [--db sqlite|pg|both] [--format jsonl|csv|both]

Seeds a fresh database (migrated) with ``--n`` incidents at one site, one handling note for every
fourth and a photo for every tenth, then runs ``python -m bot.cli export incidents -o FILE`` as a
child process and reads the child's own peak RSS from ``wait4`` (the command's memory, not this
script's). Issue 16's target: 200 000 incidents in < 10 s and < 150 MB peak RSS on both databases.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from storage.codes import Register
from storage.db import Database, upgrade
from storage.models import Incident, IncidentNote, IncidentPhoto, RegisterCounter, Site, table_of

ROOT = Path(__file__).resolve().parents[1]
CHUNK = 5000
TEXTS = ("3栋大堂天花漏水，地面有积水", "B座1802门禁故障", "停车场B2有车辆乱停堵住通道", "5号楼电梯异响，已通知维保")


def _incident(number: int, start: datetime) -> dict[str, object]:
    at = start + timedelta(minutes=number)
    return {
        "site_id": 1,
        "number": number,
        "kind": "incident",
        "occurred_at": at,
        "logged_at": at,
        "reporter_id": 1000 + number % 7,
        "reporter_name": "张三",
        "location": f"{number % 12 + 1}栋大堂",
        "category": "water",
        "severity": "normal",
        "situation": TEXTS[number % len(TEXTS)] + f" {number}",
        "status": "closed" if number % 3 else "open",
        "escalation": "none",
        "escalation_level": 0,
    }


async def seed(url: str, n: int) -> None:
    """``n`` incidents (ids 1..n), a note on every fourth, a photo on every tenth."""
    upgrade(url)
    db = Database(url)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(insert(Site), [{"code": "HG", "name": "华庭花园", "policy": {}}])
            counter = {"site_id": 1, "register": Register.INCIDENT, "next_number": n + 1}
            await conn.execute(insert(table_of(RegisterCounter)), [counter])
            for first in range(1, n + 1, CHUNK):
                numbers = range(first, min(first + CHUNK, n + 1))
                await conn.execute(insert(Incident), [_incident(i, start) for i in numbers])
                notes = [
                    {
                        "incident_id": i,
                        "author_id": 1001,
                        "author_name": "李四",
                        "text": "已通知维修",
                        "created_at": start,
                    }
                    for i in numbers
                    if i % 4 == 0
                ]
                if notes:
                    await conn.execute(insert(IncidentNote), notes)
                photos = [{"incident_id": i, "file_id": f"photo-{i}", "added_by": 1001} for i in numbers if i % 10 == 0]
                if photos:
                    await conn.execute(insert(IncidentPhoto), photos)
    finally:
        await db.dispose()


def run_export(url: str, fmt: str, out: Path) -> tuple[float, float, float, int]:
    """Wall seconds, CPU seconds and peak RSS (MB) of the export child, and the lines it wrote."""
    command = [sys.executable, "-m", "bot.cli", "export", "incidents", "--format", fmt, "-o", str(out)]
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryFile() as errors:  # not a pipe: a long traceback would block the child
        began = time.perf_counter()
        child = subprocess.Popen([*command, "--database", url], cwd=ROOT, env=env, stderr=errors)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - began
        errors.seek(0)
        error = errors.read().decode(errors="replace")[-2000:]
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"export failed ({child.returncode}): {error}")
    with out.open("rb") as written:
        lines = sum(1 for _ in written)
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, lines


async def _pg_database() -> str:
    from tests.support.postgres import pg_admin

    name = f"dutydesk_bench_{uuid.uuid4().hex[:10]}"
    await pg_admin(f'CREATE DATABASE "{name}"')
    return name


def bench(kind: str, url: str, n: int, formats: list[str], folder: Path) -> bool:
    began = time.perf_counter()
    asyncio.run(seed(url, n))
    print(f"{kind}: seeded {n} incidents in {time.perf_counter() - began:.1f} s")
    ok = True
    for fmt in formats:
        seconds, cpu, rss, lines = run_export(url, fmt, folder / f"{kind}-{uuid.uuid4().hex[:6]}.{fmt}")
        met = seconds < 10 and rss < 150
        ok &= met
        print(
            f"{kind} {fmt}: {lines} lines in {seconds:.2f} s (CPU {cpu:.2f} s), peak RSS {rss:.0f} MB,"
            f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs  {'OK' if met else 'MISSED'}"
        )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--n", type=int, default=200_000, help="incidents to seed (default 200000)")
    parser.add_argument("--db", choices=("sqlite", "pg", "both"), default="both", help="database(s) (default both)")
    parser.add_argument("--format", choices=("jsonl", "csv", "both"), default="both", help="format(s) (default both)")
    args = parser.parse_args()
    formats = ["jsonl", "csv"] if args.format == "both" else [args.format]
    print(f"target: {args.n} incidents exported in < 10 s and < 150 MB peak RSS")
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        folder = Path(tmp)
        if args.db in ("sqlite", "both"):
            ok &= bench("sqlite", f"sqlite+aiosqlite:///{folder}/bench.db", args.n, formats, folder)
        if args.db in ("pg", "both"):
            from tests.support.postgres import database_url, pg_admin

            name = asyncio.run(_pg_database())
            try:
                ok &= bench("postgresql", database_url(name), args.n, formats, folder)
            finally:
                asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
