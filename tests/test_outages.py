"""A database outage: the sender is told to retry, the log says which update, nothing crashes."""

from __future__ import annotations

import logging

import pytest

from bot.delivery import Delivery
from handlers.messages import Inbound
from storage.db import Database
from tests.conftest import make_desk
from tests.support import GROUP, STAFF, FakeClock, text_of
from tests.test_sweep_race import Recorder


async def test_database_down_is_a_polite_reply_and_a_log_line(
    rules, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    db = Database("postgresql://postgres@127.0.0.1:1/nowhere")  # nothing listens on port 1
    desk = make_desk(db, rules, clock)
    with caplog.at_level(logging.ERROR):
        out = await desk.handle(Inbound(chat=GROUP, user=STAFF, text="/log 3栋漏水", update_id=77, message_id=1))
    assert "稍后再试" in text_of(out) and "未保存" in text_of(out)
    assert any("update 77" in r.getMessage() and str(GROUP.id) in r.getMessage() for r in caplog.records)
    press = await desk.handle(Inbound(chat=GROUP, user=STAFF, update_id=78, callback_id="c", callback_data="1|x"))
    assert press.alert and "稍后再试" in (press.toast or "")
    # The scheduler tick survives it too and says so in the log.
    with caplog.at_level(logging.ERROR):
        await Delivery(desk, Recorder([]), per_second=0).tick()
    assert any("tick failed" in r.getMessage() for r in caplog.records)
    await db.dispose()


async def test_secrets_never_reach_the_log(caplog: pytest.LogCaptureFixture) -> None:
    from pydantic import SecretStr

    from bot.config import Settings
    from bot.logs import RedactSecrets

    token = "123456789:AAHsecretSecretSecretSecretSecret123"
    settings = Settings(_env_file=None, bot_token=SecretStr(token), llm_api_key=SecretStr("sk-verysecret"))  # type: ignore[call-arg]
    redact = RedactSecrets([s.get_secret_value() for s in (settings.bot_token, settings.llm_api_key) if s])
    logger = logging.getLogger("dutydesk.test.secrets")
    logger.addFilter(redact)
    with caplog.at_level(logging.INFO, logger="dutydesk.test.secrets"):
        logger.info("GET https://api.telegram.org/bot%s/getUpdates with key %s", token, "sk-verysecret")
        try:
            raise RuntimeError(f"connect failed for https://api.telegram.org/bot{token}/getMe")
        except RuntimeError:
            logger.exception("network")
    text = caplog.text
    assert token not in text and "sk-verysecret" not in text and "***" in text
    assert repr(settings).count(token) == 0
