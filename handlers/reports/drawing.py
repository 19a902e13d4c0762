"""The monthly report's four charts as files: drawn in a child process (``handlers.reports.draw_child``)
while the workbook is written, or in a worker thread where no child can run; captioned for the chat."""

from __future__ import annotations

import asyncio
import os
import pickle
import sys
from asyncio.subprocess import PIPE
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from handlers.core.i18n import Translator
from handlers.reports.figures import Figures

ROOT = str(Path(__file__).resolve().parents[2])  # the folder holding ``handlers`` (the charts' child imports it)
NAMES = ("incidents", "tickets", "satisfaction", "patrols")  # charts.MONTHLY's order
CHILD_SECONDS = 120  # a child still drawing after this is stuck: killed, and the charts drawn in a thread


@dataclass(frozen=True, slots=True)
class File:
    name: str
    data: bytes
    photo: bool  # a chart (sent as a photo) or the workbook (a document)
    caption: str = ""


def _captioned(now: Figures, t: Translator, pngs: Sequence[bytes]) -> list[File]:
    def caption(name: str) -> str:
        return (
            t("rp.caption.tickets_by_month") if name == "tickets" and now.kind != "month" else t(f"rp.caption.{name}")
        )

    return [
        File(f"{now.site_code}-{now.month}-{name}.png", png, True, caption(name))
        for name, png in zip(NAMES, pngs, strict=True)
    ]


def draw_charts(now: Figures, t: Translator) -> list[File]:
    """The four charts (in a worker thread: no database, no event loop). matplotlib is imported here,
    on the first drawing, not when the bot starts (half a second of every start-up otherwise)."""
    import handlers.reports.charts as charts

    [pngs] = charts.draw_all([(now, t)])
    return _captioned(now, t, pngs)


async def draw_aside(to_draw: Sequence[tuple[Figures, Translator]], *, child: bool = True) -> list[list[File]]:
    """Every site's charts drawn in a child process (``handlers.reports.draw_child``), so the drawing —
    matplotlib's import and four PNGs, about two seconds — runs on another core while this one writes
    the workbook, and holds no GIL the bot's other chats want. The child's own start (~1.2 s of imports)
    pays only beside a long workbook (a month's registers): ``child=False``, or a child that cannot
    run, draws in a worker thread, as before. The same PNGs either way."""
    jobs = list(to_draw)
    if not child:
        return await asyncio.to_thread(lambda: [draw_charts(now, t) for now, t in jobs])
    try:
        drawn = await _in_child(jobs)
    except (OSError, ChildProcessError, pickle.UnpicklingError, EOFError, TimeoutError):
        return await asyncio.to_thread(lambda: [draw_charts(now, t) for now, t in jobs])
    return [_captioned(now, t, pngs) for (now, t), pngs in zip(jobs, drawn, strict=True)]


async def _in_child(jobs: list[tuple[Figures, Translator]]) -> list[list[bytes]]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (ROOT, os.environ.get("PYTHONPATH"))))}
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "handlers.reports.draw_child", stdin=PIPE, stdout=PIPE, env=env
    )
    try:
        out, _ = await asyncio.wait_for(child.communicate(pickle.dumps(jobs)), CHILD_SECONDS)
    finally:
        if child.returncode is None:  # cancelled (the charts are not wanted any more) or stuck
            child.kill()
            await child.wait()
    if child.returncode != 0:
        raise ChildProcessError(f"chart drawing exited with {child.returncode}")
    drawn: list[list[bytes]] = pickle.loads(out)
    return drawn
