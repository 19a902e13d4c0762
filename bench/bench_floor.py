"""The framework's floor: a bare echo handler through the benchmark harness.

    .venv/bin/python -m bench.bench_floor [--engine aiogram|ptb] [--n 2000] [--window 8] [--json FILE]

Every message is answered with its own text; whatever the DutyDesk app measures above these
figures is the app's own cost.

- ``aiogram`` (default): a router on the harness's aiogram ``Dispatcher`` (the harness polls;
  ``handle_as_tasks``, so updates are handled concurrently).
- ``ptb``: a python-telegram-bot ``Application`` with one ``MessageHandler`` that replies with the
  text, polling the fake by itself through the harness's ``app_runner`` mode. Updates are handled
  one at a time (PTB's default, ``--ptb-concurrency 1``): that is PTB's fastest here; with
  ``concurrent_updates`` the CPU per update rises with the concurrency (2026-11-30, n=2000:
  1 → 806/s, 8 → 635/s, 32 → 392/s, 256 → 280/s). Each reply is tagged with the update it answers
  (``tag_reply``), so latency matching is exact.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: python bench/bench_floor.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiogram import Bot, Dispatcher, Router
from aiogram.types import Message

from bench.harness import DEFAULT_CHAT_IDS, AppRunner, BenchApp, bench_arguments, report, run_bench


async def setup_echo(dp: Dispatcher, bot: Bot) -> None:
    router = Router(name="echo")

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or message.caption or "…")

    dp.include_router(router)


def ptb_echo(*, concurrent: bool | int = True, polling_timeout: int = 10) -> AppRunner:
    """A PTB 22 ``Application`` echo bot polling the fake until ``api.stopping``."""

    async def app_runner(api: BenchApp) -> None:
        from telegram import Update
        from telegram.ext import Application, ContextTypes, MessageHandler, filters

        base = api.base_url.rstrip("/")

        async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            message = update.effective_message
            if message is None:
                return
            sent = await message.reply_text(message.text or message.caption or "…", do_quote=False)
            api.tag_reply(update.update_id, sent.chat_id, sent.message_id)

        application = (
            Application.builder()
            .token(api.token)
            .base_url(base + "/bot")
            .base_file_url(base + "/file/bot")
            .concurrent_updates(concurrent)
            .build()
        )
        application.add_handler(MessageHandler(filters.ALL, echo))
        async with application:
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(poll_interval=0.0, timeout=polling_timeout)
            try:
                await api.stopping.wait()
            finally:
                await application.updater.stop()
                await application.stop()

    return app_runner


def main(argv: list[str] | None = None) -> None:
    parser = bench_arguments(__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--engine", choices=("aiogram", "ptb"), default="aiogram")
    parser.add_argument("--ptb-concurrency", type=int, default=1, help="ptb: concurrent_updates (1: sequential)")
    parser.add_argument("--chats", type=int, default=1, help="spread the updates over this many group chats")
    parser.add_argument("--text", default="/log 3栋大堂漏水")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.WARNING)
    chat_ids = tuple(DEFAULT_CHAT_IDS[0] - k for k in range(args.chats))
    common = {
        "n": args.n,
        "text": args.text,
        "chat_ids": chat_ids,
        "window": args.window,
        "latency_n": args.latency_n,
        "warmup": args.warmup,
    }
    if args.engine == "ptb":
        run = run_bench(
            app_runner=ptb_echo(concurrent=args.ptb_concurrency if args.ptb_concurrency > 1 else False),
            name=f"floor (ptb echo, concurrent_updates {args.ptb_concurrency})",
            **common,  # type: ignore[arg-type]
        )
    else:
        run = run_bench(setup_echo, name="floor (aiogram echo)", **common)  # type: ignore[arg-type]
    result = asyncio.run(run)
    report(result, args.json)


if __name__ == "__main__":
    main()
