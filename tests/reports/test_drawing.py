"""The monthly report's charts drawn in a child process: the same four captioned PNGs as drawn in
this process, and drawn here still when the child cannot run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlmodel import select

import handlers.reports.drawing as drawing
from handlers.core.i18n import Translator
from handlers.reports.figures import read
from handlers.reports.periods import Month
from storage.models import Site
from tests.support import DeskHarness
from tests.support.reports import october


async def _jobs(h: DeskHarness) -> list[tuple[object, Translator]]:
    await h.setup_site()
    async with h.desk.db.session() as session:
        await october(session)
    async with h.desk.db.session() as session:
        site = (await session.exec(select(Site).where(Site.code == "HG"))).one()
        return [(await read(session, site, Month(2026, 10), h.clock.now), Translator("zh-Hant"))]


async def test_child_draws_the_same_captioned_pngs_as_this_process(harness: DeskHarness) -> None:
    jobs = await _jobs(harness)
    aside = await drawing.draw_aside(jobs)  # type: ignore[arg-type]
    here = [drawing.draw_charts(now, t) for now, t in jobs]  # type: ignore[arg-type]
    assert [f.name for f in aside[0]] == [
        "HG-2026-10-incidents.png", "HG-2026-10-tickets.png", "HG-2026-10-satisfaction.png", "HG-2026-10-patrols.png",
    ]  # fmt: skip
    assert aside == here  # same bytes, names, captions (zh-Hant) and photo flags
    assert all(f.photo and f.data.startswith(b"\x89PNG") and f.caption for f in aside[0])


async def test_charts_are_drawn_here_when_the_child_cannot_run(
    harness: DeskHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = await _jobs(harness)
    monkeypatch.setattr(drawing.sys, "executable", "/nonexistent/python")
    drawn = await drawing.draw_aside(jobs)  # type: ignore[arg-type]
    assert drawn == [drawing.draw_charts(now, t) for now, t in jobs]  # type: ignore[arg-type]


async def test_a_stuck_child_is_killed_and_the_charts_drawn_here(
    harness: DeskHarness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    jobs = await _jobs(harness)
    stuck = tmp_path / "stuck-python"
    stuck.write_text(f"#!/bin/sh\necho $$ > {tmp_path / 'pid'}\nexec sleep 600\n")
    stuck.chmod(0o755)
    monkeypatch.setattr(drawing.sys, "executable", str(stuck))
    monkeypatch.setattr(drawing, "CHILD_SECONDS", 0.5)
    drawn = await drawing.draw_aside(jobs)  # type: ignore[arg-type]
    assert drawn == [drawing.draw_charts(now, t) for now, t in jobs]  # type: ignore[arg-type]
    pid = int((tmp_path / "pid").read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the stuck child is gone, not left sleeping
