"""Leave and swaps are approved, not private (issue 18 point 15; 000 L127, L146; 002 L17; 004 L220
XIV): /leave and /swap go to a supervisor for 批准/拒绝, an approval names the cover and changes the
roster, nobody decides their own request, a late request is marked as late."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select

from handlers.core.messages import Chat, User
from storage.models import Outbox, RosterEntry, ShiftRequest
from tests.support import GROUP, MANAGER, STAFF, SUPERVISOR, DeskHarness, text_of
from tests.support.shifts import NIGHT, upload

COVER = User(id=103, name="替班小周", username="zhou_cover", language="zh-hans")
DAY = date(2026, 11, 25)


async def site_for_leave(h: DeskHarness, roster: str = "2026-11-25,D,101\n2026-11-25,N,@wang_night\n") -> None:
    """Site HG (clock: 11-23 10:00 local); STAFF on 11-25's day shift, NIGHT on its night shift."""
    await h.setup_site()
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
    harness: DeskHarness,
) -> None:
    h = harness
    await site_for_leave(h)
    asked = text_of(await h.send("/leave 11-25 白班 孩子生病要去医院"))
    assert "请假申请 #" in asked and "11-25 白班 08:00-20:00" in asked and "批准前请照常到岗" in asked
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

    h.clock.now = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # the next day: 11-25 is tomorrow
    assert "11-25 白班 08:00-20:00：替班小周" in text_of(await h.send("/roster"))
    again = await h.press(button(card, "夜班小王"), SUPERVISOR, chat=private(SUPERVISOR))
    assert "已批准" in (again.toast or "") and await roster_of(h) == [("D", 103), ("N", 102)]
