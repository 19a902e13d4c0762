"""A poison update: one that kills the bot's process every time it is handled, as a
spreadsheet that runs it out of memory would. The real `dutydesk run` is restarted after each
death, as a supervisor (systemd, Docker) would: after three deaths the update is set aside (kept),
its sender is told once, and every other chat's /log is stored and answered."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from bot.classifier.rules import RuleClassifier
from storage.db import Database
from storage.models import Inbox
from tests.fakes.bot_api import FakeBotAPI
from tests.faults.harness import BotProcess, prepare_site, push_burst, tally, wait_for_replies
from tests.support import SUPERVISOR

N = 20
KILLED = 137
MARK = "DUTYDESK-POISON"
SET_ASIDE = "多次处理失败"  # handlers/core/locales/inbox.zh-Hans.toml


async def test_an_update_that_kills_the_process_is_set_aside_after_three_deaths(
    any_db: Database, rules: RuleClassifier, tmp_path: Path
) -> None:
    await prepare_site(any_db, rules)
    async with FakeBotAPI(can_read_all_group_messages=True) as fake:
        pushed = push_burst(fake, N // 2)
        poison = fake.push_update(
            fake.user_message(SUPERVISOR.id, SUPERVISOR.id, f"/roster {MARK}", first_name="王主管")
        )
        pushed += push_burst(fake, N // 2, start=N // 2)
        bot = BotProcess(fake, any_db.url, tmp_path)
        exits = []
        for _ in range(3):  # each start takes the poison update up again, and dies of it
            await bot.start(f"poison:{MARK}")
            exits.append(await bot.wait(60))
        await bot.start(f"poison:{MARK}")  # the fourth start sets it aside
        await wait_for_replies(fake, N, timeout=60)
        told = await fake.wait_for(
            "sendMessage",
            lambda c: c.params.get("chat_id") == SUPERVISOR.id and SET_ASIDE in c.params.get("text", ""),
            timeout=30,
        )
        exits.append(await bot.terminate())
        result = await tally(fake, any_db, pushed, exits)
        async with any_db.session() as session:
            row = (await session.exec(select(Inbox).where(Inbox.update_id == poison))).one()
        told_again = [
            c
            for c in fake.calls_of("sendMessage")
            if c.params.get("chat_id") == SUPERVISOR.id and SET_ASIDE in c.params.get("text", "")
        ]
    print(result.row("poison update"), bot.stderr.decode(errors="replace")[-1500:])
    assert exits == [KILLED, KILLED, KILLED, 0]
    assert row.dead_at is not None and row.attempts == 3  # kept, set aside, never deleted
    assert len(told) == 1 and len(told_again) == 1  # told once
    assert result.stored == N and result.lost == 0 and result.duplicated_records == 0, result
    assert result.replied == N and result.stored_without_reply == 0, result
    assert result.inbox_left == 1  # the poison update alone, set aside
