"""Leave and swaps are approved, not private (issue 18 point 15; 000 L127, L146; 002 L17; 004 L220
XIV): /leave and /swap go to a supervisor for 批准/拒绝, an approval names the cover and changes the
roster, nobody decides their own request, a late request is marked as late."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select

from handlers.core.messages import Chat, User
from storage.models import Outbox, RosterEntry, ShiftRequest
from tests.support import GROUP, MANAGER, STAFF, SUPERVISOR, DeskHarness, rows_for, text_of
from tests.support.shifts import NIGHT, TWO_SHIFTS, set_shifts, upload

COVER = User(id=103, name="替班小周", username="zhou_cover", language="zh-hans")
DAY = date(2026, 11, 25)


async def site_for_leave(h: DeskHarness, roster: str = "2026-11-25,D,101\n2026-11-25,N,@wang_night\n") -> None:
    """Site HG (clock: 11-23 10:00 local); STAFF on 11-25's day shift, NIGHT on its night shift."""
    await h.setup_site()
    await set_shifts(h, *TWO_SHIFTS)  # 白班 D and 夜班 N, not the three default shifts
    await h.join(NIGHT, "staff")
    await h.join(COVER, "staff")
    assert "✅" in await upload(h, "date,shift,staff\n" + roster)


async def roster_of(h: DeskHarness, day: date = DAY) -> list[tuple[str, int]]:
    async with h.desk.db.session() as session:
        rows = (await session.exec(select(RosterEntry).where(RosterEntry.day == day))).all()
    return sorted((r.shift_code, r.telegram_id) for r in rows)


def to(rows: list[Outbox], person: User | int, part: str) -> list[Outbox]:
    chat = person if isinstance(person, int) else person.id
    return [r for r in rows if r.chat_id == chat and part in r.text]


def private(user: User) -> Chat:
    return Chat(id=user.id, private=True)


def button(row: Outbox, label_part: str) -> str:
    for line in row.buttons:
        for b in line:
            if label_part in b["label"]:
                return b["data"]
    raise AssertionError(f"no button {label_part!r} in {row.buttons}")


async def test_leave_goes_to_a_supervisor_and_the_approval_names_the_cover_and_changes_the_roster(
    any_harness: DeskHarness,
) -> None:
    h = any_harness
    await site_for_leave(h)
    asked = text_of(await h.send("/leave 11-25 白班 孩子生病要去医院"))
    assert "请假申请 R" in asked and "11-25 白班 08:00-20:00" in asked and "批准前请照常到岗" in asked
    assert "000 L127" in asked
    [card] = to(await h.outbox(), SUPERVISOR, "请假申请")
    assert "值班员小李" in card.text and "孩子生病" in card.text
    assert not to(await h.outbox(), MANAGER, "请假申请")  # the supervisor decides; the manager hears after
    assert await roster_of(h) == [("D", 101), ("N", 102)]  # nothing changes before the approval

    done = await h.press(button(card, "替班小周"), SUPERVISOR, chat=private(SUPERVISOR))
    assert "由 替班小周 顶班" in text_of(done)
    assert await roster_of(h) == [("D", 103), ("N", 102)]
    rows = await h.outbox()
    assert to(rows, STAFF, "已由 主管陈姐 批准，替班小周 顶班")
    assert to(rows, COVER, "替班小周 顶班")  # the cover is told in private
    assert to(rows, GROUP.id, "替班小周 顶班")  # and the duty group sees the change
    assert to(rows, MANAGER, "已由 主管陈姐 批准")  # 000 L146: reported to the CS manager
    async with h.desk.db.session() as session:
        [request] = (await session.exec(select(ShiftRequest))).all()
    assert (request.status, request.decided_by, request.cover_id) == ("approved", SUPERVISOR.id, COVER.id)
    async with h.desk.db.session() as session:
        [row] = await rows_for(session, "shift_requests")
    assert (row["kind"], row["status"], row["date"], row["shifts"]) == ("leave", "approved", "2026-11-25", "D")
    assert (row["requester"], row["cover"], row["decided_name"]) == ("值班员小李", "替班小周", "主管陈姐")

    h.clock.now = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # the next day: 11-25 is tomorrow
    assert "11-25 白班 08:00-20:00：替班小周" in text_of(await h.send("/roster"))
    again = await h.press(button(card, "夜班小王"), SUPERVISOR, chat=private(SUPERVISOR))
    assert "已批准" in (again.toast or "") and await roster_of(h) == [("D", 103), ("N", 102)]


