"""A staff `/log` in one site's duty group, answered while another site's supervisor imports a large
valid key list ("answered as fast as when idle").

    .venv/bin/python -m bench.bench_import [--rows 5000] [--imports 3] [--idle 30] [--worker process|thread]

The production runner (aiogram engine, SQLite, inbox, outbox, delivery) against the suite's fake Bot
API, Telegram's sending limits off (the fake has none). First ``--idle`` `/log` are sent one after
another in the second site's group, each timed from the push to its reply reaching the fake. Then the
supervisor sends ``--imports`` XLSX key lists of ``--rows`` rows by 5 columns, one after another,
while the `/log` go on; a `/log` counts as "during a parse" when it was pushed and answered while the
worker was reading a file (``read_in_worker``, timed around the call). ``--worker thread`` reads in a
thread of the bot's process instead of the worker process, to show what the process spares.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from handlers.core import context
from handlers.core import uploads as tables
from tests.fakes.bot_api import FakeBotAPI
from tests.support.e2e import ADMIN, GROUP, SUPERVISOR, RunningBot, setup_site

OTHER = -100888


def key_book(rows: int) -> bytes:
    """A valid key list as XLSX: code, label, kind, location, copies."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["code", "label", "kind", "location", "copies"])
    for n in range(rows):
        sheet.append([f"K-{n}", f"{n % 30 + 1}栋{n}室", "unit", f"钥匙柜{n % 12}", 1])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class Timed:
    """``read_in_worker`` with each call's (start, end) noted."""

    def __init__(self, real: Callable[..., Awaitable[list[tables.TableRow]]]) -> None:
        self.real = real
        self.spans: list[tuple[float, float]] = []

    async def __call__(self, *args: object) -> list[tables.TableRow]:
        start = time.monotonic()
        try:
            return await self.real(*args)
        finally:
            self.spans.append((start, time.monotonic()))


async def log_once(bot: RunningBot, n: int) -> tuple[float, float]:
    """(pushed, answered) of one `/log` in the other site's group."""
    marker = f"巡查记录{n}号"
    pushed = time.monotonic()
    bot.say(ADMIN, f"/log 3栋大堂天花漏水 {marker}", chat=OTHER)
    [reply] = await bot.reply_to(OTHER, marker, timeout=60)
    return pushed, reply.at


async def run(rows: int, imports: int, idle: int, worker: str) -> dict[str, list[float]]:
    timed = Timed(tables.read_in_worker)
    context.read_in_worker = timed  # type: ignore[assignment]  # the one call the bot makes
    if worker == "thread":
        tables._worker = ThreadPoolExecutor(max_workers=1)
    book = key_book(rows)
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeBotAPI(can_read_all_group_messages=True) as fake, RunningBot(fake, Path(tmp) / "b.db") as bot:
            await setup_site(bot)
            bot.say(ADMIN, "/setup OT 其他花园", chat=OTHER)
            await bot.reply_to(OTHER, "其他花园")
            for n in range(3):  # warm-up: the first /log pays for imports and caches
                await log_once(bot, -1 - n)
            idle_ms = [1000 * (end - start) for start, end in [await log_once(bot, n) for n in range(idle)]]

            done = asyncio.Event()
            samples: list[tuple[float, float]] = []

            async def logs() -> None:
                n = 10_000
                while not done.is_set():
                    samples.append(await log_once(bot, n))
                    n += 1

            logger = asyncio.create_task(logs())
            for k in range(imports):
                update = fake.user_message(
                    GROUP, SUPERVISOR, "/keys_import", first_name="U201", document=(f"keys{k}.xlsx", book)
                )
                fake.push_update(update)
                await bot.reply_to(GROUP, f"已导入 {rows} 把钥匙", count=k + 1, timeout=600)
            done.set()
            await logger
    busy_ms = [1000 * (end - start) for start, end in samples if any(s <= start and end <= e for s, e in timed.spans)]
    parse_s = [end - start for start, end in timed.spans]
    return {"idle": idle_ms, "during parse": busy_ms, "parse seconds": parse_s}


def describe(values: list[float]) -> str:
    if not values:
        return "no samples"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"n={len(values)} median {statistics.median(values):.1f} p95 {p95:.1f} max {ordered[-1]:.1f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--imports", type=int, default=3)
    parser.add_argument("--idle", type=int, default=30)
    parser.add_argument("--worker", choices=("process", "thread"), default="process")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    figures = asyncio.run(run(args.rows, args.imports, args.idle, args.worker))
    print(f"/log reply latency, ms (worker: {args.worker}; {args.imports} imports of {args.rows} rows x 5 columns)")
    print(f"  idle:           {describe(figures['idle'])}")
    print(f"  during a parse: {describe(figures['during parse'])}")
    print(f"  parse, s:       {', '.join(f'{s:.2f}' for s in figures['parse seconds'])}")


if __name__ == "__main__":
    main()
