"""Telegram's error answers, and the strict checks of what the bot sends that produce them
(text and caption lengths, inline keyboards)."""

from __future__ import annotations

import html
import re
from typing import Any

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a content and reply markup of the current message"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"

_TAG_RE = re.compile(r"<[^>]*>")


class TelegramError(Exception):
    """An error answer of the Bot API (raised inside method implementations)."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def bad(description: str) -> TelegramError:
    return TelegramError(400, f"Bad Request: {description}")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def text_length(text: str, parse_mode: Any) -> int:
    if isinstance(parse_mode, str) and parse_mode.upper() == "HTML":
        text = html.unescape(_TAG_RE.sub("", text))
    return utf16_len(text)


def check_text(text: Any, parse_mode: Any, *, editing: bool = False) -> str:
    if not isinstance(text, str) or not text.strip():
        raise bad("text must be non-empty" if editing else "message text is empty")
    if text_length(text, parse_mode) > 4096:
        raise bad("MESSAGE_TOO_LONG" if editing else "message is too long")
    return text


def check_caption(caption: Any, parse_mode: Any) -> str | None:
    if caption is None or caption == "":
        return None
    if not isinstance(caption, str):
        raise bad("caption must be a string")
    if text_length(caption, parse_mode) > 1024:
        raise bad("message caption is too long")
    return caption


def check_markup(markup: Any) -> dict[str, Any] | None:
    """Validate a reply_markup; return what a Message echoes (inline keyboards only)."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays')
    clean_rows = []
    for row in rows:
        clean_row = []
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
            clean = {k: v for k, v in button.items() if v is not None}
            if "callback_data" in clean:
                data = clean["callback_data"]
                if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
                    raise bad("BUTTON_DATA_INVALID")
            elif len(clean) < 2:
                raise bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
            clean_row.append(clean)
        clean_rows.append(clean_row)
    return {"inline_keyboard": clean_rows}
