"""How long a staff member's /log waits for its reply in the duty group while residents flood the bot
with photos (under 3 s), with Telegram's 20 messages a minute per group ON.

    .venv/bin/python -m bench.bench_flood [--runs 1] [--residents 1] [--photos 60] [--duration 75]

Each run is a fresh SQLite database and a fresh fake Bot API that enforces 20 messages a minute in
a group (a 429 past it), with the production runner (inbox, workers, outbox, delivery, ticker) and
the default sending limits (SEND_PER_SECOND 30, GROUP_PER_MINUTE 20, CHAT_PER_SECOND 1). Site HG
has a duty group and a staff member. Each resident opens a ticket with a line of text, then sends
``photos`` photos over ``flood_seconds``; from the flood's start, the staff member logs an incident
every ``log_every`` seconds for ``duration`` seconds (long enough for the minute's batch to be relayed
too). The figure is push → the /log's card at the fake, p50 and max; the group's messages caused by
the flood while staff were logging, the 429s the fake answered, and when the last resident's batch
summary reached the group (residents' relays use at most half of the group's minute, so while staff
send 10 or more a minute they wait) are printed with it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.dutydesk_app import run_dutydesk
from bench.harness import BenchApp
from bot.app import App
from storage.codes import Role
from storage.repos import sites
from tests.fakes.bot_api import Call, FakeBotAPI

STAFF = 101
GROUP = -1001000000100
RESIDENTS = tuple(7001 + k for k in range(50))
TARGET = 3.0  # seconds


@dataclass
class FloodRun:
    latencies: list[float]  # seconds: each /log pushed → its card at the fake
    flood_messages: int  # messages in the duty group about residents' tickets during the run
    rate_limited: int  # 429s the fake answered
    summaries_after: float  # seconds from the flood's start until every resident's batch summary was in the group


async def seed(app: App) -> None:
    async with app.db.session() as session:
        site = await sites.create(session, code="HG", name="华庭花园", language="zh-Hans", timezone="Asia/Shanghai")
        site.duty_chat_id = GROUP
        await sites.set_role(session, telegram_id=STAFF, site_id=site.id or 0, role=Role.STAFF, added_by=None)


def to_group(call: Call) -> bool:
    return call.ok and call.params.get("chat_id") == GROUP and call.method in ("sendMessage", "sendPhoto")


async def flood(fake: FakeBotAPI, resident: int, photos: int, seconds: float) -> None:
    for _ in range(photos):
        fake.push_update(fake.user_message(resident, resident, "", first_name=f"业户{resident}", photo=True))
        await asyncio.sleep(seconds / photos)


async def staff_logs(fake: FakeBotAPI, every: float, duration: float, timeout: float) -> list[float]:  # noqa: ASYNC109
    """One /log every ``every`` seconds; each one's push → card, measured as they come."""

    async def one(i: int) -> float:
        pushed = time.monotonic()
        fake.push_update(fake.user_message(GROUP, STAFF, f"/log 巡查记录{i}：3栋大堂门禁失灵", first_name="值班员"))
        [card] = await fake.wait_for(
            "sendMessage",
            lambda c: c.params.get("chat_id") == GROUP and f"巡查记录{i}" in str(c.params.get("text", "")),
            timeout=timeout,
        )
        return card.at - pushed

    tasks = []
    for i in range(max(1, int(duration / every))):
        tasks.append(asyncio.create_task(one(i)))
        await asyncio.sleep(every)
    return list(await asyncio.gather(*tasks))


async def one_run(args: argparse.Namespace, database_url: str) -> FloodRun:
    async with FakeBotAPI(group_limit_per_minute=20) as fake:
        stopping = asyncio.Event()
        api = BenchApp(fake.base_url, fake.token, stopping, lambda *_: None)
        app_task = asyncio.create_task(run_dutydesk(api, database_url, seed, limits=True))
        try:
            await fake.wait_polling(timeout=args.timeout)
            residents = RESIDENTS[: args.residents]
            for resident in residents:
                text = "卫生间天花板漏水，麻烦派人来看看"
                fake.push_update(fake.user_message(resident, resident, text, first_name=f"业户{resident}"))
            await fake.wait_for("sendMessage", lambda c: c.params.get("chat_id") == GROUP, count=len(residents))
            start, started = len(fake.calls), time.monotonic()
            floods = [asyncio.create_task(flood(fake, r, args.photos, args.flood_seconds)) for r in residents]
            latencies = await staff_logs(fake, args.log_every, args.duration, args.timeout)
            await asyncio.gather(*floods)
            flood_messages = sum(
                1 for c in fake.calls[start:] if to_group(c) and "巡查记录" not in str(c.params.get("text", ""))
            )
            summaries = await fake.wait_for(
                "sendMessage",
                lambda c: c.params.get("chat_id") == GROUP and "连续发来" in str(c.params.get("text", "")),
                count=len(residents),
                timeout=args.timeout,
            )
            return FloodRun(latencies, flood_messages, fake.rate_limited, summaries[-1].at - started)
        finally:
            stopping.set()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(app_task, 30)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=1, help="runs (default 1)")
    parser.add_argument("--residents", type=int, default=1, help="residents flooding at once (default 1)")
    parser.add_argument("--photos", type=int, default=60, help="photos each resident sends (default 60)")
    parser.add_argument("--flood-seconds", type=float, default=20.0, help="over how long (default 20 s)")
    parser.add_argument("--log-every", type=float, default=5.0, help="a staff /log every so many seconds (default 5)")
    parser.add_argument("--duration", type=float, default=75.0, help="seconds of staff /logs (default 75)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for any one reply")
    args = parser.parse_args(argv)
    if not 1 <= args.residents <= len(RESIDENTS):
        parser.error(f"--residents must be 1..{len(RESIDENTS)}")
    logging.basicConfig(level=logging.ERROR)
    print(
        f"bench flood: production runner, SQLite, limits ON (30/s, 20/min per group, 1/s per chat; the fake 429s "
        f"past 20/min); {args.residents} resident(s) × {args.photos} photos in {args.flood_seconds:.0f} s, "
        f"a staff /log every {args.log_every:.0f} s for {args.duration:.0f} s"
    )
    everything: list[float] = []
    for k in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            run = asyncio.run(one_run(args, f"sqlite+aiosqlite:///{tmp}/flood{k}.db"))
        everything += run.latencies
        print(
            f"  run {k + 1}: {len(run.latencies)} /log   p50 {1000 * statistics.median(run.latencies):8.1f} ms   "
            f"max {1000 * max(run.latencies):8.1f} ms   group messages from the flood {run.flood_messages}   "
            f"429s {run.rate_limited}   batch summaries in the group at +{run.summaries_after:.0f} s",
            flush=True,
        )
    worst = max(everything)
    verdict = "ok" if worst < TARGET else f"OVER the {TARGET:.0f} s target"
    print(
        f"staff /log reply during the flood: p50 {1000 * statistics.median(everything):8.1f} ms   "
        f"max {1000 * worst:8.1f} ms   ({verdict})"
    )


if __name__ == "__main__":
    main()
