"""Tickets are T1, T2… on their own (issue 19 point 3): every way of typing a ticket's number shows
it, another register's number gets a reply naming that record, and residents see T1 too."""

from __future__ import annotations

import pytest

from tests.support import RESIDENT, SUPERVISOR, DeskHarness, text_of


@pytest.mark.parametrize("typed", ["T1", "t1", "Ｔ１", "#1", "＃1", "1", "１"])
async def test_every_form_of_a_ticket_number_shows_the_ticket(harness: DeskHarness, typed: str) -> None:
    h = harness
    await h.setup_site()
    await h.send("/log 3栋大堂漏水")  # incident #1: not what /ticket 1 means
    await h.send("/ticket 电话 5栋1202业户来电：厨房水管漏水")
    shown = text_of(await h.send(f"/ticket {typed}"))
    assert shown.startswith("📨 报修 T1") and "厨房水管漏水" in shown


async def test_other_kinds_are_named_and_residents_see_their_ticket_as_t1(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    await h.send("/log 3栋大堂漏水")
    await h.send("/log 2栋电梯门关不上")
    await h.send("/order 今晚停水，统一解释", SUPERVISOR)
    assert text_of(await h.send("/ticket O1")) == (
        "O1 是上级指令，不是业户事务；用 /orders 查看，清除用 /order_done O1。"
    )
    assert text_of(await h.send("/vip O1")).startswith("O1 是上级指令，不是业户事务")
    assert text_of(await h.send("/callback R1 满意")).startswith("R1 是请假/调班申请，不是业户事务")
    assert text_of(await h.send("/ticket 2")) == (
        "找不到业户事务 T2。发送 /tickets 查看未完成的事务。\n"
        "另有事件 #2：补充用 /note #2 内容，查看未结事件用 /incidents。"
    )

    acknowledged = text_of(await h.dm("卫生间的灯坏了，麻烦安排人修一下", RESIDENT))
    assert "报修（设备故障）T1" in acknowledged  # the tickets count on their own: T1 after incidents #1, #2
    assert "T1 报修" in text_of(await h.dm("/my", RESIDENT))
    assert "已是特急" not in text_of(await h.send("/vip T1"))
    assert "已是特急" in text_of(await h.send("/vip t1"))
