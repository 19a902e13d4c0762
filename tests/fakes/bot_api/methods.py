"""The Bot API methods the fake implements, besides getUpdates and the webhook ones
(polling.py): identity, sending, editing and deleting messages, callback answers, chats and
members, files, and the command menu."""

from __future__ import annotations

import json
import math
import re
import time
from collections import deque
from typing import Any

from .errors import NOT_MODIFIED, QUERY_INVALID, TelegramError, bad, check_caption, check_markup, check_text
from .objects import ObjectBuilders
from .records import Upload

_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")


class BotMethods(ObjectBuilders):
    """One ``_method(params)`` per Bot API method; each returns the ``result`` or raises
    ``TelegramError``."""

    # ------------------------------------------------------------------ lookups

    def _chat(self, params: dict[str, Any], *, sending: bool = False) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad("chat_id is empty")
        if sending and chat_id in self.blocked_chats:
            raise TelegramError(403, "Forbidden: bot was blocked by the user")
        if sending and isinstance(chat_id, int) and chat_id < 0 and self.group_limit_per_minute:
            self._count_group_send(chat_id)
        if isinstance(chat_id, str):
            if chat_id.startswith("@"):
                for known in self.chats.values():
                    if known.get("username") == chat_id[1:]:
                        return known
            raise bad("chat not found")
        if not isinstance(chat_id, int):
            raise bad("chat not found")
        chat = self.chats.get(chat_id)
        if chat is None:
            if self.strict_chats:
                raise bad("chat not found")
            chat = self.make_chat(chat_id)
        return chat

    def _count_group_send(self, chat_id: int) -> None:
        """Telegram's 20 messages a minute in one group: past it, 429 with the wait until a slot frees."""
        now = time.monotonic()
        sent = self._group_sends.setdefault(chat_id, deque())
        window = self.group_limit_window
        while sent and now - sent[0] >= window:
            sent.popleft()
        if len(sent) >= self.group_limit_per_minute:
            wait = max(1, math.ceil(window - (now - sent[0])))
            self.rate_limited += 1
            raise TelegramError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})
        sent.append(now)

    def _bot_message(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("inline_message_id"):
            raise bad("inline messages are not supported by the fake")
        chat = self._chat(params)
        message = self.messages.get((chat["id"], params.get("message_id")))  # type: ignore[arg-type]
        if message is None:
            raise bad("message to edit not found")
        if message.get("from", {}).get("id") != self.bot_id:
            raise bad("message can't be edited")
        return message

    @staticmethod
    def _set_markup(message: dict[str, Any], markup: dict[str, Any] | None) -> None:
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup

    # ------------------------------------------------------------------ methods

    def _true(self, params: dict[str, Any]) -> bool:
        return True

    def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self._bot_user(),
            "can_join_groups": self.can_join_groups,
            "can_read_all_group_messages": self.can_read_all_group_messages,
            "supports_inline_queries": self.supports_inline_queries,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params, sending=True)
        text = check_text(params.get("text"), params.get("parse_mode"))
        markup = check_markup(params.get("reply_markup"))
        return self._new_bot_message(chat, params, text=text, reply_markup=markup)

    def _send_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params, sending=True)
        caption = check_caption(params.get("caption"), params.get("parse_mode"))
        markup = check_markup(params.get("reply_markup"))
        photo = params.get("photo")
        if isinstance(photo, Upload):
            stored = self._store_file(photo.data, "photos")
        elif isinstance(photo, str) and photo.rstrip("s") in self.files:
            stored = self.files[photo.rstrip("s")]
        elif isinstance(photo, str) and photo.startswith(("http://", "https://")):
            stored = self._store_file(b"", "photos")
        else:
            raise bad("wrong file identifier/HTTP URL specified")
        return self._new_bot_message(
            chat, params, photo=self._photo_sizes(stored), caption=caption, reply_markup=markup
        )

    def _send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        """sendDocument by the file_id of a file the fake knows (or an upload); the caption is held to
        1024 UTF-16 units like sendPhoto's."""
        chat = self._chat(params, sending=True)
        caption = check_caption(params.get("caption"), params.get("parse_mode"))
        markup = check_markup(params.get("reply_markup"))
        document = params.get("document")
        if isinstance(document, Upload):
            stored, name = self._store_file(document.data, "documents", "bin"), document.filename or "file"
        elif isinstance(document, str) and document in self.files:
            stored, name = self.files[document], self.files[document].path.rsplit("/", 1)[-1]
        else:
            raise bad("wrong file identifier/HTTP URL specified")
        return self._new_bot_message(
            chat, params, document=self._document(stored, name), caption=caption, reply_markup=markup
        )

    def _send_chat_action(self, params: dict[str, Any]) -> bool:
        self._chat(params, sending=True)
        return True

    def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._bot_message(params)
        text = check_text(params.get("text"), params.get("parse_mode"), editing=True)
        markup = check_markup(params.get("reply_markup"))
        if "text" not in message:
            raise bad("there is no text in the message to edit")
        if message["text"] == text and message.get("reply_markup") == markup:
            raise bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        message["text"] = text
        self._set_markup(message, markup)
        message["edit_date"] = int(time.time())
        return dict(message)

    def _edit_message_caption(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._bot_message(params)
        caption = check_caption(params.get("caption"), params.get("parse_mode"))
        markup = check_markup(params.get("reply_markup"))
        if "photo" not in message:
            raise bad("there is no caption in the message to edit")
        if message.get("caption") == caption and message.get("reply_markup") == markup:
            raise bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        if caption is None:
            message.pop("caption", None)
        else:
            message["caption"] = caption
        self._set_markup(message, markup)
        message["edit_date"] = int(time.time())
        return dict(message)

    def _edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._bot_message(params)
        markup = check_markup(params.get("reply_markup"))
        if message.get("reply_markup") == markup:
            raise bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        self._set_markup(message, markup)
        message["edit_date"] = int(time.time())
        return dict(message)

    def _delete_message(self, params: dict[str, Any]) -> bool:
        chat = self._chat(params)
        if self.messages.pop((chat["id"], params.get("message_id")), None) is None:  # type: ignore[arg-type]
            raise bad("message to delete not found")
        return True

    def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = params.get("callback_query_id")
        if not isinstance(query_id, str) or self._callback_queries.get(query_id) is not False:
            raise bad(QUERY_INVALID.removeprefix("Bad Request: "))
        text = params.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise bad("MESSAGE_TOO_LONG")
        self._callback_queries[query_id] = True
        return True

    def _get_chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _get_chat_member(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        user_id = params.get("user_id")
        if not isinstance(user_id, int):
            raise bad("invalid user_id specified")
        if user_id == self.bot_id:
            user = self._bot_user()
        else:
            user = self.users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
        member = self.chat_members.get((chat["id"], user_id), {"status": "member"})
        status = member["status"]
        result: dict[str, Any] = {"user": user, "status": status}
        if status == "administrator":
            result.update(
                {
                    "can_be_edited": False,
                    "is_anonymous": False,
                    "can_manage_chat": True,
                    "can_delete_messages": True,
                    "can_manage_video_chats": False,
                    "can_restrict_members": True,
                    "can_promote_members": False,
                    "can_change_info": False,
                    "can_invite_users": True,
                    "can_post_stories": False,
                    "can_edit_stories": False,
                    "can_delete_stories": False,
                    "can_send_welcome_messages": False,
                }
            )
        elif status == "creator":
            result["is_anonymous"] = False
        elif status == "kicked":
            result["until_date"] = 0
        result.update({k: v for k, v in member.items() if k != "status"})
        return result

    def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = params.get("file_id")
        stored = self.files.get(str(file_id).rstrip("s")) if file_id else None
        if stored is None:
            raise bad("invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.path,
        }

    @staticmethod
    def _commands_key(params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad("commands must be a list of at most 100 BotCommand")
        clean = []
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND_NAME_RE.fullmatch(str(command.get("command", ""))):
                raise bad("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": command["command"], "description": description})
        self.commands[self._commands_key(params)] = clean
        return True

    def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    def _get_my_commands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return list(self.commands.get(self._commands_key(params), []))
