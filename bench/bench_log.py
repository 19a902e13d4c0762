"""DutyDesk's `/log` through the real aiogram engine, SQLite and the fake Bot API, beside the floor.

    .venv/bin/python -m bench.bench_log [--n 2000] [--window 8] [--json bench/results/log.json]

Every update is a `/log` from a registered staff member in the site's duty group: it is classified,
numbered, written to SQLite (WAL), answered with the incident card, and the sent message is linked
to the record. The delivery's 30 msg/s Telegram limiter is off here (Telegram enforces its own
limit in production); everything else is the production path, including the engine's bound on
updates handled at once.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiogram import Bot, Dispatcher
from aiogram.types import Message, Update
from pydantic import SecretStr

from bench.harness import DEFAULT_CHAT_IDS, DEFAULT_USER_IDS, bench_arguments, report, run_bench
from bot.app import build_app
from bot.config import Settings
from bot.delivery import Delivery, Limits
from bot.engines.aiogram_engine import AiogramTransport, message_to_inbound
from storage.repos import sites

TEXTS = ("3栋大堂天花漏水，地面有积水", "B座1802门禁故障", "停车场B2有车辆乱停堵住通道", "5号楼电梯异响，已通知维保")


def make_setup(database_url: str, chat_id: int, user_id: int):  # type: ignore[no-untyped-def]
    async def setup(dp: Dispatcher, bot: Bot) -> None:
        settings = Settings(_env_file=None, bot_token=SecretStr("1:x"), database_url=database_url)  # type: ignore[call-arg]
        app = await build_app(settings)
        async with app.db.session() as session:
            site = await sites.create(
                session, code="BENCH", name="基准花园", language="zh-Hans", timezone="Asia/Shanghai"
            )
            site.duty_chat_id = chat_id
            await sites.set_role(session, telegram_id=user_id, site_id=site.id or 0, role="staff", added_by=None)
        app.desk.services.bot_username = "dutydesk_test_bot"
        delivery = Delivery(app.desk, AiogramTransport(bot), limits=Limits(0, 0, 0))

        async def on_message(message: Message, event_update: Update) -> None:
            inbound = message_to_inbound(message, event_update.update_id)
            if inbound is not None:
                await delivery.deliver(inbound, await app.desk.handle(inbound))

        dp.message.register(on_message)

    return setup


def main(argv: list[str] | None = None) -> None:
    parser = bench_arguments(__doc__.splitlines()[0] if __doc__ else None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    chat_id, user_id = DEFAULT_CHAT_IDS[0], DEFAULT_USER_IDS[0]
    with tempfile.TemporaryDirectory() as tmp:
        setup = make_setup(f"sqlite+aiosqlite:///{tmp}/bench.db", chat_id, user_id)
        result = asyncio.run(
            run_bench(
                setup,
                n=args.n,
                text=lambda i: f"/log {TEXTS[i % len(TEXTS)]} {i}",
                chat_ids=(chat_id,),
                user_ids=(user_id,),
                window=args.window,
                latency_n=args.latency_n,
                warmup=args.warmup,
                name="DutyDesk /log (aiogram, SQLite)",
                tasks_concurrency_limit=32,
            )
        )
    report(result, args.json)


if __name__ == "__main__":
    main()
