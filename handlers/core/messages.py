"""The neutral message types every engine speaks: an inbound message or button press, and replies.

Engines (aiogram, python-telegram-bot, the console, the tests) convert to and from these; no feature
sees a Telegram object.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime

from storage.clock import utcnow


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str
    username: str | None = None
    language: str | None = None  # Telegram's language_code, e.g. "zh-hans", "zh-hk", "en"


@dataclass(frozen=True, slots=True)
class Chat:
    id: int
    private: bool
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Inbound:
    """A message (text, command or photo) or, when ``callback_id`` is set, a button press."""

    chat: Chat
    user: User
    text: str = ""
    update_id: int | None = None
    message_id: int | None = None
    reply_to_message_id: int | None = None
    reply_to_bot: str | None = None  # the message replied to is a bot's: its username ("" if none)
    photo_file_id: str | None = None
    document_file_id: str | None = None  # a file sent with a caption command (/roster, /keys_import)
    document_name: str | None = None
    document_size: int | None = None  # bytes, as Telegram states it before any download
    location: tuple[float, float] | None = None  # (latitude, longitude) of a shared location
    forwarded: bool = False  # the message was forwarded from elsewhere: not the sender's own, now
    sent_at: datetime | None = None  # Telegram's own date of the message, when the engine knows it
    callback_id: str | None = None
    callback_data: str | None = None
    at: datetime = field(default_factory=utcnow)

    @property
    def is_button(self) -> bool:
        return self.callback_id is not None


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str | None = None  # callback data, at most 64 bytes
    url: str | None = None


Keyboard = list[list[Button]]


@dataclass(slots=True)
class Reply:
    """A message to the chat the inbound came from (or, with ``edit``, a new text for the pressed one)."""

    text: str
    buttons: Keyboard = field(default_factory=list)
    edit: bool = False
    quote: bool = False  # answer as a reply to the inbound message
    link: tuple[str, int] | None = None  # (record kind, id) the sent message shows
    held: bool = False  # sent once the update's relay was delivered, else replaced (handlers.tickets.relays)


@dataclass(slots=True)
class Outcome:
    """What a handler returns: replies in this chat, and for a button press a short toast."""

    replies: list[Reply] = field(default_factory=list)
    toast: str | None = None
    alert: bool = False
    notified: int = 0  # messages queued in the outbox for other chats (delivery is woken when > 0)

    @classmethod
    def say(cls, text: str, **kwargs: object) -> Outcome:
        return cls(replies=[Reply(text, **kwargs)])  # type: ignore[arg-type]


# C0 control characters but tab and newline, DEL, and the invisible format characters people paste
# by accident (zero-width space/joiners, BOM). PostgreSQL refuses U+0000 in text, so a message
# holding one would fail to store on every retry.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f\u200b-\u200d\u2060\ufeff]")


def clean_text(text: str) -> str:
    """The text without control and invisible characters (a carriage return becomes a newline)."""
    return _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def clean_inbound(msg: Inbound) -> Inbound:
    """The edge's cleaning of what people typed: text, names and button data (SPEC §7)."""
    text, name = clean_text(msg.text), clean_text(msg.user.name)
    data = clean_text(msg.callback_data) if msg.callback_data is not None else None
    username = clean_text(msg.user.username) if msg.user.username else msg.user.username
    if (text, name, data, username) == (msg.text, msg.user.name, msg.callback_data, msg.user.username):
        return msg
    user = replace(msg.user, name=name or str(msg.user.id), username=username)
    chat = replace(msg.chat, title=clean_text(msg.chat.title)) if msg.chat.title else msg.chat
    return replace(msg, text=text, user=user, chat=chat, callback_data=data)
