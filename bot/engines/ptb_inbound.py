"""python-telegram-bot objects to and from the neutral types: stored updates → ``Inbound``, buttons
→ inline keyboards. Mirrors ``message_to_inbound``/``callback_to_inbound`` of the aiogram engine."""

from __future__ import annotations

import json
import logging

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram import User as TgUser

from handlers.messages import Chat, Inbound, Keyboard, User

log = logging.getLogger(__name__)


def _user(user: TgUser) -> User:
    return User(
        id=user.id,
        name=user.full_name or user.username or str(user.id),
        username=user.username,
        language=user.language_code,
    )


def message_to_inbound(message: Message, update_id: int | None) -> Inbound | None:
    """A message as the neutral type: text or caption, the largest photo, a document, a shared
    location, the message it replies to. None for bots and service messages (nothing to read)."""
    if message.from_user is None or message.from_user.is_bot:
        return None
    text = message.text or message.caption or ""
    photo = message.photo[-1].file_id if message.photo else None  # sizes come smallest first
    document = message.document
    location = (message.location.latitude, message.location.longitude) if message.location else None
    if not text and photo is None and document is None and location is None:
        return None
    return Inbound(
        chat=Chat(id=message.chat.id, private=message.chat.type == "private", title=message.chat.title),
        user=_user(message.from_user),
        text=text,
        update_id=update_id,
        message_id=message.message_id,
        reply_to_message_id=message.reply_to_message.message_id if message.reply_to_message else None,
        photo_file_id=photo,
        document_file_id=document.file_id if document else None,
        document_name=document.file_name if document else None,
        location=location,
    )


def callback_to_inbound(query: CallbackQuery, update_id: int | None) -> Inbound | None:
    """A button press; None when Telegram no longer says which message it was under."""
    message = query.message
    if message is None:
        return None
    return Inbound(
        chat=Chat(id=message.chat.id, private=message.chat.type == "private", title=message.chat.title),
        user=_user(query.from_user),
        update_id=update_id,
        message_id=message.message_id,
        callback_id=query.id,
        callback_data=query.data,
    )


def update_to_inbound(payload: str) -> Inbound | None:
    """A stored update (the JSON Telegram sent) as the neutral type; None for what DutyDesk does
    not read, and for a payload that is not an update (logged: it is skipped, not retried)."""
    try:
        update = Update.de_json(json.loads(payload), None)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        log.warning("skipping an update that cannot be read: %s", exc)
        return None
    if update.message is not None:
        return message_to_inbound(update.message, update.update_id)
    if update.callback_query is not None:
        return callback_to_inbound(update.callback_query, update.update_id)
    return None


def markup(buttons: Keyboard) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data, url=b.url) for b in row] for row in buttons]
    )
