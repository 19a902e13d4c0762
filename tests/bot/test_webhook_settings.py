"""Webhook settings are checked at start, each problem in one line (SPEC §6)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from bot.cli import main
from bot.config import Settings


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)


def test_polling_by_default_and_webhook_with_its_secret() -> None:
    plain = settings()
    assert plain.webhook_url == "" and plain.webhook_address == ("0.0.0.0", 8080) and plain.webhook_path == "/telegram"
    hooked = settings(
        webhook_url="https://bot.example.com/telegram", webhook_secret="a-Z_09", webhook_listen="[::]:9000"
    )
    assert hooked.webhook_address == ("::", 9000)
    assert settings(webhook_url="http://127.0.0.1:8080/telegram", webhook_secret="x").webhook_url  # loopback only


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"webhook_url": "https://bot.example.com/telegram"}, "WEBHOOK_SECRET must be set"),
        ({"webhook_url": "https://bot.example.com/t", "webhook_secret": "has space"}, "WEBHOOK_SECRET"),
        ({"webhook_url": "https://bot.example.com/t", "webhook_secret": "x" * 257}, "WEBHOOK_SECRET"),
        ({"webhook_url": "http://bot.example.com/t", "webhook_secret": "x"}, "public https URL"),
        ({"webhook_url": "bot.example.com", "webhook_secret": "x"}, "public https URL"),
        ({"webhook_listen": "8080"}, "host:port"),
        ({"webhook_listen": "0.0.0.0:99999"}, "host:port"),
        ({"webhook_path": "telegram"}, "starting with /"),
    ],
)
def test_bad_webhook_settings_are_refused(values: dict[str, object], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        settings(**values)


def test_cli_says_which_webhook_setting_is_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.com/telegram")
    monkeypatch.delenv("WEBHOOK_SECRET", raising=False)
    monkeypatch.setenv("DUTYDESK_LANGUAGE", "en")  # the messages below are the English ones
    assert main(["run"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("dutydesk: bad settings: WEBHOOK_SECRET must be set with WEBHOOK_URL") and "\n" not in err
