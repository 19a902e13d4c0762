"""Settings from the environment and `.env` (SPEC §6), validated once at start."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TOKEN_RE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as setWebhook secret_token
DEFAULT_DB = "sqlite+aiosqlite:///./data/dutydesk.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    database_url: str = DEFAULT_DB
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_model: str = "gpt-4o-mini"
    llm_timeout: float = 8.0
    llm_threshold: float = Field(default=0.6, description="ask the LLM only below this rules confidence")
    dutydesk_timezone: str = "Asia/Shanghai"
    dutydesk_language: Literal["zh-Hans", "zh-Hant", "en"] = "zh-Hans"
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    tick_seconds: float = 5.0
    dutydesk_engine: Literal["aiogram", "ptb"] = "aiogram"
    polling_timeout: int = Field(default=30, description="seconds a getUpdates long poll waits")
    concurrent_updates: int = Field(default=32, ge=1, description="updates handled at once")
    inbox_lease_seconds: float = Field(
        default=30.0, gt=0, description="a stored update not handled within this is taken by a sweep"
    )
    claim_stale_seconds: float = Field(
        default=120.0, gt=0, description="a timer or message claimed longer ago belonged to a process that died"
    )
    send_per_second: float = Field(default=30.0, ge=0, description="Telegram's overall limit; 0 turns it off")
    group_per_minute: float = Field(default=20.0, ge=0, description="Telegram's limit per group; 0 turns it off")
    chat_per_second: float = Field(default=1.0, ge=0, description="Telegram's limit per chat; 0 turns it off")
    menu_refresh_seconds: float = Field(
        default=60.0, gt=0, description="how soon a changed role shows in the person's Telegram command menu"
    )
    lexicon_dir: Path | None = Field(default=None, description="extra classifier lexicon files of a site")
    webhook_url: str = Field(default="", description="public https URL Telegram posts updates to; empty: polling")
    webhook_secret: SecretStr | None = Field(default=None, description="X-Telegram-Bot-Api-Secret-Token value")
    webhook_listen: str = Field(default="0.0.0.0:8080", description="host:port the webhook server listens on")
    webhook_path: str = Field(default="/telegram", description="the path of the webhook on that server")

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        parsed = urlsplit(value.strip())
        if parsed.scheme not in ("http", "https") or not parsed.hostname or any(c.isspace() for c in value.strip()):
            raise ValueError("must be an http(s) URL such as https://api.telegram.org")
        _ = parsed.port  # ValueError for a port outside 0-65535 or not a number
        return value.strip().rstrip("/")

    @field_validator("webhook_listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        host, sep, port = value.strip().rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("must be host:port, such as 0.0.0.0:8080")
        return value.strip()

    @field_validator("webhook_path")
    @classmethod
    def _path(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith("/") or " " in value:
            raise ValueError("must be a path starting with /, such as /telegram")
        return value

    @model_validator(mode="after")
    def _webhook(self) -> Settings:
        url = self.webhook_url.strip()
        self.webhook_url = url
        if not url:
            return self
        parsed = urlsplit(url)
        loopback = parsed.hostname in ("127.0.0.1", "localhost", "::1")  # http only there: tests, a local proxy
        if not parsed.hostname or not (parsed.scheme == "https" or (parsed.scheme == "http" and loopback)):
            raise ValueError("WEBHOOK_URL must be a public https URL such as https://bot.example.com/telegram")
        secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
        if not SECRET_RE.match(secret):
            raise ValueError("WEBHOOK_SECRET must be set with WEBHOOK_URL: 1-256 characters of A-Z a-z 0-9 _ -")
        return self

    @property
    def webhook_address(self) -> tuple[str, int]:
        host, _, port = self.webhook_listen.rpartition(":")
        return host.strip("[]"), int(port)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(";", ",").split(",") if part.strip())
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("llm_base_url", "llm_api_key", "lexicon_dir", "bot_token", "webhook_secret", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    def token_problem(self) -> str | None:
        """Why the bot token cannot be used, in one line; None when it looks right."""
        if self.bot_token is None or not self.bot_token.get_secret_value().strip():
            return "BOT_TOKEN is not set: put the token from @BotFather into .env (BOT_TOKEN=...; see .env.example)."
        if not TOKEN_RE.match(self.bot_token.get_secret_value().strip()):
            return "BOT_TOKEN is malformed: it looks like 123456789:AA... (digits, a colon, 35 characters)."
        return None
