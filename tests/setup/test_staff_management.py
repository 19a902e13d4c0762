"""Removing a person who left, in chat (/staff, /remove) and from the command line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import main
from handlers.core.messages import User
from tests.support import ADMIN, MANAGER, STAFF, SUPERVISOR, DeskHarness, text_of


async def test_staff_lists_the_site_for_supervisors_only(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    listing = text_of(await h.send("/staff", SUPERVISOR))
    assert "经理 经理张生" in listing and "主管 主管陈姐" in listing and f"ID {STAFF.id}" in listing
    assert listing.index("经理张生") < listing.index("主管陈姐") < listing.index("值班员小李")
    assert "没有权限" in text_of(await h.send("/staff", STAFF))


async def test_remove_takes_effect_at_once_and_never_above_own_role(any_harness: DeskHarness) -> None:
    h = any_harness
    await h.setup_site()
    card = await h.send("/log 门禁故障")
    assert "没有权限" in text_of(await h.send(f"/remove {SUPERVISOR.id}", STAFF))
    assert "高于自己" in text_of(await h.send(f"/remove {MANAGER.id}", SUPERVISOR))
    assert "不是" in text_of(await h.send("/remove 424242", SUPERVISOR))
    assert "用法" in text_of(await h.send("/remove", SUPERVISOR))
    removed = text_of(await h.send(f"/remove {STAFF.id}", SUPERVISOR))
    assert "已移除" in removed and "值班员小李" in removed
    assert "尚未登记" in text_of(await h.send("/log 又有人乱停车", STAFF))
    data = card.replies[0].buttons[0][0].data
    assert (await h.press(data, user=STAFF)).alert  # buttons too


async def test_remove_by_username(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    named = User(id=4321, name="阿明", username="Ming_HK", language="zh-hans")
    await h.join(named, "staff")
    assert "已移除" in text_of(await h.send("/remove @ming_hk", MANAGER))
    assert "@Ming_HK" not in text_of(await h.send("/staff", MANAGER))
    assert "已移除" in text_of(await h.send(f"/remove {SUPERVISOR.id}", ADMIN))


def test_cli_staff_list_remove_and_refused_ids(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    migrated_file: Callable[[Path], str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DUTYDESK_LANGUAGE", "en")  # the messages below are the English ones
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    monkeypatch.setenv("DATABASE_URL", migrated_file(tmp_path / "d.db"))
    assert main(["staff", "add", "4242", "--role", "supervisor"]) == 2
    assert "no site yet" in capsys.readouterr().err
    import asyncio

    from storage.db import Database
    from storage.repos import sites

    async def make_site() -> None:
        db = Database(f"sqlite+aiosqlite:///{tmp_path}/d.db")
        await db.migrate()
        async with db.session() as session:
            await sites.create(session, code="HG", name="华庭花园", language="zh-Hans", timezone="Asia/Shanghai")
        await db.dispose()

    asyncio.run(make_site())
    for bad in ("0", "-5"):
        assert main(["staff", "add", bad, "--role", "staff"]) == 2
        assert "not a Telegram user id" in capsys.readouterr().err
    assert main(["staff", "add", "4242", "--role", "supervisor"]) == 0
    assert main(["staff", "add", "4343", "--role", "staff", "--site", "hg"]) == 0
    capsys.readouterr()
    assert main(["staff", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[:3] for line in lines] == [["HG", "4242", "supervisor"], ["HG", "4343", "staff"]]
    assert main(["staff", "remove", "4343", "--site", "HG"]) == 0
    assert "no longer duty staff" in capsys.readouterr().out
    assert main(["staff", "remove", "4343"]) == 2
    assert "has no role" in capsys.readouterr().err
    assert main(["staff", "list", "--site", "NOPE"]) == 2
    assert main(["staff", "list", "--database", migrated_file(tmp_path / "other.db")]) == 0
    assert capsys.readouterr().out == ""
