"""Webhook mode on PostgreSQL: throughput of one bot process against two behind a load balancer.

Each run makes a fresh database, starts ``--processes`` real ``dutydesk run`` processes in webhook
mode against the suite's fake Bot API, and POSTs ``--n`` ``/log`` updates straight to their webhook
servers (in turn, at most ``--connections`` requests in flight, as Telegram's max_connections).
Throughput = n / (the last reply arriving at the fake − the first POST). Run from the repo root:

    .venv/bin/python -m bench.bench_webhook --n 400 --processes 1 2
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

from bot.classifier.rules import RuleClassifier
from storage.db import Database, upgrade
from tests.fakes.bot_api import FakeBotAPI
from tests.faults.harness import BotProcess, prepare_site, replies_by_mark
from tests.support import GROUP, STAFF
from tests.support.postgres import database_url, pg_admin
from tests.support.webhook import free_port

SECRET = "bench-secret"


async def post_all(urls: list[str], updates: list[dict[str, object]], connections: int) -> None:
    gate = asyncio.Semaphore(connections)
    targets = itertools.cycle(urls)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with aiohttp.ClientSession() as http:

        async def post(url: str, update: dict[str, object]) -> None:
            async with gate:
                while True:  # as Telegram: again until 200
                    async with http.post(url, json=update, headers=headers) as response:
                        if response.status == 200:
                            return
                    await asyncio.sleep(0.1)

        await asyncio.gather(*(post(next(targets), u) for u in updates))


async def run(processes: int, n: int, connections: int, workdir: Path) -> tuple[float, float]:
    name = f"dutydesk_bench_{uuid.uuid4().hex[:8]}"
    await pg_admin(f'CREATE DATABASE "{name}"')
    url = database_url(name)
    try:
        await asyncio.to_thread(upgrade, url)
        db = Database(url)
        await prepare_site(db, RuleClassifier.load())
        async with FakeBotAPI(can_read_all_group_messages=True, allow_http_webhook=True) as fake:
            ports = [free_port() for _ in range(processes)]
            urls = [f"http://127.0.0.1:{port}/telegram" for port in ports]
            bots = [BotProcess(fake, url, workdir) for _ in ports]
            for bot, port in zip(bots, ports, strict=True):
                env = {"WEBHOOK_URL": urls[0], "WEBHOOK_SECRET": SECRET, "WEBHOOK_LISTEN": f"127.0.0.1:{port}"}
                await bot.start(INBOX_LEASE_SECONDS="30", CLAIM_STALE_SECONDS="120", **env)
                bot.drain()
            await fake.wait_for("setWebhook", count=processes, timeout=90)

            def updates(first: int, count: int) -> list[dict[str, object]]:
                made = []
                for i in range(first, first + count):
                    update = fake.user_message(GROUP.id, STAFF.id, f"/log 3栋大堂漏水 burst-{i}", first_name="小李")
                    update["update_id"] = 10_000 + i
                    made.append(update)
                return made

            warm = 20 * processes
            await post_all(urls, updates(0, warm), connections)
            await fake.wait_until(lambda: len(replies_by_mark(fake)) >= warm, timeout=120)
            began = time.monotonic()
            await post_all(urls, updates(warm, n), connections)
            stored = time.monotonic() - began
            await fake.wait_until(lambda: len(replies_by_mark(fake)) >= warm + n, timeout=600)
            elapsed = time.monotonic() - began
            for bot in bots:
                await bot.terminate()
        await db.dispose()
    finally:
        await pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return n / elapsed, n / stored


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=400, help="updates in the measured burst")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2], help="process counts to compare")
    parser.add_argument("--connections", type=int, default=40, help="webhook requests in flight at most")
    args = parser.parse_args()
    print(f"webhook mode on PostgreSQL, {args.n} /log updates, {os.cpu_count()} CPU core(s)")
    with tempfile.TemporaryDirectory() as workdir:
        for processes in args.processes:
            handled, stored = await run(processes, args.n, args.connections, Path(workdir))
            print(f"{processes} process(es): {handled:7.1f} updates/s answered   {stored:7.1f} updates/s stored (200)")


if __name__ == "__main__":
    asyncio.run(main())
