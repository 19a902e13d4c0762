"""An incident command given another register's number (issue 19 point 3): ``/note T1`` says T1 is a
resident ticket and how to act on it, ``/note 8`` where only standing order O8 exists (numbers given
before each register counted on its own) names O8, and the old forms still name incidents."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from storage.models import Incident, IncidentNote, Site, StandingOrder, require_id
from tests.support import SUPERVISOR, DeskHarness, text_of


async def _old_order(h: DeskHarness, number: int) -> None:
    """A standing order numbered under the old shared sequence (as migration 0017 leaves them)."""
    async with h.desk.db.session() as session:
        site = (await session.exec(select(Site))).one()
        session.add(
            StandingOrder(
                site_id=require_id(site),
                number=number,
                text="今晚3栋停水",
                issued_by=SUPERVISOR.id,
                issued_name=SUPERVISOR.name,
                issued_at=datetime(2026, 11, 20, 2, 0, tzinfo=UTC),
            )
        )
        await session.commit()


async def test_a_number_of_another_kind_is_named_with_the_command_to_use(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    await h.send("/log 3栋大堂漏水")  # #1
    await h.send("/ticket 电话 5栋1202业户来电：厨房水管漏水")  # T1
    await h.send("/order 今晚停水，统一解释", SUPERVISOR)  # O1

    answer = text_of(await h.send("/note T1 维修已到场"))
    assert answer == "T1 是业户事务，不是事件；查看或回复请用 /ticket T1。"
    assert text_of(await h.send("/close O1 已处理")) == (
        "O1 是上级指令，不是事件；用 /orders 查看，清除用 /order_done O1。"
    )
    assert "R1 是请假/调班申请" in text_of(await h.send("/major R1"))
    async with h.desk.db.session() as session:
        assert (await session.exec(select(IncidentNote))).all() == []  # nothing was added to #1
        assert (await session.exec(select(Incident))).one().closed_at is None

    assert "已补充 #1" in text_of(await h.send("/note #1 维修已到场"))  # the old forms still work
    assert "已补充 #1" in text_of(await h.send("/note １ 再次确认"))
    assert "#1 已结案" in text_of(await h.send("/close ＃1 已修复"))


async def test_an_unknown_incident_number_names_the_record_of_another_kind_that_has_it(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    await _old_order(h, 8)
    assert text_of(await h.send("/note 8 已处理")) == (
        "找不到事件 #8。发送 /incidents 查看未结事件。\n另有上级指令 O8：用 /orders 查看，清除用 /order_done O8。"
    )
    assert "\n另有上级指令 O8" in text_of(await h.send("/ack #8", SUPERVISOR))
    # a number nothing holds keeps the old reply
    assert text_of(await h.send("/note 9 已处理")) == "找不到事件 #9。发送 /incidents 查看未结事件。"
    assert "已撤销" in text_of(await h.send("/order_done 8", SUPERVISOR))  # the order's own command finds it
