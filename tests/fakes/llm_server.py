"""A local OpenAI-compatible ``/v1/chat/completions`` server for tests, over real HTTP on 127.0.0.1.

Scriptable per test::

    server.script(FakeReply.answer({...}), FakeReply.status(500))   # consumed in order
    server.default = FakeReply.answer({...})                        # after the script runs out
    server.reject_response_format = True                            # 400 when response_format is sent

Every request is recorded (``server.requests``: headers and JSON body) so tests can check that the
user's text was sent as data and that the API key header was sent.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class FakeReply:
    status_code: int = 200
    content: str | None = None  # the assistant message content (200 only)
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None  # a raw body instead of a completion

    @classmethod
    def answer(cls, data: dict[str, Any], *, delay: float = 0.0) -> FakeReply:
        return cls(content=json.dumps(data, ensure_ascii=False), delay=delay)

    @classmethod
    def prose(cls, data: dict[str, Any], *, fenced: bool = False) -> FakeReply:
        blob = json.dumps(data, ensure_ascii=False)
        if fenced:
            return cls(content=f"Sure! Here is the classification:\n```json\n{blob}\n```\nHope this helps.")
        return cls(content=f"I think the answer is {blob} based on the message.")

    @classmethod
    def text(cls, content: str) -> FakeReply:
        return cls(content=content)

    @classmethod
    def status(cls, code: int, *, retry_after: float | None = None, body: str = "{}") -> FakeReply:
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        return cls(status_code=code, headers=headers, body=body)

    @classmethod
    def slow(cls, data: dict[str, Any], seconds: float) -> FakeReply:
        return cls.answer(data, delay=seconds)


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def user_message(self) -> str:
        """The last user message (the one carrying the text to classify)."""
        users = [m["content"] for m in self.body.get("messages", []) if m.get("role") == "user"]
        return users[-1] if users else ""


class FakeLLMServer:
    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.default: FakeReply = FakeReply.status(500)
        self.reject_response_format = False
        self._script: list[FakeReply] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def script(self, *replies: FakeReply) -> None:
        self._script.extend(replies)

    async def start(self) -> FakeLLMServer:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            body = {}
        self.requests.append(RecordedRequest(request.path, dict(request.headers), body))
        if self.reject_response_format and "response_format" in body:
            return web.json_response(
                {"error": {"message": "response_format is not supported", "type": "invalid_request_error"}},
                status=400,
            )
        reply = self._script.pop(0) if self._script else self.default
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.status_code != 200 or reply.body is not None:
            return web.Response(
                status=reply.status_code,
                text=reply.body or "{}",
                headers=reply.headers,
                content_type="application/json",
            )
        completion = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "model": body.get("model", "fake"),
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": reply.content}, "finish_reason": "stop"}
            ],
        }
        return web.json_response(completion, headers=reply.headers)