async def test_nobody_approves_their_own_request(harness: DeskHarness) -> None:
    h = harness
    await site_for_leave(h, "2026-11-25,D,201\n2026-11-25,N,@wang_night\n")  # the supervisor on the day shift
    asked = text_of(await h.send("/leave 2026-11-25 家里有事", SUPERVISOR))
    assert "请假申请 R" in asked
    assert not to(await h.outbox(), SUPERVISOR, "请假申请")  # not put to the requester
    [card] = to(await h.outbox(), MANAGER, "请假申请")  # the next rung up decides
    own = await h.press(button(card, "替班小周"), SUPERVISOR, chat=private(SUPERVISOR))
    assert "不能审批自己的申请" in (own.toast or "") and own.alert
    number = asked.split("R", 1)[1].split(" ", 1)[0]
    by_command = text_of(await h.send(f"/leave_ok {number} @zhou_cover", SUPERVISOR))
    assert "不能审批自己的申请" in by_command
    assert await roster_of(h) == [("D", 201), ("N", 102)]
    assert "顶班" in ((await h.press(button(card, "替班小周"), MANAGER, chat=private(MANAGER))).toast or "")
    assert await roster_of(h) == [("D", 103), ("N", 102)]


async def test_the_colleague_of_a_swap_does_not_approve_it_and_staff_cannot(harness: DeskHarness) -> None:
    h = harness
    await site_for_leave(h, "2026-11-25,D,101\n2026-11-25,N,201\n")
    asked = text_of(await h.send("/swap 11-25 @" + "nobody"))
    assert "不是「华庭花园」的人员" in asked
    await h.send("/swap 11-25 201 想换夜班")
    told = to(await h.outbox(), SUPERVISOR, "调班申请")
    assert told and all("申请与您调班" in r.text and not r.buttons for r in told)  # told as the colleague only
    [card] = to(await h.outbox(), MANAGER, "调班申请")
    refused = await h.press(button(card, "批准调班"), SUPERVISOR, chat=private(SUPERVISOR))
    assert "不能审批自己的申请" in (refused.toast or "")
    staff = await h.press(button(card, "批准调班"), NIGHT, chat=private(NIGHT))
    assert "需要：主管" in (staff.toast or "")
    assert await roster_of(h) == [("D", 101), ("N", 201)]


async def test_an_approved_swap_exchanges_the_shifts_and_a_refused_one_leaves_the_roster(harness: DeskHarness) -> None:
    h = harness
    await site_for_leave(h)
    asked = text_of(await h.send("/swap 11-25 @wang_night 白天要陪家人"))
    assert "调班申请 R" in asked
    assert to(await h.outbox(), NIGHT, "值班员小李 申请与您调班")  # the colleague is told
    [card] = to(await h.outbox(), SUPERVISOR, "调班申请")
    assert "值班员小李（11-25 白班 08:00-20:00）⇄ 夜班小王（11-25 夜班 20:00-08:00）" in card.text
    await h.press(button(card, "批准调班"), SUPERVISOR, chat=private(SUPERVISOR))
    assert await roster_of(h) == [("D", 102), ("N", 101)]
    assert to(await h.outbox(), NIGHT, "调班 R") and to(await h.outbox(), GROUP.id, "已由 主管陈姐 批准")

    await h.send("/leave 11-25 夜班 发烧")
    number = [r for r in await h.outbox() if "请假申请" in r.text][-1].text.split("R", 1)[1].split("\n", 1)[0]
    pending = text_of(await h.send("/leaves"))
    assert f"请假申请 R{number}" in pending and "发烧" in pending
    refused = text_of(await h.send(f"/leave_no {number} 人手不足", SUPERVISOR))
    assert "原排班不变" in refused
    assert to(await h.outbox(), STAFF, "人手不足")
    assert await roster_of(h) == [("D", 102), ("N", 101)]
    assert "没有待批准" in text_of(await h.send("/leaves"))


