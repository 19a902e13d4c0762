"""Plain records: what the fake hands to tests (a received ``Call``, an ``Upload``, a
``LatencyPair``) and the entries of its own bookkeeping."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Upload:
    """A file that arrived as a multipart part."""

    name: str
    filename: str | None
    content_type: str
    data: bytes = field(repr=False)


@dataclass
class Call:
    """One request received by the fake.

    Calls are appended to ``FakeBotAPI.calls`` in arrival order as soon as their parameters are
    read; ``done`` turns true when the answer is made (a long-polling getUpdates stays not done
    while it waits).  ``at`` is ``time.monotonic()`` when the request arrived (before its body was
    read).  ``ok`` is true only for a finished successful call: false while pending and for any
    error answer (including injected failures and dropped connections, whose ``status`` is 0).
    """

    method: str
    params: dict[str, Any]
    at: float
    ok: bool = False
    status: int = 200
    result: Any = None
    description: str | None = None
    done: bool = False


@dataclass(frozen=True)
class LatencyPair:
    """An update pushed by the test and the first reply the bot made for it."""

    update_id: int
    chat_id: int | None
    pushed_at: float
    replied_at: float
    reply: Call

    @property
    def latency(self) -> float:
        return self.replied_at - self.pushed_at


@dataclass
class Failure:
    """An injected error answer (``fail_next``)."""

    status: int
    description: str
    retry_after: int | None
    times: int


@dataclass
class Push:
    """When an update was pushed, and the chat/message it came from (latency matching)."""

    at: float
    chat_id: int | None
    message_id: int | None


@dataclass
class Pending:
    """An update waiting for getUpdates; ``forced`` ones are delivered whatever the offset."""

    update_id: int
    update: dict[str, Any]
    forced: bool = False


@dataclass
class StoredFile:
    """A file the fake holds (served under ``/file/bot{token}/{path}``)."""

    file_id: str
    file_unique_id: str
    path: str
    data: bytes = field(repr=False)


@dataclass
class Delivery:
    """One POST of an update to a webhook: ``status`` 0 when the connection failed."""

    update_id: int
    url: str
    status: int
