"""A database outage writes nothing half and is logged once; secrets stay out of logs; an LLM
outage falls back to the rules."""

from __future__ import annotations

import logging

import pytest

from bot.delivery import Delivery, Limits
from handlers.core.desk import StorageUnavailable
from handlers.core.messages import Inbound
from storage.db import Database
from tests.support import GROUP, STAFF, FakeClock, RecordingTransport, text_of
from tests.support.desks import make_desk


async def test_database_down_writes_nothing_and_the_tick_logs_the_outage_once(
    rules, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """With the database away, the desk raises StorageUnavailable (the runner keeps the update in
    the inbox for later) and a run of failing ticks is one log line, not one per tick."""
    from bot.outage import OutageLog

    db = Database("postgresql://postgres@127.0.0.1:1/nowhere")  # nothing listens on port 1
    desk = make_desk(db, rules, clock)
    with pytest.raises(StorageUnavailable):
        await desk.handle(Inbound(chat=GROUP, user=STAFF, text="/log 3栋漏水", update_id=77, message_id=1))
    outage = OutageLog("the database", logging.getLogger("test.outage"), every=60.0, clock=lambda: clock().timestamp())
    delivery = Delivery(desk, RecordingTransport(delay=0.003), limits=Limits(0, 0, 0))
    with caplog.at_level(logging.INFO, logger="test.outage"):
        for _ in range(30):  # 30 ticks, 10 s apart: the start, one reminder after a minute
            try:
                await desk.sweep()
                await delivery.flush()
            except Exception as exc:
                outage.failed(exc, "tick")
            clock.advance(seconds=10)
        outage.ok()
    lines = [r.getMessage() for r in caplog.records if r.name == "test.outage"]
    assert len(lines) == 1 + 4 + 1, lines  # the start, one line a minute, the end
    assert "unreachable" in lines[0] and "back after 300s" in lines[-1]
    await db.dispose()


def test_secrets_never_reach_the_log(capsys: pytest.CaptureFixture[str]) -> None:
    """The bot's own logging set-up (bot.logs.configure) redacts the token and the LLM key from
    messages and tracebacks alike, in whichever logger they are written."""
    from pydantic import SecretStr

    from bot.config import Settings
    from bot.logs import configure

    token = "123456789:AAHsecretSecretSecretSecretSecret123"
    settings = Settings(_env_file=None, bot_token=SecretStr(token), llm_api_key=SecretStr("sk-verysecret"))  # type: ignore[call-arg]
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure(settings)
        logger = logging.getLogger("aiohttp.client")
        logger.warning("GET https://api.telegram.org/bot%s/getUpdates with key %s", token, "sk-verysecret")
        try:
            raise RuntimeError(f"connect failed for https://api.telegram.org/bot{token}/getMe")
        except RuntimeError:
            logger.exception("network")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    text = capsys.readouterr().err
    assert "getUpdates" in text and "connect failed" in text
    assert token not in text and "sk-verysecret" not in text and text.count("***") >= 3
    assert token not in repr(settings)


async def test_llm_outage_falls_back_to_rules_and_loses_nothing(sqlite_db: Database, clock: FakeClock) -> None:
    from pydantic import SecretStr
    from sqlmodel import select

    from bot.classifier.factory import build_classifier
    from bot.config import Settings
    from storage.models import Incident, Ticket
    from tests.support import RESIDENT, DeskHarness

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        llm_base_url="http://127.0.0.1:1/v1",
        llm_api_key=SecretStr("k"),
        llm_timeout=0.5,
        llm_threshold=1.01,  # ask the LLM about every message
    )
    classifier, close = build_classifier(settings)
    from bot.classifier.cascade import CascadeClassifier
    from bot.classifier.llm import LLMClassifier

    assert isinstance(classifier, CascadeClassifier) and isinstance(classifier.llm, LLMClassifier)
    backoffs: list[float] = []

    async def backoff(seconds: float) -> None:  # the retries' waits, counted rather than waited out
        backoffs.append(seconds)

    classifier.llm._sleep = backoff
    try:
        desk = make_desk(sqlite_db, classifier, clock)  # type: ignore[arg-type]
        h = DeskHarness(desk, clock)
        await h.setup_site()
        for i in range(4):  # enough failures to open the circuit breaker
            assert f"#{i + 1}" in text_of(await h.send(f"/log 3栋大堂漏水 {i}"))
        answer = text_of(await h.dm("我家厨房水管漏水，麻烦派人来修", RESIDENT))
        assert answer.startswith("您好") and "报修" in answer
        async with sqlite_db.session() as session:
            assert len((await session.exec(select(Incident))).all()) == 4
            [ticket] = (await session.exec(select(Ticket))).all()
        assert ticket.classified_by == "rules"
        assert backoffs  # each failed call was retried after a backoff
    finally:
        await close()
