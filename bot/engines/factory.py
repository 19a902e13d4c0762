"""The one place that picks an engine by name (`dutydesk run --engine`, DUTYDESK_ENGINE)."""

from __future__ import annotations

from bot.config import Settings
from bot.engines.base import Engine

ENGINES = ("aiogram", "ptb")


def make_engine(settings: Settings) -> Engine:
    assert settings.bot_token is not None
    token = settings.bot_token.get_secret_value().strip()
    if settings.dutydesk_engine == "ptb":
        from bot.engines.ptb_engine import PtbEngine  # type: ignore[import-not-found,unused-ignore]

        return PtbEngine(token, settings.telegram_api_url)  # type: ignore[no-any-return,unused-ignore]
    from bot.engines.aiogram_engine import AiogramEngine

    return AiogramEngine(token, settings.telegram_api_url)
