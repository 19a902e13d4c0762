"""What an engine (aiogram, python-telegram-bot) gives the runner: the rest is engine-neutral.

The runner owns the inbox: it asks the engine for raw updates, stores them, then confirms them
(the next offset), converts each stored payload to the neutral ``Inbound`` with the engine and hands
it to the desk; replies leave through the outbox and the engine's ``Transport``.
"""

from __future__ import annotations

from typing import Protocol

from bot.menus import MenuScope
from bot.transport import Transport
from handlers.core.context import FileSource
from handlers.core.messages import Inbound


class TokenRefused(RuntimeError):
    """The Bot API does not know this token; nothing will work until it is fixed."""


class Unreachable(RuntimeError):
    """The Bot API did not answer (network, DNS, a malformed TELEGRAM_API_URL, a 5xx)."""


class Engine(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def transport(self) -> Transport: ...

    @property
    def files(self) -> FileSource: ...

    async def introduce(self) -> tuple[str | None, bool]:
        """getMe: (bot username, whether it reads all group messages); raises TokenRefused on 401."""
        ...

    async def publish_menu(self, menus: dict[MenuScope, list[tuple[str, str]]]) -> None:
        """setMyCommands for each scope (bot.menus: all groups, all private chats, one person in a
        duty group, one private chat); failures are logged."""
        ...

    async def get_updates(self, offset: int | None, poll_seconds: int) -> list[tuple[int, str]]:
        """getUpdates from ``offset`` (confirming everything before it), waiting up to
        ``poll_seconds``: a list of (update_id, JSON payload)."""
        ...

    def to_inbound(self, payload: str) -> Inbound | None:
        """A stored update as the neutral type; None for what DutyDesk does not read."""
        ...

    async def set_webhook(self, url: str, secret: str) -> None: ...

    async def delete_webhook(self) -> None: ...

    async def close(self) -> None: ...
