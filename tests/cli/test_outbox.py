"""`dutydesk outbox`: what could not be sent is visible with the reason, and can be retried."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import main
from bot.delivery import Delivery, Limits
from storage.db import Database
from storage.repos import outbox
from tests.support import FakeClock, Refusing
from tests.support.desks import make_desk


def test_outbox_shows_what_failed_and_why_and_retries_it(
    tmp_path: Path,
    rules: object,
    clock: FakeClock,
    capsys: pytest.CaptureFixture[str],
    migrated_file: Callable[[Path], str],
) -> None:
    url = migrated_file(tmp_path / "d.db")

    async def fail_one() -> None:
        db = Database(url)
        async with db.session() as session:
            await outbox.enqueue(session, chat_id=777, text="给主管的重大事件上报", purpose="escalation")
            await outbox.enqueue(session, chat_id=778, text="送达的消息")
        await Delivery(make_desk(db, rules, clock), Refusing([], {777}), limits=Limits(0, 0, 0)).flush()  # type: ignore[arg-type]
        await db.dispose()

    asyncio.run(fail_one())
    assert main(["outbox", "--database", url]) == 0
    shown = capsys.readouterr().out.strip().splitlines()
    assert len(shown) == 1 and "failed" in shown[0] and "escalation" in shown[0]
    assert "blocked by the user" in shown[0] and "给主管的重大事件上报" in shown[0]
    row_id = shown[0].split("\t")[0]
    assert main(["outbox", "--retry", row_id, "--database", url]) == 0
    assert "1 条消息将重新发送" in capsys.readouterr().out  # DUTYDESK_LANGUAGE: zh-Hans by default
    assert main(["outbox", "--all", "--database", url]) == 0
    assert "pending" in capsys.readouterr().out
    assert main(["outbox", "--retry", "nonsense", "--database", url]) == 2
    assert "--retry 需要列表中的 ID 或 'failed'，而不是 nonsense" in capsys.readouterr().err
