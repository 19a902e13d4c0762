"""Benchmark harness: a bot under test, run by the real aiogram engine (long polling) against
the fake Bot API server (tests/fakes/bot_api/) on loopback, in this process.

A caller passes a setup function that registers the bot under test on the Dispatcher (it gets the
Bot too); the harness does the rest::

    async def setup(dp: Dispatcher, bot: Bot) -> None:
        dp.include_router(my_router)

    result = await run_bench(setup, n=2000, text="/log 3栋大堂漏水", name="log")
    result.print()

Three phases, one polling engine (see bench/README.md):

1. warm-up: ``warmup`` updates through the latency window (imports, caches, connections);
2. burst (throughput): ``n`` updates pushed at once; throughput = n / (last reply - first push);
3. latency: ``latency_n`` updates with at most ``window`` in flight; a new update is pushed as
   soon as one is answered, so the latency is the bot's, not a queue's.

Two ways to run the bot under test: ``setup(dp, bot)`` registers handlers on the harness's own
aiogram Dispatcher (the floor), or ``app_runner(app)`` runs an app that polls the fake by itself
(DutyDesk's runner: inbox, desk, outbox, delivery) until ``app.stopping`` is set.

Latency is matched per update, exactly: with ``setup``, FakeBotAPI.instrument tags the first reply
(a ``send*`` call) made while aiogram handled that update; with ``app_runner``, the app calls
``app.tag_reply(update_id, chat_id, message_id)`` for what it sent in answer to an update (DutyDesk:
the outbox row's ``update_id``). Either way the time is from the push to the reply's arrival at the
fake.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
import json
import math
import resource
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

import psutil
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from tests.fakes.bot_api import FakeBotAPI

__all__ = ["AppRunner", "BenchApp", "BenchResult", "MakeUpdate", "SetupDispatcher", "percentile", "run_bench"]

#: Registers the bot under test: ``setup(dp, bot)``, plain or async.
SetupDispatcher = Callable[[Dispatcher, Bot], Awaitable[None] | None]


@dataclass(frozen=True)
class BenchApp:
    """What an app that does its own polling gets from the harness (``run_bench(app_runner=...)``)."""

    base_url: str  # the fake Bot API, for TELEGRAM_API_URL
    token: str  # the token the fake accepts
    stopping: asyncio.Event  # set when the run is over: the app stops and returns
    #: ``tag_reply(update_id, chat_id, message_id)``: the app tells the fake which update a message it
    #: sent answered (exact latency matching when replies leave outside the update's context)
    tag_reply: Callable[[int, int, int], None]


#: Runs the app under test against the fake until ``BenchApp.stopping`` is set.
AppRunner = Callable[[BenchApp], Coroutine[Any, Any, None]]
#: Builds the i-th update (without update_id): ``make_update(fake, i)``.
MakeUpdate = Callable[[FakeBotAPI, int], dict[str, Any]]

DEFAULT_CHAT_IDS: tuple[int, ...] = (-1001000000001,)
DEFAULT_USER_IDS: tuple[int, ...] = (1001,)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), nearest-rank on sorted values; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


@dataclass
class BenchResult:
    name: str
    n: int
    chats: int
    users: int
    window: int
    latency_n: int
    matching: str
    #: burst phase: n updates pushed at once
    throughput: float  # updates/s, first push → last reply
    burst_seconds: float
    burst_cpu_seconds: float  # process CPU (bot + fake + engine) during the burst
    burst_p50_ms: float  # queueing included: informative only
    burst_p99_ms: float
    #: latency phase: at most ``window`` updates in flight
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    #: memory
    rss_start_mb: float  # before the bot was set up
    rss_peak_mb: float  # highest sampled RSS during the run (every 20 ms)
    maxrss_mb: float  # getrusage ru_maxrss: the process's peak since it started
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2)

    def print(self, file: IO[str] | None = None) -> None:
        out = file or sys.stdout
        lines = [
            f"bench {self.name}: n={self.n}  chats={self.chats}  users={self.users}  matching={self.matching}",
            f"  throughput  {self.throughput:9.1f} updates/s   (burst of {self.n} in {self.burst_seconds:.2f} s, "
            f"cpu {self.burst_cpu_seconds:.2f} s = {1000 * self.burst_cpu_seconds / max(self.n, 1):.2f} ms/update)",
            f"  latency     p50 {self.p50_ms:.2f} ms   p90 {self.p90_ms:.2f} ms   p99 {self.p99_ms:.2f} ms   "
            f"max {self.max_ms:.2f} ms   ({self.latency_n} updates, window {self.window})",
            f"  burst       p50 {self.burst_p50_ms:.1f} ms   p99 {self.burst_p99_ms:.1f} ms   (queueing included)",
            f"  memory      peak RSS {self.rss_peak_mb:.1f} MB   (start {self.rss_start_mb:.1f} MB, "
            f"ru_maxrss {self.maxrss_mb:.1f} MB)",
        ]
        for key, value in self.extra.items():
            lines.append(f"  {key:<11} {value}")
        print("\n".join(lines), file=out)


class _RssSampler:
    """Samples this process's RSS in a background task."""

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.process = psutil.Process()
        self.start_mb = self._rss_mb()
        self.peak_mb = self.start_mb
        self._task: asyncio.Task[None] | None = None

    def _rss_mb(self) -> float:
        return float(self.process.memory_info().rss) / 2**20

    def sample(self) -> None:
        self.peak_mb = max(self.peak_mb, self._rss_mb())

    async def _run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        self.sample()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def _maxrss_mb() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return usage / 2**20 if sys.platform == "darwin" else usage / 2**10


