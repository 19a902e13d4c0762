"""The Bot API wire format: a request's parameters (query string, JSON, urlencoded or multipart
form; nested objects such as ``reply_markup`` arriving as JSON strings are decoded) and the JSON
answers, in Telegram's shapes."""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import web

from .records import Upload

#: Parameters that are always strings, never JSON-decoded (``text="123"`` stays ``"123"``).
STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "url",
        "secret_token",
        "ip_address",
        "language_code",
        "business_connection_id",
        "message_effect_id",
        "title",
        "description",
        "short_description",
        "name",
        "query",
        "data",
        "file_id",
        "photo",
        "document",
        "audio",
        "video",
        "voice",
        "sticker",
        "emoji",
        "first_name",
        "last_name",
        "username",
    }
)

_NUMBER_RE = re.compile(r"-?\d+(\.\d+)?")


def decode(key: str, value: Any) -> Any:
    """Decode one form/query value: JSON objects, arrays, numbers and booleans, except for
    parameters that are strings by definition."""
    if not isinstance(value, str) or key in STRING_PARAMS:
        return value
    s = value.strip()
    if not s:
        return value
    if s[0] in "{[" or s in ("true", "false", "null") or _NUMBER_RE.fullmatch(s):
        try:
            return json.loads(s)
        except ValueError:
            return value
    return value


def decode_nested(key: str, value: str) -> Any:
    """In a JSON body, objects sometimes arrive as JSON strings (``reply_markup``); decode those."""
    if key in STRING_PARAMS:
        return value
    s = value.strip()
    if s[:1] in "{[":
        try:
            return json.loads(s)
        except ValueError:
            return value
    return value


async def read_params(request: web.Request) -> dict[str, Any]:
    """All parameters of a request; uploaded files become ``Upload`` (``attach://`` resolved)."""
    params: dict[str, Any] = {k: decode(k, v) for k, v in request.query.items()}
    if not request.can_read_body:
        return params
    ctype = request.content_type
    if ctype == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            for key, value in body.items():
                params[key] = value if not isinstance(value, str) else decode_nested(key, value)
    elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        uploads: dict[str, Upload] = {}
        for key, value in form.items():
            if isinstance(value, web.FileField):
                uploads[key] = Upload(key, value.filename, value.content_type, value.file.read())
            elif isinstance(value, bytes | bytearray):
                uploads[key] = Upload(key, None, "application/octet-stream", bytes(value))
            else:
                params[key] = decode(key, value)
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://") and value[9:] in uploads:
                params[key] = uploads.pop(value[9:])
        for key, upload in uploads.items():
            params.setdefault(key, upload)
    return params


def json_response(status: int, payload: dict[str, Any]) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(payload, ensure_ascii=False).encode(),
        content_type="application/json",
    )


def error_payload(status: int, description: str, parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        payload["parameters"] = parameters
    return payload
