"""Telegram's command menu per role and place (issue 19 point 5): what each person sees in the
duty group and in their private chat is what they may use there, and follows their role."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.bot_api import FakeBotAPI
from tests.support.e2e import ADMIN, GROUP, STAFF, SUPERVISOR, RunningBot, setup_site


@pytest.fixture(params=["aiogram", "ptb"])
async def bot(tmp_path: Path, migrated_sqlite: Path, request: pytest.FixtureRequest) -> AsyncIterator[RunningBot]:
    async with (
        FakeBotAPI(can_read_all_group_messages=True) as fake,
        RunningBot(
            fake, tmp_path / "e2e.db", engine=request.param, template=migrated_sqlite, menu_refresh_seconds=0.3
        ) as running,
    ):
        yield running


def menu(bot: RunningBot, **scope: object) -> list[str] | None:
    key = json.dumps(scope, sort_keys=True), ""
    found = bot.fake.commands.get(key)
    return None if found is None else [c["command"] for c in found]


def member(bot: RunningBot, user: int) -> list[str] | None:
    return menu(bot, type="chat_member", chat_id=GROUP, user_id=user)


async def test_menus_per_role_and_place(bot: RunningBot) -> None:
    groups, privates = menu(bot, type="all_group_chats"), menu(bot, type="all_private_chats")
    assert groups is not None and privates is not None
    assert "help" in groups and not {"setup", "log", "daylog", "sign"} & set(groups)  # a stranger, a new group
    assert {"start", "my", "unit"} <= set(privates) and not {"daylog", "log", "sign"} & set(privates)

    await setup_site(bot)
    await bot.fake.wait_until(lambda: menu(bot, type="chat", chat_id=SUPERVISOR) is not None, timeout=8)
    staff, supervisor, admin = member(bot, STAFF), member(bot, SUPERVISOR), member(bot, ADMIN)
    assert staff is not None and supervisor is not None and admin is not None
    assert "log" in staff and not {"invite", "ack", "setup", "start"} & set(staff)
    assert {"log", "invite", "ack"} <= set(supervisor) and "setup" not in supervisor
    assert "setup" not in admin  # the group is a site's already
    staff_dm, supervisor_dm = menu(bot, type="chat", chat_id=STAFF), menu(bot, type="chat", chat_id=SUPERVISOR)
    assert staff_dm is not None and supervisor_dm is not None
    assert "daylog" not in staff_dm and "daylog" in supervisor_dm and "sign" not in supervisor_dm

    bot.say(SUPERVISOR, f"/remove {STAFF}")
    await bot.reply_to(GROUP, "U101")
    await bot.fake.wait_until(lambda: member(bot, STAFF) == groups, timeout=8)  # back to a stranger's
