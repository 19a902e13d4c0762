"""Standing orders carried in every handover until cleared; the daily duty log sent at the end of
the duty day, signed by a manager, reminded daily until signed; the export kinds."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from handlers.core.messages import Chat
from storage.models import DutyDay
from tests.support import ADMIN, MANAGER, RESIDENT, STAFF, SUPERVISOR, DeskHarness, User, button_data, rows_for, text_of
from tests.support.shifts import NIGHT, site_with_roster

NEXT_MORNING = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai: the duty day of the 23rd ends


async def test_standing_order_in_every_handover_until_cleared(harness: DeskHarness) -> None:
    h = harness
    await site_with_roster(h)
    assert "需要：主管" in text_of(await h.send("/order 小李自己下的指令"))
    given = text_of(await h.send("/order 今晚3栋停水，接到投诉统一解释", SUPERVISOR))
    assert "上级指令 O1 已下达" in given and "000 L123" in given
    assert "O1 今晚3栋停水" in text_of(await h.send("/orders"))
    first = await h.send("/handover")
    assert "O1 今晚3栋停水" in text_of(first)
    await h.press(button_data(first, "接班"), NIGHT)
    second = await h.send("/handover", NIGHT)
    assert "O1 今晚3栋停水" in text_of(second)
    await h.press(button_data(second, "接班"), STAFF)

    assert "用法" in text_of(await h.send("/order_done", SUPERVISOR))
    assert "找不到生效中的上级指令 O7" in text_of(await h.send("/order_done 7", SUPERVISOR))
    assert "已撤销" in text_of(await h.send("/order_done ＃1", SUPERVISOR))
    assert "已由 主管陈姐 撤销" in text_of(await h.send("/order_done 1", SUPERVISOR))
    assert "没有生效中的上级指令" in text_of(await h.send("/orders"))
    third = text_of(await h.send("/handover"))
    assert "今晚3栋停水" not in third and "无未结事项" in third
    rows = await _rows(h, "orders")
    assert (
        rows[0]["number"] == "O1"
        and rows[0]["done_by"] == SUPERVISOR.id
        and str(rows[0]["issued_at"]).startswith("2026-11-23")
    )


async def _rows(h: DeskHarness, kind: str) -> list[dict[str, object]]:
    async with h.desk.db.session() as session:
        return await rows_for(session, kind)


async def test_daily_log_sent_signed_and_shown_as_signed(any_harness: DeskHarness) -> None:
    h = any_harness
    await site_with_roster(h)
    await h.desk.sweep()  # plans the duty day of the 23rd
    await h.send("/log 3栋大堂有醉酒人士滋扰")
    await h.send("/note 1 保安已劝离")
    await h.send("/close 1 人已离开，无损失")
    await h.send("/order 加强夜间巡逻", SUPERVISOR)
    h.clock.now = datetime(2026, 11, 23, 11, 55, tzinfo=UTC)
    out = await h.send("/handover")
    await h.press(button_data(out, "接班"), NIGHT)

    shown = text_of(await h.send("/daylog", SUPERVISOR))
    assert "尚未结束" in shown and "#1" in shown
    assert "需要：主管" in text_of(await h.send("/daylog"))

    h.clock.now = NEXT_MORNING
    await h.desk.sweep()
    rows = await h.outbox()
    to_manager = [r for r in rows if r.chat_id == MANAGER.id and "值班日志 · 华庭花园 · 2026-11-23" in r.text]
    to_supervisor = [r for r in rows if r.chat_id == SUPERVISOR.id and "值班日志 · 华庭花园 · 2026-11-23" in r.text]
    assert len(to_manager) == 1 and len(to_supervisor) == 1
    log = to_manager[0].text
    assert "#1" in log and "保安已劝离" in log and "人已离开" in log and "值班员小李 → 夜班小王" in log
    assert "加强夜间巡逻" in log and "000 L116" in log
    assert to_manager[0].buttons and not to_supervisor[0].buttons

    # Not signed: reminded the next morning, managers only.
    await h.desk.sweep(h.clock.advance(days=1))
    reminders = [r for r in await h.outbox() if "2026-11-23 的值班日志尚未签阅" in r.text]
    assert [r.chat_id for r in reminders] == [MANAGER.id]

    sign = to_manager[0].buttons[0][0]["data"]
    denied = await h.press(sign, SUPERVISOR, chat=Chat(id=SUPERVISOR.id, private=True))
    assert denied.alert
    signed = await h.press(sign, MANAGER, chat=Chat(id=MANAGER.id, private=True))
    assert "已签阅" in (signed.toast or "") and signed.replies[0].edit and "经理张生 已于" in signed.replies[0].text
    again = text_of(await h.dm("/daylog 2026-11-23", MANAGER))
    assert "经理张生 已于" in again
    assert "已签阅「华庭花园」2026-11-24" in text_of(await h.dm("/sign", MANAGER))  # the next day, sent meanwhile
    assert "没有待签阅" in text_of(await h.dm("/sign", MANAGER))
    seen = len(await h.outbox())
    await h.desk.sweep(h.clock.advance(days=1))
    assert not [r for r in (await h.outbox())[seen:] if "2026-11-23 的值班日志尚未签阅" in r.text]
    exported = [r for r in await _rows(h, "duty_days") if r["date"] == "2026-11-23"]
    assert exported[0]["signed_by"] == MANAGER.id
    assert json.loads(str(exported[0]["counts"])) == {
        "handovers": 1,
        "incidents": 1,
        "major": 0,
        "open": 0,
        "orders": 1,
    }


async def test_sign_command_signs_the_last_unsigned_day(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    assert "需要：经理" in text_of(await h.dm("/sign", SUPERVISOR))
    assert "尚未登记" in text_of(await h.dm("/daylog", RESIDENT))
    assert "/daylog" not in text_of(await h.dm("/help", RESIDENT))
    assert "/daylog" in text_of(await h.dm("/help", SUPERVISOR)) and "/sign" not in text_of(
        await h.dm("/help", SUPERVISOR)
    )
    await h.desk.sweep()
    h.clock.now = NEXT_MORNING
    await h.desk.sweep()
    assert "已签阅「华庭花园」2026-11-23" in text_of(await h.dm("/sign", MANAGER))
    async with h.desk.db.session() as session:
        day = (await session.exec(select(DutyDay))).one()
    assert day.signed_by == MANAGER.id
    too_early = await h.press(f"1|day.sign|1|{20261124}", MANAGER, chat=Chat(id=MANAGER.id, private=True))
    assert "尚未结束" in (too_early.toast or "")


async def test_exports_of_handovers_and_roster(harness: DeskHarness) -> None:
    h = harness
    await site_with_roster(h)
    out = await h.send("/handover 对讲机2台")
    await h.press(button_data(out, "接班"), NIGHT)
    handover = (await _rows(h, "handovers"))[0]
    assert handover["status"] == "taken_over" and handover["outgoing_id"] == STAFF.id
    assert handover["incoming"] == "夜班小王" and handover["shift"] == "D" and handover["notes"] == "对讲机2台"
    assert str(handover["taken_at"]).startswith("2026-11-23T10:00")  # site time (Asia/Shanghai)
    roster = await _rows(h, "roster")
    assert {(r["date"], r["shift"], r["staff_id"]) for r in roster} == {
        ("2026-11-23", "D", 101),
        ("2026-11-23", "N", 102),
    }


@pytest.mark.parametrize("forged", ["00010101", "99991231", "19000101"])
async def test_a_forged_sign_date_outside_the_sites_log_is_a_stale_button(harness: DeskHarness, forged: str) -> None:
    """签阅 carries its date in the button; a forged one far outside the site's log is refused, not
    signed (1900) and never a traceback (year 1 and 9999 overflow the duty day's window)."""
    h = harness
    await h.setup_site()
    pressed = await h.press(f"1|day.sign|1|{forged}", MANAGER, chat=Chat(id=MANAGER.id, private=True))
    assert "过期" in (pressed.toast or "") or "失效" in (pressed.toast or "")
    async with h.desk.db.session() as session:
        assert (await session.exec(select(DutyDay))).all() == []
    assert "没有" in text_of(await h.dm(f"/daylog {forged}", MANAGER))


async def test_signing_one_sites_day_leaves_other_sites_reminders(harness: DeskHarness) -> None:
    """A daily-log timer is one row per site and day: a manager signing their site's day must not
    stop another site's reminders for the same date (000 L116: each site's log is signed)."""
    h = harness
    await site_with_roster(h)
    other_group = Chat(id=-100600, private=False, title="碧云花园值班群")
    other_manager = User(id=302, name="经理李生", language="zh-hans")
    await h.send("/setup BY 碧云花园", ADMIN, other_group)
    code = text_of(await h.send("/invite manager", ADMIN, other_group)).rsplit("start=", 1)[1].strip()
    await h.dm(f"/start {code}", other_manager)
    await h.desk.sweep()  # plans both sites' duty day of the 23rd
    h.clock.now = NEXT_MORNING
    await h.desk.sweep()  # both logs sent, 签阅 pending at both sites
    assert "已签阅" in text_of(await h.dm("/sign", MANAGER))

    seen = len(await h.outbox())
    await h.desk.sweep(h.clock.advance(days=1))
    reminders = [r for r in (await h.outbox())[seen:] if "2026-11-23 的值班日志尚未签阅" in r.text]
    assert [r.chat_id for r in reminders] == [other_manager.id]
