"""python-telegram-bot's network layer on aiohttp: a :class:`telegram.request.BaseRequest`, PTB's
documented way to plug in another HTTP library.

Why not PTB's default ``HTTPXRequest``: on the bot's own path (send a card per update) httpx and
httpcore's anyio backend cost about three times aiohttp's CPU per request, and each httpx client
loads its own TLS context (bench/README.md, "python-telegram-bot's network layer"). aiohttp is
already here (the webhook server, aiogram). PTB still does everything above the wire: parameters,
the Bot API's answers and its errors (``BaseRequest._request_wrapper`` maps status codes to
``RetryAfter``, ``Forbidden``, ``BadRequest`` …); this class only moves bytes, and turns network
faults into PTB's ``TimedOut`` and ``NetworkError``, as ``HTTPXRequest`` does.
"""

from __future__ import annotations

import re

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_TOKEN_IN_PATH = re.compile(r"/bot[^/\s]+")


class AiohttpRequest(BaseRequest):
    """One aiohttp session (created on first use, inside the running loop) with at most
    ``connection_pool_size`` connections; timeouts as ``HTTPXRequest``'s defaults."""

    __slots__ = (
        "_connect_timeout",
        "_limit",
        "_media_write_timeout",
        "_pool_timeout",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 1,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._limit = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        self._open()

    async def shutdown(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._limit)
            self._session = aiohttp.ClientSession(connector=connector, headers={"User-Agent": self.USER_AGENT})
        return self._session

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """See :meth:`telegram.request.BaseRequest.do_request`. Parameters go as a form (what
        ``HTTPXRequest`` sends), files as multipart."""
        files = request_data.multipart_data if request_data is not None else None
        data: aiohttp.FormData | dict[str, str] | None = None
        if request_data is not None:
            data = request_data.json_parameters
            if files:
                form = aiohttp.FormData(data)
                for name, (filename, content, mimetype) in files.items():
                    form.add_field(name, content, filename=filename, content_type=mimetype)
                data = form
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        write = (self._media_write_timeout if files else self._write_timeout) if isinstance(
            write_timeout, DefaultValue
        ) else write_timeout  # fmt: skip
        connect = self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        # aiohttp has no separate write timeout: a request body is written within connect + write.
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=_sum(pool, connect, write),
            sock_connect=connect,
            sock_read=read,
        )
        try:
            async with self._open().request(method, url, data=data, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            # The class name helps when the message is empty (as HTTPXRequest does); aiohttp's
            # messages may carry the URL, whose path holds the token.
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {_TOKEN_IN_PATH.sub('/bot…', str(exc))}") from exc


def _sum(*parts: float | None) -> float | None:
    """None (no limit) if any part has none."""
    return None if any(part is None for part in parts) else sum(part or 0.0 for part in parts)
