"""Residents' tickets over time: deadlines (SLA), complaint follow-ups, callbacks and phone tasks,
held-back bursts relayed in a batch, escalation of major complaints, the handover sections."""

from __future__ import annotations

from handlers.core.classification import Classification
from handlers.core.messages import Chat, Outcome
from storage.codes import Severity
from storage.models import Callback, Ticket, TicketMessage
from tests.support import GROUP, MANAGER, RESIDENT, STAFF, SUPERVISOR, DeskHarness, button_data, text_of
from tests.support.tickets import COMPLAINT, NEIGHBOUR, REPAIR, URGENT_REPAIR, Wire, data, rows, ticket, to


async def test_urgent_repair_on_site_deadline_pings_supervisor(any_harness: DeskHarness) -> None:
    h, wire = any_harness, Wire(any_harness)
    await h.setup_site()
    await wire.take()
    await h.dm(URGENT_REPAIR, RESIDENT)
    [card] = to(await wire.take(), GROUP.id)
    assert "紧急" in card.text
    h.clock.advance(minutes=14)
    await h.desk.sweep()
    assert await wire.take() == []
    h.clock.advance(minutes=2)
    await h.desk.sweep()
    sent = await wire.take()
    [ping] = to(sent, SUPERVISOR.id)
    assert "15分钟内仍无人到场" in ping.text and ping.priority == 0
    assert to(sent, GROUP.id)  # the group hears who was pinged


async def test_on_site_in_time_means_no_ping(harness: DeskHarness) -> None:
    h, wire = harness, Wire(harness)
    await h.setup_site()
    await wire.take()
    await h.dm(URGENT_REPAIR, RESIDENT)
    [card] = to(await wire.take(), GROUP.id)
    picker = await h.press(data(card, "派工"))
    dispatched = await h.press(button_data(picker, "工程部"))
    h.clock.advance(minutes=10)
    await h.press(button_data(dispatched, "已到场"))
    h.clock.advance(minutes=10)
    await h.desk.sweep()
    assert to(await wire.take(), SUPERVISOR.id) == []
    assert (await ticket(h)).on_site_at is not None


async def test_complaint_followed_up_every_two_days_until_resolved(harness: DeskHarness) -> None:
    h, wire = harness, Wire(harness)
    await h.setup_site()
    await wire.take()
    await h.dm(COMPLAINT, RESIDENT)
    [card] = to(await wire.take(), GROUP.id)
    for _ in range(2):
        h.clock.advance(days=2, minutes=1)
        await h.desk.sweep()
        reminders = [r for r in to(await wire.take(), GROUP.id) if "跟进提醒" in r.text]
        assert len(reminders) == 1 and "T1" in reminders[0].text
    await h.press(data(card, "已处理"))
    await wire.take()
    h.clock.advance(days=2, minutes=1)
    await h.desk.sweep()
    assert not [r for r in await wire.take() if "跟进提醒" in r.text]


async def test_unanswered_rating_becomes_phone_task_recorded_by_callback(any_harness: DeskHarness) -> None:
    h, wire = any_harness, Wire(any_harness)
    await h.setup_site()
    await h.dm(COMPLAINT, RESIDENT)
    await wire.take()
    [card] = [r for r in await h.outbox() if r.chat_id == GROUP.id and r.buttons]
    assert "待受理" in card.text
    assert "尚未处理完毕" in text_of(await h.send("/callback 1 满意"))
    await h.press(data(card, "已处理"))
    await wire.take()
    from handlers.tickets.callbacks import handover
    from storage.repos import sites

    async with h.desk.db.session() as session:
        [site] = await sites.all_sites(session)
        from handlers.core.i18n import Translator

        lines = await handover(session, site, h.clock(), Translator("zh-Hans"))
    assert lines[0] == "【待回访】1 件" and "T1" in lines[1]
    h.clock.advance(hours=25)
    await h.desk.sweep()
    [task] = [r for r in to(await wire.take(), GROUP.id) if "回访任务" in r.text]
    assert "/callback T1" in task.text
    h.clock.advance(days=2)  # 3 days after resolution the callback is due
    await h.desk.sweep()
    # (the supervisor also gets the other features' daily messages: the duty log, the roster)
    [late] = [r for r in to(await wire.take(), SUPERVISOR.id) if "回访已到期" in r.text]
    assert late.purpose == "follow_up"  # digest-only for managers (handlers.core.notices.DIGEST_ONLY)
    assert "用法" in text_of(await h.send("/callback 1 很好"))
    recorded = await h.send("/callback 1 电话 基本满意 业户说还行", user=SUPERVISOR)
    assert "基本满意" in text_of(recorded)
    [callback] = await rows(h, Callback)
    assert (callback.how, callback.by_name, callback.satisfaction, callback.note) == (
        "phone",
        SUPERVISOR.name,
        "basic",
        "业户说还行",
    )
    assert (await ticket(h)).status == "closed"
    history = text_of(await h.send("/ticket 1"))
    assert "回访（电话，主管陈姐）：基本满意 业户说还行" in history
    async with h.desk.db.session() as session:
        assert await handover(session, site, h.clock(), Translator("zh-Hans")) == []


