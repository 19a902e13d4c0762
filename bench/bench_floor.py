"""The framework's floor: a bare echo handler through the benchmark harness.

    .venv/bin/python -m bench.bench_floor [--n 2000] [--window 8] [--json bench/results/floor.json]

Every message is answered with its own text; whatever the DutyDesk app measures above these
figures is the app's own cost.
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

from bench.harness import DEFAULT_CHAT_IDS, bench_arguments, report, run_bench


async def setup_echo(dp: Dispatcher, bot: Bot) -> None:
    router = Router(name="echo")

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or message.caption or "…")

    dp.include_router(router)


def main(argv: list[str] | None = None) -> None:
    parser = bench_arguments(__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--chats", type=int, default=1, help="spread the updates over this many group chats")
    parser.add_argument("--text", default="/log 3栋大堂漏水")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.WARNING)
    chat_ids = tuple(DEFAULT_CHAT_IDS[0] - k for k in range(args.chats))
    result = asyncio.run(
        run_bench(
            setup_echo,
            n=args.n,
            text=args.text,
            chat_ids=chat_ids,
            window=args.window,
            latency_n=args.latency_n,
            warmup=args.warmup,
            name="floor (aiogram echo)",
        )
    )
    report(result, args.json)


if __name__ == "__main__":
    main()
