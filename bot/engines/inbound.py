"""A stored update (the JSON Telegram sent, as the inbox keeps it) as the neutral ``Inbound``, for
both engines.

DutyDesk reads a dozen fields of an update; they are read straight from the JSON rather than through
aiogram's or PTB's object model, which built and validated every object of the update first (about
a tenth of the bot's CPU per update under PTB, bench/README.md). The Bot API's field names are the
contract here (https://core.telegram.org/bots/api#update). A payload that is not an update, or whose
fields have the wrong types, is logged and skipped (None), never retried.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from handlers.core.messages import Chat, Inbound, User

log = logging.getLogger(__name__)
# The kinds of update asked of Telegram (getUpdates, setWebhook): the two :func:`update_to_inbound` reads.
ALLOWED_UPDATES = ["message", "callback_query"]


class _Unreadable(ValueError):
    """A field DutyDesk needs is missing or of the wrong type."""


# Telegram marks a forwarded message with forward_origin (Bot API 7.0+); older servers sent these.
_FORWARD_KEYS = ("forward_origin", "forward_date", "forward_from", "forward_from_chat", "forward_sender_name")


def _date(message: dict[str, Any]) -> datetime | None:
    """The message's own Unix date as an aware UTC time; None when absent or not a number."""
    stamp = message.get("date")
    if not isinstance(stamp, int) or isinstance(stamp, bool) or not 0 < stamp < 2**40:
        return None
    return datetime.fromtimestamp(stamp, UTC)


def update_to_inbound(payload: str) -> Inbound | None:
    """What DutyDesk reads of a stored update: a message (text or caption, the largest photo, a
    document, a location, the message it replies to) or a button press; None for the rest (bots,
    service messages, edits, a press whose message Telegram no longer names)."""
    try:
        update = json.loads(payload)
        if not isinstance(update, dict):
            raise _Unreadable("not an object")
        update_id = _int(update, "update_id")
        if (message := update.get("message")) is not None:
            return message_to_inbound(_object(message), update_id)
        if (query := update.get("callback_query")) is not None:
            return callback_to_inbound(_object(query), update_id)
        return None
    except (ValueError, TypeError, KeyError) as exc:  # json's errors and _Unreadable are ValueErrors
        log.warning("skipping an update that cannot be read: %s", exc)
        return None


def message_to_inbound(message: dict[str, Any], update_id: int | None) -> Inbound | None:
    sender = message.get("from")
    if sender is None or _object(sender).get("is_bot"):
        return None
    text = _text(message, "text") or _text(message, "caption") or ""
    photos = message.get("photo")
    photo = _str(_object(photos[-1]), "file_id") if isinstance(photos, list) and photos else None  # smallest first
    document = _object(message["document"]) if message.get("document") is not None else None
    place = _object(message["location"]) if message.get("location") is not None else None
    location = (float(place["latitude"]), float(place["longitude"])) if place is not None else None
    if not text and photo is None and document is None and location is None:
        return None
    quoted = _object(message["reply_to_message"]) if message.get("reply_to_message") is not None else None
    author = _object(quoted["from"]) if quoted is not None and quoted.get("from") is not None else None
    return Inbound(
        chat=_chat(message),
        user=_user(sender),
        text=text,
        update_id=update_id,
        message_id=_int(message, "message_id"),
        reply_to_message_id=_int(quoted, "message_id") if quoted is not None else None,
        reply_to_bot=(_text(author, "username") or "") if author is not None and author.get("is_bot") else None,
        photo_file_id=photo,
        document_file_id=_str(document, "file_id") if document is not None else None,
        document_name=_text(document, "file_name") if document is not None else None,
        document_size=_size(document) if document is not None else None,
        location=location,
        forwarded=any(key in message for key in _FORWARD_KEYS),
        sent_at=_date(message),
    )


def callback_to_inbound(query: dict[str, Any], update_id: int | None) -> Inbound | None:
    message = query.get("message")
    if message is None:  # an inline-mode press, or one Telegram no longer ties to a message
        return None
    message = _object(message)
    return Inbound(
        chat=_chat(message),
        user=_user(query.get("from")),
        update_id=update_id,
        message_id=_int(message, "message_id"),
        callback_id=_str(query, "id"),
        callback_data=_text(query, "data"),
    )


def _chat(message: dict[str, Any]) -> Chat:
    chat = _object(message.get("chat"))
    return Chat(id=_int(chat, "id"), private=chat.get("type") == "private", title=_text(chat, "title"))


def _user(value: object) -> User:
    user = _object(value)
    first, last, username = _text(user, "first_name"), _text(user, "last_name"), _text(user, "username")
    full = f"{first} {last}" if first and last else (first or "")
    user_id = _int(user, "id")
    return User(
        id=user_id, name=full or username or str(user_id), username=username, language=_text(user, "language_code")
    )


def _size(document: dict[str, Any]) -> int | None:
    """A document's optional ``file_size``."""
    return _int(document, "file_size") if document.get("file_size") is not None else None


def _object(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Unreadable(f"expected an object, got {type(value).__name__}")
    return value


def _int(obj: dict[str, Any], key: str) -> int:
    value = obj.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Unreadable(f"{key} is {type(value).__name__}, not an integer")
    return value


def _str(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str):
        raise _Unreadable(f"{key} is {type(value).__name__}, not a string")
    return value


def _text(obj: dict[str, Any], key: str) -> str | None:
    """An optional string field."""
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise _Unreadable(f"{key} is {type(value).__name__}, not a string")
    return value
