"""Time-driven key rules with an injected clock: overdue pings, the daily key report, the handover
section, and a lost key."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from handlers.core.i18n import Translator
from handlers.keys.report import handover_section
from storage.models import Incident, Key, KeyLoan, Site
from tests.support import GROUP, MANAGER, STAFF, SUPERVISOR, DeskHarness, button_data, text_of
from tests.support.keys import STAFF2, key_site


async def texts_to(h: DeskHarness, chat_id: int, since: int = 0) -> list[str]:
    return [row.text for row in await h.outbox() if row.chat_id == chat_id and (row.id or 0) > since]


async def last_id(h: DeskHarness) -> int:
    rows = await h.outbox()
    return rows[-1].id or 0 if rows else 0


async def test_overdue_pings_borrower_and_group_in_the_evening_then_supervisors_daily(any_harness: DeskHarness) -> None:
    harness = any_harness
    await key_site(harness)
    await harness.send("/borrow 3-JF 修空调")
    assert await harness.desk.sweep(harness.clock.advance(hours=7, minutes=59)) == 0  # 17:59, not due yet
    mark = await last_id(harness)
    assert await harness.desk.sweep(harness.clock.advance(minutes=1)) == 1  # 18:00 site time
    [to_borrower] = await texts_to(harness, STAFF.id, mark)
    [to_group] = await texts_to(harness, GROUP.id, mark)
    assert "逾期未还：3-JF 3栋机房" in to_borrower and "当天借当天还" in to_group
    assert await texts_to(harness, SUPERVISOR.id, mark) == []
    mark = await last_id(harness)
    harness.clock.now = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # 09:00 next morning
    assert await harness.desk.sweep() >= 1
    assert any("逾期未还：3-JF" in text for text in await texts_to(harness, SUPERVISOR.id, mark))
    assert not any("逾期未还" in text for text in await texts_to(harness, GROUP.id, mark))  # evening only
    overdue = text_of(await harness.send("/keys"))
    assert "⏰ 3-JF" in overdue
    await harness.send("/return 3-JF")
    mark = await last_id(harness)
    harness.clock.now = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    await harness.desk.sweep()
    assert not any("逾期" in text for text in await texts_to(harness, SUPERVISOR.id, mark))


async def test_outside_loan_overdue_pings_the_staff_member_who_lent_it(harness: DeskHarness) -> None:
    await key_site(harness)
    await harness.send("/lend 5-JF 王师傅 修水管", STAFF2)
    [ping] = [row for row in await harness.outbox() if row.chat_id == SUPERVISOR.id]
    await harness.press(ping.buttons[0][0]["data"], SUPERVISOR)
    mark = await last_id(harness)
    await harness.desk.sweep(harness.clock.advance(hours=8))
    assert any("王师傅（外部）" in text for text in await texts_to(harness, STAFF2.id, mark))


async def test_late_loan_is_due_at_the_end_of_the_same_day(harness: DeskHarness) -> None:
    await key_site(harness)
    harness.clock.advance(hours=9)  # 19:00 site time
    assert "应还：11-23 23:59" in text_of(await harness.send("/borrow 3-JF"))


async def test_daily_key_report_at_21_lists_out_overdue_lent_and_returned(any_harness: DeskHarness) -> None:
    harness = any_harness
    await key_site(harness)
    await harness.send("/borrow 3-JF 修空调")
    await harness.send("/borrow V-1201 带看", STAFF2)
    harness.clock.advance(hours=1)
    await harness.send("/return V-1201 完好")
    await harness.desk.sweep(harness.clock.advance(hours=9, minutes=59))  # 20:59: only the overdue ping
    assert not any("钥匙日报" in text for text in await texts_to(harness, GROUP.id))
    await harness.desk.sweep(harness.clock.advance(minutes=1))  # 21:00
    [report] = [text for text in await texts_to(harness, GROUP.id) if "钥匙日报" in text]
    assert "在外 1 把，逾期 1 把；今日借出 2，归还 1" in report
    assert "⏰ 3-JF 3栋机房 — 值班员小李" in report and "V-1201 1201空置房 — 值班员小王" in report
    await harness.desk.sweep(harness.clock.advance(minutes=30))
    assert len([text for text in await texts_to(harness, GROUP.id) if "钥匙日报" in text]) == 1  # once a day


async def test_no_daily_report_for_a_site_without_keys(harness: DeskHarness) -> None:
    await harness.setup_site()
    await harness.desk.sweep(harness.clock.advance(hours=12))
    assert not any("钥匙日报" in text for text in await texts_to(harness, GROUP.id))


async def test_handover_section_lists_keys_out_and_is_empty_when_none(harness: DeskHarness) -> None:
    await key_site(harness)
    async with harness.desk.db.session() as session:
        site = (await session.exec(select(Site))).one()
        assert await handover_section(session, site, harness.clock(), Translator("zh-Hans")) == []
    await harness.send("/borrow 3-JF")
    await harness.send("/lend 5-JF 王师傅")
    async with harness.desk.db.session() as session:
        lines = await handover_section(session, site, harness.clock(), Translator("en"))
    assert lines[0] == "[Keys out or awaiting approval] 2"
    assert "3-JF 3栋机房 — 值班员小李" in lines[1] and "awaiting approval" in lines[2]


async def test_key_lost_opens_a_security_incident_and_pings_supervisors(harness: DeskHarness) -> None:
    await key_site(harness)
    out = await harness.send("/borrow 3-JF")
    assert "用法" in text_of(await harness.send("/key_lost 3-JF"))
    lost = text_of(await harness.send("/key_lost 3-JF 钥匙断在锁里"))
    assert "#1" in lost and "已标记为丢失" in lost
    async with harness.desk.db.session() as session:
        incident = (await session.exec(select(Incident))).one()
        loan = (await session.exec(select(KeyLoan))).one()
        key = (await session.exec(select(Key).where(Key.code == "3-JF"))).one()
    assert incident.category == "security" and "3-JF 3栋机房" in incident.situation
    assert loan.status == "lost" and key.status == "lost"
    [ping] = [row for row in await harness.outbox() if row.chat_id == SUPERVISOR.id]
    assert ping.priority == 0 and "钥匙断在锁里" in ping.text and "#1" in ping.text
    assert not [row for row in await harness.outbox() if row.chat_id == MANAGER.id and "丢失" in row.text]  # plant
    await harness.send("/key_lost S-0802 封条破损", STAFF2)
    assert [row for row in await harness.outbox() if row.chat_id == MANAGER.id and "封条破损" in row.text]
    assert "已报丢失" in text_of(await harness.send("/borrow 3-JF", STAFF2))
    assert "没有借出" in ((await harness.press(button_data(out, "归还"))).toast or "")
    await harness.desk.sweep(harness.clock.advance(hours=9))
    assert not any("逾期" in text for text in await texts_to(harness, STAFF.id))
    assert "已更新" in text_of(await harness.send("/key_add 3-JF 3栋机房 plant", SUPERVISOR))  # re-registered
    assert "已借出" in text_of(await harness.send("/borrow 3-JF", STAFF2))
