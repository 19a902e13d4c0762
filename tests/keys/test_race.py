"""Two processes on one database: two /borrow of one key at once, exactly one wins; two witnesses
tapping at once both count."""

from __future__ import annotations

import asyncio
import itertools

from sqlmodel import select

from storage.db import Database
from storage.models import KeyLoan, KeyWitness
from tests.support import MANAGER, STAFF, SUPERVISOR, DeskHarness, button_data, text_of
from tests.support.desks import second_process
from tests.support.keys import GUARD, STAFF2, key_site


async def test_two_borrows_of_one_key_at_once_exactly_one_wins(any_harness: DeskHarness, any_db: Database) -> None:
    h = any_harness
    await key_site(h)
    other = DeskHarness(await second_process(any_db, h.desk, h.clock), h.clock, itertools.count(100_000))
    for round_ in range(5):
        a, b = await asyncio.gather(h.send("/borrow 3-JF 修空调", STAFF), other.send("/borrow 3-JF 换灯", STAFF2))
        answers = sorted([text_of(a), text_of(b)])
        assert sum("已借出 3-JF 3栋机房" in x for x in answers) == 1, answers
        assert sum("未归还前不能再借" in x for x in answers) == 1, answers
        assert "已归还" in text_of(await h.send("/return 3-JF"))
        async with any_db.session() as session:
            loans = (await session.exec(select(KeyLoan))).all()
        assert len(loans) == round_ + 1 and all(loan.status == "returned" for loan in loans)
    await other.desk.db.dispose()


async def test_two_witnesses_at_once_both_count(any_harness: DeskHarness, any_db: Database) -> None:
    h = any_harness
    await key_site(h)
    other = DeskHarness(await second_process(any_db, h.desk, h.clock), h.clock, itertools.count(100_000))
    out = await h.send("/borrow S-0802 业户急需开门")
    [ping] = [row for row in await h.outbox() if row.chat_id == MANAGER.id]
    await h.press(ping.buttons[0][0]["data"], MANAGER)
    await h.press(button_data(out, "客服见证"), SUPERVISOR)
    staff, guard = button_data(out, "客服见证"), button_data(out, "保安见证")
    await asyncio.gather(h.press(staff, STAFF2), other.press(guard, GUARD))
    async with any_db.session() as session:
        loan = (await session.exec(select(KeyLoan))).one()
        witnesses = (await session.exec(select(KeyWitness))).all()
    assert len(witnesses) == 3 and loan.status == "out" and loan.due_at is not None
    await other.desk.db.dispose()
