"""What an engine implements to send (:class:`Transport`) and the three errors it translates its
library's errors into, so that the delivery loop (bot.delivery) writes the retry policy once: 429
waits ``retry_after``; 5xx and network errors back off; a refusal is not retried."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

from handlers.core.messages import Keyboard

# Why a message was refused for good, for the people told (a relay's sender: handlers.tickets.relays).
Reason = Literal["unreachable", "too_long", "refused"]


class RetryLater(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = retry_after


class Transient(Exception):
    """A 5xx or a network failure: worth trying again shortly."""


class Refused(Exception):
    """The API refused for good (blocked by the user, chat not found, bad request). ``unreachable``:
    the person cannot be messaged (blocked the bot, never opened it, deleted their account)."""

    def __init__(self, message: str, *, unreachable: bool = False) -> None:
        super().__init__(message)
        lowered = message.lower()  # the Bot API's descriptions: "Forbidden: bot was blocked by the user"…
        self.unreachable = unreachable or "forbidden" in lowered or "chat not found" in lowered

    @property
    def reason(self) -> Reason:
        """Why, for the people told: ``unreachable``, ``too_long`` or ``refused``."""
        if self.unreachable:
            return "unreachable"
        return "too_long" if "too long" in str(self).lower() else "refused"


@dataclass(frozen=True, slots=True)
class FileUpload:
    """A file the bot made (storage.repos.uploads), sent as a multipart upload under ``name``."""

    name: str
    data: bytes = field(repr=False)


# What a photo or document message sends: a Telegram file id, or a file to upload.
FileRef = str | FileUpload


class Transport(Protocol):
    async def send(self, chat_id: int, text: str, buttons: Keyboard, reply_to: int | None) -> int: ...

    async def send_photo(self, chat_id: int, file_id: FileRef, caption: str, buttons: Keyboard) -> int: ...

    async def send_document(self, chat_id: int, file_id: FileRef, caption: str, buttons: Keyboard) -> int: ...

    async def edit(self, chat_id: int, message_id: int, text: str, buttons: Keyboard) -> None: ...

    async def answer(self, callback_id: str, text: str | None, alert: bool) -> None: ...
