"""The ``running`` fixture: a bot on a fresh site's database against the fake Bot API, once per engine
(with DUTYDESK_E2E_MODE=webhook in webhook mode, the fake pushing every update)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.bot_api import FakeBotAPI
from tests.support.e2e import RunningBot
from tests.support.webhook import WEBHOOK_SUITE, webhook_settings


@pytest.fixture(params=["aiogram", "ptb"])
async def running(tmp_path: Path, migrated_sqlite: Path, request: pytest.FixtureRequest) -> AsyncIterator[RunningBot]:
    hook = webhook_settings() if WEBHOOK_SUITE else {}
    async with (
        FakeBotAPI(can_read_all_group_messages=True, allow_http_webhook=True) as fake,
        RunningBot(fake, tmp_path / "e2e.db", engine=request.param, template=migrated_sqlite, **hook) as bot,
    ):
        yield bot