async def test_a_request_less_than_a_day_ahead_is_marked_late_and_a_started_shift_cannot_be_left(
    harness: DeskHarness,
) -> None:
    h = harness
    await site_for_leave(h, "2026-11-23,D,101\n2026-11-23,N,101\n")  # 11-23, 10:00 local now
    started = text_of(await h.send("/leave 今天 白班 不舒服"))
    assert "已经开始" in started
    late = text_of(await h.send("/leave 今天 夜班 不舒服"))
    assert "不足 24 小时" in late  # 004 L220 XIV: a day ahead (policy leave_notice_hours)
    [card] = to(await h.outbox(), SUPERVISOR, "请假申请")
    assert "不足 24 小时" in card.text
    assert "没有排班" in text_of(await h.send("/leave 11-30 有事"))
    assert "请假申请 R" in text_of(await h.send("/leaves"))
    h.clock.now = datetime(2026, 11, 23, 11, 14, tzinfo=UTC)  # 19:14
    await h.desk.sweep()
    assert not to(await h.outbox(), STAFF, "已失效")
    # 19:15, the incoming reminder's time: 30 minutes before arriving 15 minutes early (002 L23)
    h.clock.now = datetime(2026, 11, 23, 11, 15, tzinfo=UTC)
    await h.desk.sweep()
    assert to(await h.outbox(), STAFF, "未获批准，已失效：原排班不变，请按时到岗")  # 002 L17
    assert to(await h.outbox(), GROUP.id, "已失效")
    assert "没有待批准" in text_of(await h.send("/leaves"))
    [card] = to(await h.outbox(), SUPERVISOR, "请假申请")
    late_tap = await h.press(button(card, "替班小周"), SUPERVISOR, chat=private(SUPERVISOR))
    assert "已失效" in (late_tap.toast or "")
    assert await roster_of(h, date(2026, 11, 23)) == [("D", 101), ("N", 101)]


async def test_a_roster_leaving_a_shift_or_a_night_or_a_holiday_without_a_manager_is_reported(
    harness: DeskHarness,
) -> None:
    h = harness
    await h.setup_site()
    await set_shifts(h, *TWO_SHIFTS)
    await h.join(NIGHT, "staff")
    reply = await upload(h, "date,shift,staff,holiday\n2026-12-01,D,101,\n2026-12-01,N,201,\n2026-12-02,D,101,元旦\n")
    assert "✅" in reply  # loaded all the same
    assert "无人值班的班次 1 个：12-02 夜班 20:00-08:00" in reply  # 004 L120
    assert (
        "夜间（20:00-06:00）没有管理人员（主管或以上）值班 1 晚：12-02" in reply
    )  # 004 L126; 12-01 has the supervisor
    assert "节假日没有管理人员值班 1 天：12-02" in reply  # 004 L126; 000 L147
    whole = await upload(h, "date,shift,staff\n2026-12-03,D,101\n2026-12-03,N,201\n")
    assert "⚠️" not in whole


async def test_a_roster_putting_someone_back_on_an_approved_leave_is_reported(harness: DeskHarness) -> None:
    h = harness
    await site_for_leave(h)
    await h.send("/leave 11-25 白班 手术")
    [card] = to(await h.outbox(), SUPERVISOR, "请假申请")
    await h.press(button(card, "替班小周"), SUPERVISOR, chat=private(SUPERVISOR))
    reply = await upload(h, "date,shift,staff\n2026-11-25,D,101\n2026-11-25,N,201\n")
    assert "又被排上原班次 1 处：值班员小李 11-25（请假 R" in reply


async def test_the_command_line_import_reports_the_gaps_too(harness: DeskHarness) -> None:
    from handlers.core.i18n import Translator
    from handlers.shifts.operator import import_roster

    h = harness
    await h.setup_site()
    await set_shifts(h, *TWO_SHIFTS)
    out = await import_roster(h.desk.db, b"date,shift,staff\n2026-12-01,D,101\n", "roster.csv", "HG", Translator("en"))
    assert "loaded 1 roster entries" in out
    assert "1 shift(s) with nobody on duty: 12-01 Night shift 20:00-08:00" in out  # the default name, in English
    assert "1 night(s) without a manager" in out