async def _guarded(awaitable: Awaitable[Any], polling: asyncio.Task[None], what: str) -> Any:
    """Await ``awaitable`` unless the polling engine dies first (then raise its error)."""
    task = asyncio.ensure_future(awaitable)
    done, _ = await asyncio.wait({task, polling}, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, TimeoutError):
        await task
    error = polling.exception() if not polling.cancelled() else None
    raise RuntimeError(f"polling stopped while waiting for {what}") from error


async def _windowed(
    fake: FakeBotAPI,
    push: Callable[[], int],
    total: int,
    window: int,
    polling: asyncio.Task[None],
    wait_timeout: float,
) -> list[int]:
    """Push ``total`` updates keeping at most ``window`` unanswered; returns their ids."""
    ids: list[int] = []
    outstanding: set[int] = set()
    answered = 0
    while answered < total:
        while len(ids) < total and len(outstanding) < window:
            uid = push()
            ids.append(uid)
            outstanding.add(uid)
        got = await _guarded(
            fake.wait_replies(outstanding, count=1, timeout=wait_timeout), polling, f"a reply (window of {window})"
        )
        outstanding -= got
        answered += len(got)
    return ids


async def run_bench(
    setup: SetupDispatcher | None = None,
    *,
    app_runner: AppRunner | None = None,
    n: int = 2000,
    text: str | Callable[[int], str] = "/log 3栋大堂漏水",
    chat_ids: Sequence[int] = DEFAULT_CHAT_IDS,
    user_ids: Sequence[int] = DEFAULT_USER_IDS,
    make_update: MakeUpdate | None = None,
    window: int = 8,
    latency_n: int | None = None,
    warmup: int = 50,
    name: str = "bench",
    timeout: float = 120.0,  # noqa: ASYNC109
    polling_timeout: int = 10,
    tasks_concurrency_limit: int | None = None,
    fake_options: dict[str, Any] | None = None,
    dispatcher_options: dict[str, Any] | None = None,
) -> BenchResult:
    """Run the three phases against a fresh fake server and Dispatcher; see the module docstring.

    Either ``setup`` (the harness polls with its own aiogram Dispatcher) or ``app_runner`` (the app
    polls by itself, gets the fake's address and token, tags its replies, and returns once
    ``stopping`` is set; ``tasks_concurrency_limit`` and ``dispatcher_options`` do not apply).

    Update i is ``make_update(fake, i)`` if given, else a message ``text`` (or ``text(i)``) from
    ``user_ids[i % len(user_ids)]`` in ``chat_ids[i % len(chat_ids)]`` (negative ids <= -10**12 are
    supergroups; positive ids private chats).  ``latency_n`` defaults to ``min(n, 1000)``.
    ``timeout`` bounds each wait for replies (seconds).  ``fake_options`` go to ``FakeBotAPI``
    (e.g. ``username``), ``dispatcher_options`` to ``Dispatcher``.
    """
    if n < 1 or window < 1:
        raise ValueError("n and window must be positive")
    if (setup is None) == (app_runner is None):
        raise ValueError("give either setup or app_runner")
    latency_n = min(n, 1000) if latency_n is None else latency_n
    sampler = _RssSampler()
    sampler.start()
    counter = 0

    fake = FakeBotAPI(**(fake_options or {}))

    def build(i: int) -> dict[str, Any]:
        if make_update is not None:
            return make_update(fake, i)
        body = text(i) if callable(text) else text
        return fake.user_message(chat_ids[i % len(chat_ids)], user_ids[i % len(user_ids)], body)

    def push() -> int:
        nonlocal counter
        update = build(counter)
        counter += 1
        return fake.push_update(update)

    await fake.start()
    bot: Bot | None = None
    dp: Dispatcher | None = None
    stopping = asyncio.Event()
    polling: asyncio.Task[None] | None = None
    try:
        if app_runner is not None:
            fake.expect_tags()
            polling = asyncio.create_task(app_runner(BenchApp(fake.base_url, fake.token, stopping, fake.tag_reply)))
        else:
            assert setup is not None
            bot = Bot(fake.token, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))
            dp = Dispatcher(**(dispatcher_options or {}))
            fake.instrument(dp, bot)
            maybe = setup(dp, bot)
            if inspect.isawaitable(maybe):
                await maybe
            polling = asyncio.create_task(
                dp.start_polling(
                    bot,
                    polling_timeout=polling_timeout,
                    handle_signals=False,
                    close_bot_session=False,
                    tasks_concurrency_limit=tasks_concurrency_limit,
                )
            )
        await _guarded(fake.wait_polling(timeout=timeout), polling, "polling to start")

        # 1. warm-up
        if warmup:
            await _windowed(fake, push, warmup, window, polling, timeout)

        # 2. burst: all n at once
        cpu0 = time.process_time()
        burst_ids = [push() for _ in range(n)]
        await _guarded(fake.wait_replies(burst_ids, timeout=timeout), polling, f"{n} burst replies")
        burst_cpu = time.process_time() - cpu0
        burst = fake.latency_pairs(burst_ids)
        first_push = min(p.pushed_at for p in burst)
        last_reply = max(p.replied_at for p in burst)
        burst_seconds = last_reply - first_push
        burst_ms = [1000 * p.latency for p in burst]

        # 3. latency: bounded window
        latency_ids = await _windowed(fake, push, latency_n, window, polling, timeout) if latency_n else []
        latency_ms = [1000 * p.latency for p in fake.latency_pairs(latency_ids)]
    finally:
        stopping.set()
        if polling is not None:
            if not polling.done() and dp is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(dp.stop_polling(), 10)
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(polling, 20)
        if bot is not None:
            await bot.session.close()
        await fake.stop()
        await sampler.stop()

    return BenchResult(
        name=name,
        n=n,
        chats=len(chat_ids),
        users=len(user_ids),
        window=window,
        latency_n=len(latency_ms),
        matching=fake.matching,
        throughput=n / burst_seconds if burst_seconds > 0 else float("inf"),
        burst_seconds=burst_seconds,
        burst_cpu_seconds=burst_cpu,
        burst_p50_ms=percentile(burst_ms, 50),
        burst_p99_ms=percentile(burst_ms, 99),
        p50_ms=percentile(latency_ms, 50),
        p90_ms=percentile(latency_ms, 90),
        p99_ms=percentile(latency_ms, 99),
        max_ms=max(latency_ms, default=0.0),
        mean_ms=statistics.fmean(latency_ms) if latency_ms else 0.0,
        rss_start_mb=sampler.start_mb,
        rss_peak_mb=sampler.peak_mb,
        maxrss_mb=_maxrss_mb(),
    )


def bench_arguments(description: str | None) -> argparse.ArgumentParser:
    """The options every bench script takes; a script adds its own before parsing."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--n", type=int, default=2000, help="updates in the burst (default 2000)")
    parser.add_argument("--window", type=int, default=8, help="updates in flight in the latency run")
    parser.add_argument("--latency-n", type=int, default=None, help="updates in the latency run")
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--json", type=Path, default=None, help="also write the result as JSON here")
    return parser


def report(result: BenchResult, json_path: Path | None) -> None:
    """Print the figures, and write them as JSON when asked (bench_pair reads that)."""
    result.print()
    if json_path:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(result.to_json() + "\n", encoding="utf-8")
