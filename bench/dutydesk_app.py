"""DutyDesk as the benchmarks run it: the production :class:`bot.runner.Runner` (polling into the
inbox, workers handing stored updates to the desk, replies through the outbox and the delivery,
the ticker) with the aiogram engine (or ``engine="ptb"``: ``PtbEngine``, picked by the production
factory ``bot.engines.factory.make_engine``), against the fake Bot API.

The only addition is :class:`TaggingDelivery`: the production delivery that, after sending an
outbox row which answers an update (``Outbox.update_id``), tells the fake which update the sent
message answered, so latencies are matched exactly (bench/README.md).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Literal

from pydantic import SecretStr

from bench.harness import BenchApp
from bot.app import App, build_app
from bot.config import Settings
from bot.delivery import Delivery
from bot.engines.factory import make_engine
from bot.runner import Runner
from storage.models import Outbox

Tag = Callable[[int, int, int], None]
Engine = Literal["aiogram", "ptb"]
Seed = Callable[[App], Awaitable[None]]


def bench_settings(api: BenchApp, database_url: str, *, limits: bool, engine: Engine = "aiogram") -> Settings:
    """Production defaults (workers, lease, tick, polling), on the fake; Telegram's sending limits
    on (SEND_PER_SECOND 30, GROUP_PER_MINUTE 20, CHAT_PER_SECOND 1) or all off (0)."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=SecretStr(api.token),
        telegram_api_url=api.base_url,
        database_url=database_url,
        dutydesk_engine=engine,
    )
    if not limits:
        settings = settings.model_copy(update={"send_per_second": 0, "group_per_minute": 0, "chat_per_second": 0})
    return settings


class TaggingDelivery(Delivery):
    """The runner's delivery, unchanged, plus a report of each sent reply to the fake."""

    def __init__(self, base: Delivery, tag: Tag) -> None:
        super().__init__(base.desk, base.transport, limits=base.limits)
        self.tag = tag

    async def _call(self, row: Outbox) -> int | None:
        message_id = await super()._call(row)
        if row.method == "send" and row.update_id is not None and message_id is not None:
            self.tag(row.update_id, row.chat_id, message_id)
        return message_id


async def run_dutydesk(
    api: BenchApp,
    database_url: str,
    seed: Seed,
    *,
    limits: bool = False,
    engine: Engine = "aiogram",
    on_runner: Callable[[Runner], None] | None = None,
) -> None:
    """Build the app (migrated), seed it, and run the production runner until ``api.stopping``."""
    settings = bench_settings(api, database_url, limits=limits, engine=engine)
    app = await build_app(settings)
    try:
        await seed(app)
        transport = make_engine(settings)
        runner = Runner(app, transport, settings)
        runner.delivery = TaggingDelivery(runner.delivery, api.tag_reply)
        if on_runner is not None:
            on_runner(runner)
        forward = asyncio.create_task(_forward(api.stopping, runner.stopping))
        try:
            await runner.run()
        finally:
            forward.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await forward
            await transport.close()
    finally:
        await app.close()


async def _forward(source: asyncio.Event, target: asyncio.Event) -> None:
    await source.wait()
    target.set()
