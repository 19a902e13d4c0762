"""Issue 18 point 18: the supervisor's weekly 签阅 of the patrol records (001 L553: checks everyone's
patrol records and the problems' completion, and signs an opinion) and of the callback records
(003 L63 §4.4: reviewed weekly, the dissatisfactions' follow-up checked), sent at the week's end
and reminded until signed, like the duty log's daily 签阅."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from handlers.core.messages import Chat
from tests.support import GROUP, MANAGER, RESIDENT, STAFF, SUPERVISOR, DeskHarness, button_data, rows_for, text_of
from tests.support.patrols import add_plan, data_of, group_since, link_card, rounds
from tests.support.tickets import COMPLAINT, Wire, data, to

WEEK_ENDS = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai: the week of the 23rd ends
HEADER = "每周审阅 · 华庭花园 · 2026-11-23 至 2026-11-29"
SUPERVISOR_DM = Chat(id=SUPERVISOR.id, private=True)


async def a_week_of_patrols_and_callbacks(h: DeskHarness, wire: Wire) -> None:
    """Monday's 12:00 round done with a finding still open; Tuesday's to Saturday's missed, Sunday's
    late at the week's end; a complaint called back 不满意 and reopened, not handled since."""
    await h.setup_site()
    await add_plan(h, ["大堂", "消防通道"], at="12:00")
    seen = len(await h.outbox())
    await h.desk.sweep(h.clock.advance(hours=2))  # Monday 12:00
    [ping] = await group_since(h, seen)
    card = await h.press(data_of(ping, "开始巡查"))
    await link_card(h, (await rounds(h))[0].id or 0)
    await h.press(button_data(card, "大堂"))
    await h.send("消防通道被杂物堵住", photo_file_id="AgACblock", reply_to_message_id=7001)
    await h.press(button_data(card, "巡查完毕"))
    for _ in range(6):  # Tuesday to Sunday nobody patrols: each round is missed when the next falls due
        await h.desk.sweep(h.clock.advance(days=1))

    await wire.take()
    await h.dm(COMPLAINT, RESIDENT)
    [ticket_card] = [r for r in to(await wire.take(), GROUP.id) if r.buttons]
    await h.press(data(ticket_card, "已处理"), message_id=ticket_card.message_id or 0)
    [ask] = to(await wire.take(), RESIDENT.id)
    await h.press(data(ask, "不满意"), user=RESIDENT, chat=Chat(RESIDENT.id, True))
    await h.dm("晚上还是很吵，没人管", RESIDENT)
    await wire.take()


async def test_weekly_review_sent_to_supervisors_reminded_and_signed_with_an_opinion(any_harness: DeskHarness) -> None:
    h, wire = any_harness, Wire(any_harness)
    await a_week_of_patrols_and_callbacks(h, wire)
    early = text_of(await h.dm("/review 2026-11-25", SUPERVISOR))
    assert HEADER in early and "本周尚未结束" in early
    assert "需要：主管" in text_of(await h.send("/review"))

    h.clock.now = WEEK_ENDS
    await h.desk.sweep()
    sent = await wire.take()
    [review] = [r for r in sent if HEADER in r.text]
    assert review.chat_id == SUPERVISOR.id and review.buttons  # the supervisor's, not the manager's
    text = review.text
    assert "巡查记录】7 轮：完成 1，迟巡 1，漏巡 5" in text and "值班员小李 1 轮" in text
    assert "问题 1 条：已复查 0，未完成 1" in text and "#1 消防通道被杂物堵住（处理中）" in text
    assert "回访记录】1 次：满意 0，基本满意 0，不满意 1" in text
    assert "T1 不满意：晚上还是很吵，没人管 → 仍未落实" in text
    assert "001 L553" in text and "003 L63" in text

    # Not signed: reminded the next day, the supervisors only.
    await h.desk.sweep(h.clock.advance(days=1))
    reminders = [r for r in await wire.take() if "2026-11-23 至 2026-11-29 的巡查与回访记录尚未签阅" in r.text]
    assert [r.chat_id for r in reminders] == [SUPERVISOR.id]

    refused = await h.press(data(review, "签阅"), STAFF, chat=Chat(id=STAFF.id, private=True))
    assert refused.alert and "主管" in (refused.toast or "")
    opinion = await h.send(
        "消防通道须当天清理，下周复查", SUPERVISOR, chat=SUPERVISOR_DM, reply_to_message_id=review.message_id
    )
    assert "已签阅「华庭花园」2026-11-23 至 2026-11-29" in text_of(opinion) and "下周复查" in text_of(opinion)
    again = await h.press(data(review, "签阅"), MANAGER, chat=Chat(id=MANAGER.id, private=True))
    assert "已由 主管陈姐 签阅" in (again.toast or "")
    shown = text_of(await h.dm("/review 2026-11-23", SUPERVISOR))
    assert "主管陈姐 已于" in shown and "意见：消防通道须当天清理" in shown
    await h.desk.sweep(h.clock.advance(days=1))
    assert not [r for r in await wire.take() if "2026-11-23 至 2026-11-29 的巡查与回访记录尚未签阅" in r.text]

    async with h.desk.db.session() as session:
        [row] = await rows_for(session, "weekly_reviews")
    assert (row["week"], row["signed_by"], row["opinion"]) == (
        "2026-11-23",
        SUPERVISOR.id,
        "消防通道须当天清理，下周复查",
    )
    counts = json.loads(str(row["counts"]))
    assert (counts["missed"], counts["unsettled"], counts["not_satisfied"], counts["not_followed"]) == (5, 1, 1, 1)


async def test_review_sign_signs_the_last_finished_week_and_not_a_week_in_progress(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    await h.desk.sweep()
    assert "没有待签阅的每周审阅" in text_of(await h.dm("/review_sign", SUPERVISOR))
    assert "需要：主管" in text_of(await h.dm("/review_sign", STAFF))
    too_early = await h.press("1|pt.wk|1|20261123", SUPERVISOR, chat=SUPERVISOR_DM)
    assert "尚未结束" in (too_early.toast or "")
    for forged in ("1|pt.wk|1|20261125", "1|pt.wk|1|00010101", "1|pt.wk|9|20261123"):  # no week's first day
        assert (await h.press(forged, SUPERVISOR, chat=SUPERVISOR_DM)).toast == "此按钮已失效，请重新操作。"
    h.clock.now = WEEK_ENDS
    await h.desk.sweep()
    signed = text_of(await h.dm("/review_sign 本周巡查正常", SUPERVISOR))
    assert "已签阅「华庭花园」2026-11-23 至 2026-11-29" in signed and "意见：本周巡查正常" in signed
    assert "没有待签阅的每周审阅" in text_of(await h.dm("/review_sign", SUPERVISOR))
