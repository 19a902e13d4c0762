"""For the people in the chat (issue 19 points 4 and 5): the 派工 picker has 取消 and shows a
colleague added from the command line as "ID 5（未开启机器人）", never a bare number; an escalation
names the roles it reached; a resident of the only site is asked for their unit once."""

from __future__ import annotations

from handlers.setup.operator import add_staff
from storage.models import Resident
from tests.support import GROUP, MANAGER, RESIDENT, SUPERVISOR, DeskHarness, button_data, text_of
from tests.support.tickets import REPAIR, Wire, data, rows, ticket, to

CLI_STAFF = 5


async def test_dispatch_picker_cancels_and_names_a_colleague_not_yet_known(harness: DeskHarness) -> None:
    h, wire = harness, Wire(harness)
    await h.setup_site()
    await add_staff(h.desk.db, telegram_id=CLI_STAFF, role="staff", site_code="HG")
    await h.dm(REPAIR, RESIDENT)
    [card] = to(await wire.take(), GROUP.id)
    picker = await h.press(data(card, "派工"))
    names = [b.label for row in picker.replies[0].buttons or [] for b in row]
    assert "ID 5（未开启机器人）" in names and "5" not in names and SUPERVISOR.name in names
    back = await h.press(button_data(picker, "取消"))
    assert (
        back.toast == "已取消"
        and back.replies[0].edit
        and "派工" in {b.label for row in back.replies[0].buttons or [] for b in row}
    )
    assert (await ticket(h)).dispatched_to is None  # nothing changed
    picker = await h.press(data(card, "派工"))
    dispatched = await h.press(button_data(picker, "ID 5"))
    assert "ID 5（未开启机器人）" in text_of(dispatched)
    assert (await ticket(h)).dispatched_to_id == CLI_STAFF


async def test_escalation_names_the_roles_it_reached(harness: DeskHarness) -> None:
    h, wire = harness, Wire(harness)
    await h.setup_site()
    await h.dm(REPAIR, RESIDENT)
    await wire.take()
    told = text_of(await h.send("/vip 1"))  # the reply says whom it reached, in one message
    assert "已通知主管 1 位、经理 1 位" in told, told
    assert {r.chat_id for r in await h.outbox() if r.purpose == "escalation"} >= {SUPERVISOR.id, MANAGER.id}


async def test_the_only_sites_resident_is_asked_for_the_unit_once(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    first = text_of(await h.dm(REPAIR, RESIDENT))
    assert "T1" in first and "房号" in first and "哪个小区" not in first
    assert "记下您的房号：12栋1201" in text_of(await h.dm("12栋1201", RESIDENT))
    assert (await ticket(h)).unit == "12栋1201"
    later = text_of(await h.dm("还有，门口灯也坏了", RESIDENT))
    assert "房号" not in later
    [resident] = await rows(h, Resident)
    assert resident.unit == "12栋1201" and resident.site_id == 1


async def test_a_resident_who_does_not_answer_is_not_asked_again(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    assert "房号" in text_of(await h.dm(REPAIR, RESIDENT))
    said = text_of(await h.dm("补充说明第2条：3楼也漏了", RESIDENT))  # about the matter, though it has digits
    assert "房号" not in said and "已记下" not in said
    assert "房号" not in text_of(await h.dm("另外门口的灯也坏了", RESIDENT))
    [resident] = await rows(h, Resident)
    assert resident.unit is None and (await ticket(h)).unit is None
