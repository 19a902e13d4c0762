"""Recovery after a kill: how long after a restart, or after a kill when another process
survives, the last reply of a burst arrives, with the production lease and stale times
(INBOX_LEASE_SECONDS 30, CLAIM_STALE_SECONDS 120).

- ``restart``: one ``dutydesk run`` (long polling) gets a burst of ``--n`` ``/log`` updates and is
  SIGKILLed once a quarter of them are answered; it is started again at once. Figure: the last
  reply's arrival at the fake minus the restart. On PostgreSQL and on SQLite.
- ``survivor``: two processes in webhook mode on PostgreSQL share the burst (the fake Bot API
  balances them); one is SIGKILLed once it took a quarter. Figure: the last reply minus the kill.

Real processes against the suite's fake Bot API (tests/faults/harness.py). Run from the repo root:

    .venv/bin/python -m bench.bench_recovery --n 200 --runs 3
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.classifier.rules import RuleClassifier
from storage.db import Database, upgrade
from tests.fakes.bot_api import FakeBotAPI
from tests.faults.harness import BotProcess, prepare_site, push_burst, replies_by_mark
from tests.support.postgres import database_url, pg_admin
from tests.support.webhook import SECRET, free_port

PRODUCTION = {"INBOX_LEASE_SECONDS": "30", "CLAIM_STALE_SECONDS": "120", "TICK_SECONDS": "5"}


@asynccontextmanager
async def fresh_database(kind: str, workdir: Path) -> AsyncIterator[str]:
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{workdir}/bench-{uuid.uuid4().hex[:8]}.db"
        await asyncio.to_thread(upgrade, url)
        yield url
        return
    name = f"dutydesk_bench_{uuid.uuid4().hex[:8]}"
    await pg_admin(f'CREATE DATABASE "{name}"')
    try:
        url = database_url(name)
        await asyncio.to_thread(upgrade, url)
        yield url
    finally:
        await pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def seeded(url: str) -> None:
    db = Database(url)
    await prepare_site(db, RuleClassifier.load())
    await db.dispose()


async def restart(kind: str, n: int, workdir: Path) -> tuple[float, float]:
    """Seconds from the restart to the last reply, after a SIGKILL a quarter into the burst, and
    (for comparison) to the new process's getMe (its start-up: imports, migrations, settings)."""
    async with fresh_database(kind, workdir) as url:
        await seeded(url)
        async with FakeBotAPI(can_read_all_group_messages=True) as fake:
            bot = BotProcess(fake, url, workdir)
            await bot.start(**PRODUCTION)
            bot.drain()
            await fake.wait_for("getUpdates", timeout=90)
            push_burst(fake, n)
            await fake.wait_until(lambda: len(replies_by_mark(fake)) >= n // 4, timeout=120)
            assert bot.process is not None
            bot.process.kill()
            await bot.wait(30)
            restarted = time.monotonic()
            await bot.start(**PRODUCTION)
            bot.drain()
            await fake.wait_for("getMe", count=2, timeout=120)  # the new process introduces itself
            up = time.monotonic() - restarted
            await fake.wait_until(lambda: len(replies_by_mark(fake)) >= n, timeout=300)
            elapsed = time.monotonic() - restarted
            await bot.terminate()
    return elapsed, up


async def survivor(n: int, workdir: Path) -> tuple[float, float]:
    """Seconds from the SIGKILL of one of two webhook processes to the last reply."""
    async with fresh_database("postgres", workdir) as url:
        await seeded(url)
        async with FakeBotAPI(can_read_all_group_messages=True, allow_http_webhook=True) as fake:
            ports = [free_port(), free_port()]
            urls = [f"http://127.0.0.1:{port}/telegram" for port in ports]
            fake.balance_to = urls
            bots = [BotProcess(fake, url, workdir) for _ in ports]
            for bot, port in zip(bots, ports, strict=True):
                hook = {"WEBHOOK_URL": urls[0], "WEBHOOK_SECRET": SECRET, "WEBHOOK_LISTEN": f"127.0.0.1:{port}"}
                await bot.start(**PRODUCTION, **hook)
                bot.drain()
            await fake.wait_for("setWebhook", count=2, timeout=90)
            push_burst(fake, n)
            first = urls[0]
            await fake.wait_until(lambda: sum(1 for d in fake.delivered() if d.url == first) >= n // 4, timeout=120)
            killed = bots[0].process
            assert killed is not None
            killed.kill()
            died = time.monotonic()
            fake.balance_to = [urls[1]]  # the load balancer's health check takes the dead one out
            await fake.wait_until(lambda: len(replies_by_mark(fake)) >= n, timeout=300)
            elapsed = time.monotonic() - died
            await bots[0].wait(30)
            await bots[1].terminate()
    return elapsed, 0.0


def show(label: str, results: list[tuple[float, float]]) -> None:
    figures = [last for last, _ in results]
    runs = " ".join(f"{f:.1f}" for f in figures)
    ups = [up for _, up in results if up]
    startup = f"  start-up median {statistics.median(ups):.1f}s" if ups else ""
    print(f"{label:46} median {statistics.median(figures):5.1f}s  max {max(figures):5.1f}s  (runs: {runs}){startup}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="updates in the burst")
    parser.add_argument("--runs", type=int, default=3, help="runs of each case")
    parser.add_argument(
        "--cases", nargs="+", default=["pg-restart", "sqlite-restart", "pg-survivor"], help="which cases to run"
    )
    args = parser.parse_args()
    print(f"recovery after SIGKILL, {args.n} /log updates, lease 30 s, stale 120 s, {os.cpu_count()} CPU core(s)")
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        cases = {
            "pg-restart": ("PostgreSQL: last reply after the restart", lambda: restart("postgres", args.n, workdir)),
            "sqlite-restart": ("SQLite: last reply after the restart", lambda: restart("sqlite", args.n, workdir)),
            "pg-survivor": ("PostgreSQL, 2 processes: last reply after kill", lambda: survivor(args.n, workdir)),
        }
        for case in args.cases:
            label, run = cases[case]
            show(label, [await run() for _ in range(args.runs)])


if __name__ == "__main__":
    asyncio.run(main())