async def test_a_burst_of_fifty_loses_nothing_and_gets_one_notice(any_harness: DeskHarness) -> None:
    h, wire = any_harness, Wire(any_harness)
    await h.setup_site()
    await h.dm(REPAIR, RESIDENT)
    await wire.take()
    answers: list[Outcome] = []
    for i in range(50):
        answers.append(await h.dm(f"补充说明第{i}条", RESIDENT))
    notices = [a for a in answers if "不必重复发送" in text_of(a)]
    assert len(notices) == 1
    group_now = to(await wire.take(), GROUP.id)
    h.clock.advance(minutes=1)
    await h.desk.sweep()
    group_later = to(await wire.take(), GROUP.id)
    relayed = "\n".join(r.text for r in group_now + group_later)
    assert all(f"补充说明第{i}条" in relayed for i in range(50))
    stored = [m for m in await rows(h, TicketMessage) if m.direction == "in"]
    assert len(stored) == 50 and not any(m.held for m in stored)
    assert len(group_later) < 5  # held messages went in a batch


async def test_a_long_held_message_reaches_the_group_whole_in_parts(harness: DeskHarness) -> None:
    """A held message longer than one Telegram message is split at lines in UTF-16 units, never cut."""
    h, wire = harness, Wire(harness)
    await h.setup_site()
    await h.dm(REPAIR, RESIDENT)
    await h.dm("第一条补充", RESIDENT)
    await wire.take()
    long = "\n".join(f"第{i}行：楼上漏水已经三天了😡" for i in range(300))  # ~5 000 characters, emoji = 2 units
    await h.dm(long, RESIDENT)
    await h.dm("最后一句", RESIDENT)
    h.clock.advance(minutes=1)
    await h.desk.sweep()
    parts = to(await wire.take(), GROUP.id)
    assert len(parts) >= 2 and all(len(p.text.encode("utf-16-le")) // 2 <= 4096 for p in parts)
    relayed = "\n".join(p.text for p in parts)
    missing = [i for i in range(300) if f"第{i}行：楼上漏水已经三天了😡" not in relayed]
    assert missing == [] and "最后一句" in relayed, (missing[:3], relayed[:300])


class MajorComplaints:
    """A classifier that reads every resident message as a major complaint (the LLM might)."""

    async def classify(self, text: str, *, speaker: str, private: bool) -> Classification:
        return Classification("complaint", "service", Severity.MAJOR, 0.9)


async def test_major_complaint_goes_to_supervisor_and_missed_deadline_pings(harness: DeskHarness) -> None:
    h, wire = harness, Wire(harness)
    await h.setup_site()
    h.desk.services.classifier = MajorComplaints()  # type: ignore[assignment]
    await h.dm("你们保安态度恶劣还动手推人", RESIDENT)
    sent = await wire.take()
    assert [r for r in to(sent, SUPERVISOR.id) if "重大投诉 T1" in r.text]
    assert [r for r in to(sent, MANAGER.id) if r.purpose == "escalation" and r.site_id]
    h.clock.advance(hours=5)  # past the urgent deadline (4 h by default)
    await h.desk.sweep()
    [late] = to(await wire.take(), SUPERVISOR.id)
    assert "超过处理时限" in late.text


async def test_open_tickets_in_the_handover_overdue_first(harness: DeskHarness) -> None:
    from handlers.core.i18n import Translator
    from handlers.tickets.commands import handover
    from storage.repos import sites

    h = harness
    await h.setup_site()
    async with h.desk.db.session() as session:
        [site] = await sites.all_sites(session)
        assert await handover(session, site, h.clock(), Translator("zh-Hans")) == []
    await h.dm(COMPLAINT, RESIDENT)  # due in 48 h
    await h.dm(URGENT_REPAIR, NEIGHBOUR)  # due in 15 min
    h.clock.advance(minutes=20)
    async with h.desk.db.session() as session:
        lines = await handover(session, site, h.clock(), Translator("zh-Hans"))
    assert lines[0] == "【未完成业户事务】2 件" and lines[1].startswith("⏰ T2") and "T1" in lines[2]


async def test_held_messages_whose_timer_already_ran_are_still_relayed(any_harness: DeskHarness) -> None:
    from sqlalchemy import update
    from sqlmodel import col

    from storage.models import Timer

    h, wire = any_harness, Wire(any_harness)
    await h.setup_site()
    await h.dm(REPAIR, RESIDENT)
    for i in range(12):
        await h.dm(f"第{i}条", RESIDENT)
    await wire.take()
    async with h.desk.db.session() as session:  # as if another process finished the batch early
        await session.exec(update(Timer).where(col(Timer.kind) == "tk.relay").values(state="done"))  # type: ignore[call-overload]
    await h.desk.sweep()
    await h.desk.sweep()
    relayed = "\n".join(r.text for r in to(await wire.take(), GROUP.id))
    assert "第10条" in relayed and "第11条" in relayed
    assert not [m for m in await rows(h, TicketMessage) if m.held]


async def test_vip_is_pursued_until_satisfied(harness: DeskHarness) -> None:
    h, wire = harness, Wire(harness)
    await h.setup_site()
    await h.dm(REPAIR, RESIDENT)
    await h.send("/vip 1")
    await wire.take()
    [one] = await rows(h, Ticket)
    await h.press(f"1|tk.done|{one.id}")
    [ask] = to(await wire.take(), RESIDENT.id)
    await h.press(data(ask, "基本满意"), user=RESIDENT, chat=Chat(RESIDENT.id, True))
    assert (await ticket(h)).status == "reopened"
    assert [r for r in to(await wire.take(), SUPERVISOR.id) if "不满意" in r.text or "重新打开" in r.text]


async def test_a_burst_across_two_processes_loses_nothing(any_harness: DeskHarness) -> None:
    import asyncio

    from handlers.core.messages import Inbound
    from tests.support.desks import second_process

    h, wire = any_harness, Wire(any_harness)
    await h.setup_site()
    await h.dm(REPAIR, RESIDENT)
    other = await second_process(h.desk.db, h.desk, h.clock)
    chat = Chat(RESIDENT.id, True)
    inbound = [
        Inbound(
            chat=chat, user=RESIDENT, text=f"并发第{i}条", update_id=10_000 + i, message_id=20_000 + i, at=h.clock()
        )
        for i in range(30)
    ]
    outcomes = await asyncio.gather(*((h.desk if i % 2 else other).handle(m) for i, m in enumerate(inbound)))
    assert not [o for o in outcomes if "稍后再试" in text_of(o)]  # no database or internal error
    for _ in range(2):
        h.clock.advance(minutes=1)
        await asyncio.gather(h.desk.sweep(), other.sweep())
    relayed = "\n".join(r.text for r in to(await wire.take(), GROUP.id))
    assert all(relayed.count(f"并发第{i}条") == 1 for i in range(30))
    stored = [m for m in await rows(h, TicketMessage) if m.text.startswith("并发")]
    assert len(stored) == 30 and not any(m.held for m in stored)
    await other.db.dispose()


async def test_photo_flood_is_one_summary_and_its_photos_go_to_staff_in_private(any_harness: DeskHarness) -> None:
    """Issue 16: past the minute's first three photos, a resident's photos wait for the minute's batch:
    one line with their count in the group (sent after staff replies), a button that sends every
    photo of the ticket to the staff member who presses it, and nobody else."""
    h, wire = any_harness, Wire(any_harness)
    await h.setup_site()
    await h.dm(REPAIR, RESIDENT)
    await wire.take()
    private = Chat(RESIDENT.id, True)
    answers = [await h.send("", RESIDENT, private, photo_file_id=f"AgACflood{i}") for i in range(12)]
    await h.send("天花板还在滴水", RESIDENT, private)
    # the first photo is acknowledged (the next ones within minutes are folded, docs/usage.md "Message
    # economy"), and the 11th message gets the slow-down notice (10 a minute); else quiet
    assert sum(1 for out in answers if out.replies) == 2
    sent = to(await wire.take(), GROUP.id)
    assert [r.photo_file_id for r in sent] == [f"AgACflood{i}" for i in range(3)]
    h.clock.advance(minutes=1, seconds=1)
    await h.desk.sweep()
    [summary] = to(await wire.take(), GROUP.id)
    assert summary.priority > 5  # after staff replies (4) and routine notices (5)
    assert "[照片] ×9" in summary.text and "天花板还在滴水" in summary.text
    assert len([m for m in await rows(h, TicketMessage) if m.photo_file_id]) == 12

    refused = await h.press(data(summary, "看照片"), user=NEIGHBOUR, chat=GROUP)
    assert refused.alert and not to(await wire.take(), NEIGHBOUR.id)
    shown = await h.press(data(summary, "看照片"), message_id=summary.message_id or 0)
    assert "12" in (shown.toast or "")
    photos = to(await wire.take(), STAFF.id)
    assert [p.photo_file_id for p in photos] == [f"AgACflood{i}" for i in range(12)]
    assert not to(photos, GROUP.id)
