"""Logging set-up with a filter that keeps secrets (bot token, LLM key) out of every line."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from types import TracebackType
from typing import Any

from bot.config import Settings


def secrets_of(settings: Settings) -> list[str]:
    """The values no output may show: the bot token and the LLM key."""
    return [s.get_secret_value() for s in (settings.bot_token, settings.llm_api_key) if s is not None]


def scrub(text: str, secrets: list[str]) -> str:
    """``text`` with every secret (of six characters or more) replaced by ``***``."""
    for secret in secrets:
        if len(secret) >= 6:
            text = text.replace(secret, "***")
    return text


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self.secrets):
            for secret in self.secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            if any(secret in text for secret in self.secrets):
                for secret in self.secrets:
                    text = text.replace(secret, "***")
                record.exc_info, record.exc_text = None, text
        return True


def configure(settings: Settings, level: int = logging.INFO) -> None:
    secrets = secrets_of(settings)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    # a line per tick otherwise, and one per tick skipped while a long one runs (an outage)
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    # Uncaught exceptions (in the main thread, other threads and the event loop) go through the same
    # handler, so their text is redacted too: a request URL in a traceback carries the token.
    sys.excepthook = _log_uncaught
    threading.excepthook = lambda args: _log_uncaught(args.exc_type, args.exc_value, args.exc_traceback)


def _log_uncaught(kind: type[BaseException], value: BaseException | None, tb: TracebackType | None) -> None:
    if value is not None and issubclass(kind, KeyboardInterrupt):
        return
    logging.getLogger("dutydesk").error("uncaught exception", exc_info=(kind, value, tb))  # type: ignore[arg-type]


def loop_exception_handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """asyncio's own reports (a task's exception nobody retrieved) through the redacting log."""
    error = context.get("exception")
    message = str(context.get("message", "asyncio error"))
    logging.getLogger("asyncio").error(message, exc_info=error if isinstance(error, BaseException) else None)
