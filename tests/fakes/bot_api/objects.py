"""Builders of Telegram objects: the users, chats, messages and callback queries a test pushes
as updates, the bot's own messages, and stored files (photos); and readers of an update's kind,
chat and message."""

from __future__ import annotations

import time
from typing import Any

from .errors import bad, utf16_len
from .records import StoredFile
from .state import FakeState

_UPDATE_META_KEYS = frozenset({"update_id"})


def update_type(update: dict[str, Any]) -> str | None:
    for key in update:
        if key not in _UPDATE_META_KEYS:
            return key
    return None


def update_chat_and_message(update: dict[str, Any]) -> tuple[int | None, int | None]:
    kind = update_type(update)
    if kind is None:
        return None, None
    body = update.get(kind)
    if not isinstance(body, dict):
        return None, None
    if kind == "callback_query":
        message = body.get("message")
        if isinstance(message, dict):
            return message.get("chat", {}).get("id"), None
        return None, None
    chat = body.get("chat")
    if isinstance(chat, dict):
        return chat.get("id"), body.get("message_id")
    return None, None


class ObjectBuilders(FakeState):
    """The Telegram objects of a ``FakeBotAPI``: builders for tests, and the bot's messages."""

    # ------------------------------------------------------------------ for tests

    def make_user(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> dict[str, Any]:
        """The ``User`` object of a person (remembered for getChatMember)."""
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name or f"User {user_id}"}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self.users[user_id] = user
        return user

    def make_chat(self, chat_id: int, *, chat_type: str | None = None, title: str | None = None) -> dict[str, Any]:
        """The ``Chat`` object of ``chat_id`` (created and remembered if new)."""
        chat = self.chats.get(chat_id)
        if chat is not None and (chat_type is None or chat["type"] == chat_type):
            if title and chat["type"] != "private":
                chat["title"] = title
            return chat
        if chat_type is None:
            chat_type = "private" if chat_id > 0 else ("supergroup" if chat_id <= -(10**12) else "group")
        chat = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            user = self.users.get(chat_id)
            chat["first_name"] = user["first_name"] if user else f"User {chat_id}"
            if user and user.get("username"):
                chat["username"] = user["username"]
        else:
            chat["title"] = title or f"Chat {chat_id}"
        self.chats[chat_id] = chat
        return chat

    def user_message(
        self,
        chat_id: int,
        user_id: int,
        text: str = "",
        *,
        chat_type: str | None = None,
        first_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        reply_to_message_id: int | None = None,
        photo: bool = False,
        document: tuple[str, bytes] | None = None,
        location: tuple[float, float] | None = None,
        chat_title: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A ``message`` update (without update_id) from ``user_id`` in ``chat_id``.

        ``chat_type`` defaults from the id (positive: private; negative: group; <= -10**12:
        supergroup).  A leading ``/command`` gets its ``bot_command`` entity like Telegram gives.
        ``photo=True`` makes a photo message with ``text`` as its caption; ``document=(name, bytes)``
        a file message (the bytes are served by getFile and the file URL); ``location=(lat, lon)``
        a shared location (no text).
        ``reply_to_message_id`` must name a message of that chat the fake knows (sent by the bot
        or built here).  ``extra`` is merged into the Message.
        """
        user = self.make_user(user_id, first_name=first_name, username=username, language_code=language_code)
        if chat_id == user_id and chat_type in (None, "private"):
            chat = self.make_chat(chat_id, chat_type="private")
        else:
            chat = self.make_chat(chat_id, chat_type=chat_type, title=chat_title)
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat_id),
            "from": user,
            "chat": dict(chat),
            "date": int(time.time()),
        }
        entities = self._command_entities(text)
        if location is not None:
            message["location"] = {"latitude": location[0], "longitude": location[1]}
        elif photo or document is not None:
            if document is not None:
                stored = self._store_file(document[1], "documents", document[0].rsplit(".", 1)[-1])
                message["document"] = self._document(stored, document[0])
            else:
                stored = self._store_file(b"\xff\xd8\xff\xe0fake-jpeg\xff\xd9", "photos")
                message["photo"] = self._photo_sizes(stored)
            if text:
                message["caption"] = text
                if entities:
                    message["caption_entities"] = entities
        else:
            message["text"] = text
            if entities:
                message["entities"] = entities
        if reply_to_message_id is not None:
            replied = self.messages.get((chat_id, reply_to_message_id))
            if replied is None:
                raise KeyError(f"no message {reply_to_message_id} in chat {chat_id} to reply to")
            message["reply_to_message"] = {k: v for k, v in replied.items() if k != "reply_to_message"}
        if extra:
            message.update(extra)
        self.messages[(chat_id, message["message_id"])] = message
        return {"message": message}

    def user_click(
        self,
        chat_id: int,
        user_id: int,
        message_id: int,
        data: str,
        *,
        first_name: str | None = None,
        username: str | None = None,
    ) -> dict[str, Any]:
        """A ``callback_query`` update: ``user_id`` pressed a button with ``data`` under the
        message ``message_id`` the bot sent to ``chat_id``.  ``data`` is not checked against
        the keyboard, so forged button data can be tested."""
        message = self.messages.get((chat_id, message_id))
        if message is None:
            raise KeyError(f"no message {message_id} in chat {chat_id}")
        user = self.users.get(user_id) if first_name is None and username is None else None
        if user is None:
            user = self.make_user(user_id, first_name=first_name, username=username)
        query_id = f"{self.bot_id}{next(self._callback_ids):010d}"
        self._callback_queries[query_id] = False
        return {
            "callback_query": {
                "id": query_id,
                "from": user,
                "message": dict(message),
                "chat_instance": str(abs(hash((self.bot_id, chat_id))) % 10**18),
                "data": data,
            }
        }

    # ------------------------------------------------------------------ shared helpers

    def _bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.first_name, "username": self.username}

    def _new_message_id(self, chat_id: int) -> int:
        mid = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = mid + 1
        return mid

    @staticmethod
    def _command_entities(text: str) -> list[dict[str, Any]]:
        if not text.startswith("/") or len(text) < 2:
            return []
        command = text.split(maxsplit=1)[0]
        return [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]

    def _store_file(self, data: bytes, folder: str, ext: str = "jpg") -> StoredFile:
        n = next(self._file_counter)
        stored = StoredFile(
            file_id=f"AgACAgQAAxkBAAI{n:08d}{self.bot_id}",
            file_unique_id=f"AQAD{n:06d}",
            path=f"{folder}/file_{n}.{ext}",
            data=data,
        )
        self.files[stored.file_id] = stored
        return stored

    @staticmethod
    def _photo_sizes(stored: StoredFile) -> list[dict[str, Any]]:
        return [
            {
                "file_id": f"{stored.file_id}s",
                "file_unique_id": f"{stored.file_unique_id}s",
                "width": 90,
                "height": 68,
                "file_size": min(len(stored.data), 1200),
            },
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": 1280,
                "height": 960,
                "file_size": len(stored.data),
            },
        ]

    @staticmethod
    def _document(stored: StoredFile, name: str) -> dict[str, Any]:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": name,
            "mime_type": "application/octet-stream",
            "file_size": len(stored.data),
        }

    # ------------------------------------------------------------------ the bot's messages

    def _reply_to(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any] | None:
        reply_to = params.get("reply_to_message_id")
        allow_without = bool(params.get("allow_sending_without_reply"))
        reply_parameters = params.get("reply_parameters")
        if isinstance(reply_parameters, dict):
            reply_to = reply_parameters.get("message_id", reply_to)
            allow_without = bool(reply_parameters.get("allow_sending_without_reply", allow_without))
            chat_id = reply_parameters.get("chat_id", chat_id)
        if reply_to is None:
            return None
        replied = self.messages.get((chat_id, reply_to))
        if replied is None:
            if allow_without:
                return None
            raise bad("message to be replied not found")
        return {k: v for k, v in replied.items() if k != "reply_to_message"}

    def _new_bot_message(self, chat: dict[str, Any], params: dict[str, Any], **content: Any) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat["id"]),
            "from": self._bot_user(),
            "chat": dict(chat),
            "date": int(time.time()),
        }
        reply_to = self._reply_to(chat["id"], params)
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message.update({k: v for k, v in content.items() if v is not None})
        self.messages[(chat["id"], message["message_id"])] = message
        return dict(message)
