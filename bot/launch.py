"""Starting the bot: the app built (its database migrated, tried a few times), the engine, the
runner, signals; ``run_bot`` runs until stopped. The runner itself (bot/runner.py) is the loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from sqlalchemy.exc import SQLAlchemyError

from bot import faults
from bot.app import App, build_app
from bot.config import Settings
from bot.engines.factory import make_engine
from bot.errors import StartupError, first_line
from bot.logs import loop_exception_handler
from bot.runner import Runner

log = logging.getLogger("bot.runner")  # the same logger as the loop's lines ("stopped")


async def run_bot(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """Run until ``stop`` is set (or a signal arrives). Restart-safe: all state is in the database."""
    assert settings.bot_token is not None
    faults.install()
    app = await _build(settings)
    engine = make_engine(settings)
    runner = Runner(app, engine, settings)
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(loop_exception_handler)
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, runner.stopping.set)
    watcher = asyncio.create_task(_forward(stop, runner.stopping)) if stop is not None else None
    try:
        await runner.run()
    finally:
        if watcher is not None:
            watcher.cancel()
        await engine.close()
        await app.close()
        log.info("stopped")


async def _forward(source: asyncio.Event, target: asyncio.Event) -> None:
    await source.wait()
    target.set()


async def _build(settings: Settings) -> App:
    """The app, with its database migrated; an unreachable or unwritable database is tried a few
    times, then reported in one line."""
    for attempt in range(1, 4):
        try:
            return await build_app(settings)
        except (OSError, SQLAlchemyError, RuntimeError) as exc:
            if attempt == 3:
                raise StartupError(f"cannot open the database ({_database_problem(exc)}); check DATABASE_URL") from None
            log.warning("database not ready (%s); trying again", first_line(exc))
            await asyncio.sleep(attempt)
    raise AssertionError("unreachable")


def _database_problem(exc: BaseException) -> str:
    text = str(exc)
    for line in reversed(text.strip().splitlines()):
        if "Error" in line or "error" in line:
            return line.strip()[:200]
    return first_line(exc)
