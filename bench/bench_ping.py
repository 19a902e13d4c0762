"""How long a major incident's ping to the supervisor takes while routine replies wait (under
2 s with 600 waiting), on the production path with Telegram's sending limits ON.

    .venv/bin/python -m bench.bench_ping [--runs 3] [--backlog 600] [--scenarios idle,logs,direct]

Each run is a fresh SQLite database and a fresh fake Bot API, with the production runner (inbox,
workers, outbox, delivery, ticker) and the default limits (SEND_PER_SECOND 30, GROUP_PER_MINUTE 20,
CHAT_PER_SECOND 1: the delivery keeps to them; the fake itself has none). Site HG has a duty group,
a staff member, a supervisor and a manager; 29 more sites each have a duty group and the same staff
member. Then staff logs ``/log 5栋12楼起火，浓烟很大，有住户被困`` in HG, and the figure is the time
from the incident being stored (the desk's transaction committed) to the supervisor's ping arriving
at the fake; push → ping is printed too.

Scenarios:
- ``idle``: nothing else waiting;
- ``logs``: ``backlog`` `/log` pushed at once over the 30 duty groups (20 each for 600, within a
  group's 20 a minute, so the 30/s overall limit is what holds them); the incident is pushed as
  soon as all of them are handled, with their replies still waiting (the count is printed);
- ``direct``: ``backlog`` routine replies written straight into the outbox (the same 30 groups); the
  delivery is started on them (as a tick would) and the incident is pushed once 45 have been sent
  (the delivery is busy, about 1.5 s in at 30/s), with the rest due ahead of it.

Every scenario first lets what the start sends (the shift planner's roster notices to the supervisor
and manager) go out and age past the 1/s chat limit, so the ping is not held by that notice.
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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func
from sqlmodel import col, select

from bench.dutydesk_app import run_dutydesk
from bench.harness import BenchApp
from bot.app import App
from bot.runner import Runner
from handlers.core.messages import Inbound, Outcome
from handlers.core.replies import REPLY
from storage.codes import Role
from storage.models import Outbox
from storage.models.plumbing import OutboxState
from storage.repos import outbox, sites
from tests.fakes.bot_api import Call, FakeBotAPI

STAFF, SUPERVISOR, MANAGER = 101, 201, 301
GROUPS = tuple(-1001000000100 - k for k in range(30))  # GROUPS[0] is HG's duty group
INCIDENT = "/log 5栋12楼起火，浓烟很大，有住户被困"
ROUTINE = ("3栋大堂天花漏水，地面有积水", "B座1802门禁故障", "停车场B2有车辆乱停堵住通道", "5号楼电梯异响，已通知维保")


@dataclass
class PingRun:
    scenario: str
    waiting: int  # outbox rows not yet sent when the incident was pushed
    stored_to_ping: float  # seconds: incident committed → supervisor's ping at the fake
    push_to_ping: float  # seconds: incident pushed → supervisor's ping at the fake


async def seed(app: App) -> None:
    async with app.db.session() as session:
        for k, chat_id in enumerate(GROUPS):
            code = "HG" if k == 0 else f"S{k:02d}"
            site = await sites.create(session, code=code, name=f"花园{k}", language="zh-Hans", timezone="Asia/Shanghai")
            site.duty_chat_id = chat_id
            roles = (
                ((STAFF, Role.STAFF), (SUPERVISOR, Role.SUPERVISOR), (MANAGER, Role.MANAGER))
                if k == 0
                else ((STAFF, Role.STAFF),)
            )
            for user, role in roles:
                await sites.set_role(session, telegram_id=user, site_id=site.id or 0, role=role, added_by=None)


async def unsent(app: App) -> int:
    async with app.db.session() as session:
        waiting = col(Outbox.state).in_((OutboxState.PENDING, OutboxState.SENDING))
        query = select(func.count()).select_from(Outbox).where(waiting)
        return int((await session.exec(query)).one())


async def settle(app: App, fake: FakeBotAPI, timeout: float) -> None:  # noqa: ASYNC109
    """Wait until what the start sent (e.g. the shift planner's roster notices to the supervisor) is
    out and more than a second old: otherwise the ping waits for the supervisor's chat limit (1/s)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        last = max((c.at for c in fake.calls if c.method == "sendMessage"), default=0.0)
        if await unsent(app) == 0 and time.monotonic() - last > 1.2:
            return
        await asyncio.sleep(0.1)
    raise TimeoutError("the outbox did not empty after the start")


async def enqueue_backlog(app: App, count: int) -> None:
    async with app.db.session() as session:
        for i in range(count):
            await outbox.enqueue(
                session,
                chat_id=GROUPS[i % len(GROUPS)],
                text=f"#{i} {ROUTINE[i % len(ROUTINE)]}",
                priority=REPLY,
                purpose="reply",
            )


async def one_run(scenario: str, backlog: int, database_url: str, timeout: float) -> PingRun:  # noqa: ASYNC109
    async with FakeBotAPI() as fake:
        stopping = asyncio.Event()
        holder: dict[str, Runner] = {}
        stored: dict[int, float] = {}
        handled = 0
        busy: asyncio.Task[int] | None = None

        def on_runner(runner: Runner) -> None:
            holder["runner"] = runner
            handle: Callable[[Inbound], Awaitable[Outcome]] = runner.desk.handle

            async def timed(msg: Inbound) -> Outcome:
                nonlocal handled
                outcome = await handle(msg)
                if msg.update_id is not None:
                    stored[msg.update_id] = time.monotonic()
                handled += 1
                return outcome

            runner.desk.handle = timed  # type: ignore[method-assign]

        api = BenchApp(fake.base_url, fake.token, stopping, lambda *_: None)
        app_task = asyncio.create_task(run_dutydesk(api, database_url, seed, limits=True, on_runner=on_runner))
        try:
            await fake.wait_polling(timeout=timeout)
            app = holder["runner"].app
            await settle(app, fake, timeout)
            if scenario == "logs":
                for i in range(backlog):
                    text = f"/log {ROUTINE[i % len(ROUTINE)]} {i}"
                    fake.push_update(fake.user_message(GROUPS[i % len(GROUPS)], STAFF, text, first_name="值班员"))
                await fake.wait_until(lambda: handled >= backlog, timeout=timeout)
            elif scenario == "direct":
                await enqueue_backlog(app, backlog)
                busy = asyncio.create_task(holder["runner"].delivery.flush())
                await fake.wait_for("sendMessage", count=min(45, backlog), timeout=timeout)
            waiting = await unsent(app)
            pushed = time.monotonic()
            uid = fake.push_update(fake.user_message(GROUPS[0], STAFF, INCIDENT, first_name="值班员"))

            def is_ping(call: Call) -> bool:
                return call.params.get("chat_id") == SUPERVISOR and "重大事件" in str(call.params.get("text", ""))

            [ping] = await fake.wait_for("sendMessage", is_ping, timeout=timeout)
            return PingRun(scenario, waiting, ping.at - stored[uid], ping.at - pushed)
        finally:
            if busy is not None:
                busy.cancel()
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await busy
            stopping.set()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(app_task, 30)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3, help="runs of each scenario (default 3)")
    parser.add_argument("--backlog", type=int, default=600, help="routine replies waiting (default 600)")
    parser.add_argument("--scenarios", default="idle,logs,direct", help="comma-separated: idle, logs, direct")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for any one step")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(scenarios) - {"idle", "logs", "direct"}
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    print("bench ping: production runner, SQLite, Telegram sending limits ON (30/s, 20/min per group, 1/s per chat)")
    for scenario in scenarios:
        runs: list[PingRun] = []
        for k in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                run = asyncio.run(
                    one_run(scenario, args.backlog, f"sqlite+aiosqlite:///{tmp}/ping{k}.db", args.timeout)
                )
            runs.append(run)
            print(
                f"  {scenario:6s} run {k + 1}: {run.waiting:4d} waiting   "
                f"stored → ping {1000 * run.stored_to_ping:8.1f} ms   push → ping {1000 * run.push_to_ping:8.1f} ms",
                flush=True,
            )
        median = statistics.median(r.stored_to_ping for r in runs)
        verdict = "ok" if median < 2.0 else "OVER the 2 s target"
        print(
            f"{scenario:6s} median stored → ping {1000 * median:8.1f} ms   "
            f"push → ping {1000 * statistics.median(r.push_to_ping for r in runs):8.1f} ms   ({verdict})"
        )


if __name__ == "__main__":
    main()
