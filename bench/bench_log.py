"""DutyDesk's `/log` on the production path (runner, inbox, desk, outbox, delivery; aiogram engine,
SQLite) against the fake Bot API, beside the floor.

    .venv/bin/python -m bench.bench_log [--engine aiogram|ptb] [--n 2000] [--window 8] [--json bench/results/log.json]

``--engine ptb`` runs the same app with ``DUTYDESK_ENGINE=ptb`` (``PtbEngine``, python-telegram-bot).

Every update is a `/log` from a registered staff member in the site's duty group. The runner polls
the fake, stores each batch in the inbox before confirming it, and its workers (CONCURRENT_UPDATES,
default 32) hand the stored updates to the desk: classified, numbered, written to SQLite (WAL) with
the incident card queued in the outbox in the same transaction; the delivery sends the card and the
sent message is linked to the record. Telegram's sending limits are OFF (SEND_PER_SECOND,
GROUP_PER_MINUTE, CHAT_PER_SECOND = 0): the fake has none, and with them on a group gets 20 replies a
minute, which would measure Telegram's limit, not the bot. Everything else is the production default.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.dutydesk_app import Engine, Seed, run_dutydesk
from bench.harness import DEFAULT_CHAT_IDS, DEFAULT_USER_IDS, AppRunner, BenchApp, bench_arguments, report, run_bench
from bot.app import App
from storage.codes import Role
from storage.repos import sites

TEXTS = ("3栋大堂天花漏水，地面有积水", "B座1802门禁故障", "停车场B2有车辆乱停堵住通道", "5号楼电梯异响，已通知维保")
LIMITS_NOTE = "Telegram sending limits OFF (the fake has none); production runner, inbox, outbox"


def seed_site(chat_id: int, user_id: int) -> Seed:
    """One site whose duty group is ``chat_id``, with ``user_id`` as staff."""

    async def seed(app: App) -> None:
        async with app.db.session() as session:
            site = await sites.create(
                session, code="BENCH", name="基准花园", language="zh-Hans", timezone="Asia/Shanghai"
            )
            site.duty_chat_id = chat_id
            await sites.set_role(session, telegram_id=user_id, site_id=site.id or 0, role=Role.STAFF, added_by=None)

    return seed


def make_app(database_url: str, chat_id: int, user_id: int, engine: Engine = "aiogram") -> AppRunner:
    async def app_runner(api: BenchApp) -> None:
        await run_dutydesk(api, database_url, seed_site(chat_id, user_id), limits=False, engine=engine)

    return app_runner


def main(argv: list[str] | None = None) -> None:
    parser = bench_arguments(__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--engine", choices=("aiogram", "ptb"), default="aiogram")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    chat_id, user_id = DEFAULT_CHAT_IDS[0], DEFAULT_USER_IDS[0]
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(
            run_bench(
                app_runner=make_app(f"sqlite+aiosqlite:///{tmp}/bench.db", chat_id, user_id, args.engine),
                n=args.n,
                text=lambda i: f"/log {TEXTS[i % len(TEXTS)]} {i}",
                chat_ids=(chat_id,),
                user_ids=(user_id,),
                window=args.window,
                latency_n=args.latency_n,
                warmup=args.warmup,
                name=f"DutyDesk /log (runner, {args.engine} engine, SQLite)",
            )
        )
    result.extra["note"] = LIMITS_NOTE
    report(result, args.json)


if __name__ == "__main__":
    main()
