"""Standing orders are O1, O2… and leave/swap requests R1, R2… on their own (issue 19 point 3): the
old bare and ``#N`` forms still name them in their own commands, another register's number gets a
reply naming that record and the command to use."""

from __future__ import annotations

from tests.support import SUPERVISOR, DeskHarness, text_of
from tests.support.shifts import TWO_SHIFTS, set_shifts, upload


async def test_orders_are_cleared_by_every_form_of_their_number(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    for text in ("今晚3栋停水", "明早检查消防栓", "周五消防演习"):
        await h.send(f"/order {text}", SUPERVISOR)
    await h.send("/log 3栋大堂漏水")  # incident #1
    assert "O1 今晚3栋停水" in text_of(await h.send("/orders"))
    assert "上级指令 O1 已撤销" in text_of(await h.send("/order_done O1", SUPERVISOR))
    assert "上级指令 O2 已撤销" in text_of(await h.send("/order_done #2", SUPERVISOR))  # '#' is the old form
    assert "上级指令 O3 已撤销" in text_of(await h.send("/order_done ｏ３", SUPERVISOR))
    assert text_of(await h.send("/order_done T1", SUPERVISOR)) == (
        "T1 是业户事务，不是上级指令；查看或回复请用 /ticket T1。"
    )
    assert text_of(await h.send("/order_done 4", SUPERVISOR)) == "找不到生效中的上级指令 O4。发送 /orders 查看。"


async def test_requests_are_decided_by_their_number_and_other_kinds_are_named(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    await set_shifts(h, *TWO_SHIFTS)
    assert "✅" in await upload(h, "date,shift,staff\n2026-11-25,D,101\n2026-11-26,D,101\n")
    await h.send("/log 3栋大堂漏水")
    await h.send("/log 2栋电梯门关不上")
    assert "请假申请 R1" in text_of(await h.send("/leave 11-25 白班 家里有事"))
    assert "请假申请 R2" in text_of(await h.send("/leave 11-26 白班 家里有事"))
    assert "已拒绝申请 R1" in text_of(await h.send("/leave_no R1 人手不足", SUPERVISOR))
    assert "已拒绝申请 R2" in text_of(await h.send("/leave_no #2 人手不足", SUPERVISOR))
    assert text_of(await h.send("/leave_ok O1", SUPERVISOR)).startswith("O1 是上级指令，不是请假/调班申请；")
    assert text_of(await h.send("/leave_ok 1", SUPERVISOR)).startswith("申请 R1 已")  # R1 itself, decided
    assert text_of(await h.send("/leave_no 4", SUPERVISOR)) == "找不到申请 R4。"
    await h.send("/log 5栋门禁故障")  # incident #3
    assert text_of(await h.send("/leave_no 3", SUPERVISOR)) == (
        "找不到申请 R3。\n另有事件 #3：补充用 /note #3 内容，查看未结事件用 /incidents。"
    )
