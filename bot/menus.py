"""Telegram's command menu per role and place (setMyCommands with scopes): nobody's menu shows a
command they cannot use there, the same list /help gives them (handlers.core.router.listed).

- every group chat: what a person of no role may use in a group (/help, /whoami);
- every private chat: what a resident may use (/start, /my, /unit…);
- in a site's duty group, each of its people (and each global admin): what their role there allows;
- in the private chat of each of them: what their highest role allows.

Roles change (an invite redeemed, /staff, /remove, the command line): the runner computes the menus
again every few minutes and publishes only those that changed; a person who lost every role is
given the place's default menu back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import NamedTuple

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.router import Router
from storage.codes import Role
from storage.models import Member, Site

log = logging.getLogger(__name__)

Entries = list[tuple[str, str]]


class MenuScope(NamedTuple):
    """Whose menu: ``private`` chats or groups; with ``chat_id`` one chat (a private chat's id is
    the person's), with ``user_id`` too one person in that group."""

    private: bool
    chat_id: int | None = None
    user_id: int | None = None


GROUPS, PRIVATES = MenuScope(False), MenuScope(True)


async def compute(
    session: AsyncSession, router: Router, *, language: str, admins: Iterable[int]
) -> dict[MenuScope, Entries]:
    """Every scope's menu, from the sites' people as they are now."""
    menus: dict[MenuScope, Entries] = {
        GROUPS: router.menu(False, language),
        PRIVATES: router.menu(True, language),
    }
    sites = {site.id: site for site in (await session.exec(select(Site))).all() if site.id is not None}
    highest: dict[int, Role] = {admin: Role.ADMIN for admin in admins}
    for member in (await session.exec(select(Member))).all():
        site = sites.get(member.site_id)
        if site is None:
            continue
        if member.telegram_id not in highest or member.role.rank > highest[member.telegram_id].rank:
            highest[member.telegram_id] = member.role
        if site.duty_chat_id is not None and member.telegram_id not in set(admins):
            menus[MenuScope(False, site.duty_chat_id, member.telegram_id)] = router.menu(
                False, site.language, member.role
            )
    for site in sites.values():
        if site.duty_chat_id is not None:
            for admin in admins:
                menus[MenuScope(False, site.duty_chat_id, admin)] = router.menu(False, site.language, Role.ADMIN)
    for telegram_id, role in highest.items():
        menus[MenuScope(True, telegram_id)] = router.menu(True, language, role)
    return menus


def changes(published: dict[MenuScope, Entries], wanted: dict[MenuScope, Entries]) -> dict[MenuScope, Entries]:
    """What to publish to go from ``published`` to ``wanted``: the menus that differ, and the place's
    default menu for a person who has none any more."""
    out = {scope: entries for scope, entries in wanted.items() if published.get(scope) != entries}
    for scope in published.keys() - wanted.keys():
        out[scope] = wanted[PRIVATES if scope.private else GROUPS]
    return out
