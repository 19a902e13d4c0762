"""/help per role and place (issue 19 point 5): it never lists a command the sender cannot use there,
and it lists the same commands as the sender's Telegram command menu (bot.menus)."""

from __future__ import annotations

import re

from handlers.core.messages import Chat
from storage.codes import Role
from tests.support import ADMIN, GROUP, MANAGER, STAFF, STRANGER, SUPERVISOR, DeskHarness, text_of

NEW_GROUP = Chat(id=-100600, private=False, title="新群")


def commands(text: str) -> set[str]:
    return set(re.findall(r"^/(\w+) — ", text, flags=re.M))


async def test_setup_listed_only_to_admins_in_a_group_without_site(harness: DeskHarness) -> None:
    h = harness
    admin_before = commands(text_of(await h.send("/help", ADMIN, NEW_GROUP)))
    assert "setup" in admin_before
    assert not {"daylog", "sign", "review", "log"} & admin_before  # nothing of a site's before /setup
    await h.setup_site()
    assert "setup" not in commands(text_of(await h.send("/help", STAFF, NEW_GROUP)))
    assert "setup" not in commands(text_of(await h.send("/help", STRANGER, NEW_GROUP)))
    assert "setup" not in commands(text_of(await h.send("/help", STRANGER)))
    assert "setup" not in commands(text_of(await h.send("/help", STAFF)))
    assert "setup" not in commands(text_of(await h.send("/help", ADMIN)))  # this group is a site's already
    staff_elsewhere = commands(text_of(await h.send("/help", SUPERVISOR, NEW_GROUP)))
    assert not {"daylog", "sign", "log", "invite"} & staff_elsewhere


async def test_help_and_menu_list_the_same(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    router = h.desk.router
    for user, role in ((STAFF, Role.STAFF), (SUPERVISOR, Role.SUPERVISOR), (MANAGER, Role.MANAGER)):
        in_group = commands(text_of(await h.send("/help", user, GROUP)))
        assert in_group == {name for name, _ in router.menu(False, "zh-Hans", role)}
        in_private = commands(text_of(await h.dm("/help", user)))
        assert in_private == {name for name, _ in router.menu(True, "zh-Hans", role)}
    assert "sign" in commands(text_of(await h.dm("/help", MANAGER)))
    assert "sign" not in commands(text_of(await h.dm("/help", SUPERVISOR)))
    stranger = commands(text_of(await h.send("/help", STRANGER)))
    assert stranger == {name for name, _ in router.menu(False, "zh-Hans")} and "log" not in stranger
