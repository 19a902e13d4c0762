"""Issue 18 point 17: a round is its patroller's. 巡查完毕 written in the group by the patroller
whose round is fully signed closes it at once (no draft card to tap); only the round's owner, or a
supervisor, signs its checkpoints (001 L813 the patroller's own sign-in sheet; 001 L553 the
supervisor checks the records); a supervisor-only plan's round (001 L543) is finished by a supervisor."""

from __future__ import annotations

from sqlmodel import select

from storage.models import Draft, Incident
from tests.support import STAFF, SUPERVISOR, DeskHarness, User, button_data, text_of
from tests.support.patrols import ROOF, add_plan, checks, data_of, group_since, link_card, rounds, started_round

COLLEAGUE = User(id=102, name="值班员小王", language="zh-hans")


async def test_patrol_done_written_by_the_patroller_closes_the_round(harness: DeskHarness) -> None:
    h = harness
    card, _ = await started_round(h, ["大堂", "天台"])
    await h.press(button_data(card, "大堂"))
    early = await h.send("巡查完毕")  # a point is left: named, and neither a draft nor closed
    assert "还有 1 个点未签到：天台" in text_of(early) and not any(r.buttons for r in early.replies)
    await h.press(button_data(card, "天台"))
    done = await h.send("巡查完毕")
    assert "🏁 消防巡查 巡查完毕" in text_of(done)
    assert "记录" not in str(done.replies[0].buttons)  # no draft card to tap
    finished = (await rounds(h))[0]
    assert (finished.status, finished.done_by) == ("done", STAFF.id)
    async with h.desk.db.session() as session:
        assert (await session.exec(select(Draft))).all() == []
        assert (await session.exec(select(Incident))).all() == []


async def test_patrol_done_from_someone_without_a_round_stays_a_draft(harness: DeskHarness) -> None:
    h = harness
    card, _ = await started_round(h, ["大堂"])
    await h.press(button_data(card, "大堂"))
    offer = await h.send("巡查完毕", SUPERVISOR)  # the supervisor has no round running: a card as before
    assert "记录" in str(offer.replies[0].buttons)
    assert (await rounds(h))[0].status == "running"


async def test_only_the_owner_or_a_supervisor_signs_the_rounds_points(harness: DeskHarness) -> None:
    h = harness
    route: list[object] = [
        "大堂",
        {"name": "泵房", "proof": "photo"},
        {"name": "天台", "proof": "location", "lat": ROOF[0], "lon": ROOF[1]},
    ]
    card, _ = await started_round(h, route)
    await h.join(COLLEAGUE, "staff")
    tapped = await h.press(button_data(card, "大堂"), COLLEAGUE)
    assert tapped.alert and "只有本人或主管" in (tapped.toast or "") and "值班员小李" in (tapped.toast or "")
    photo = await h.send("泵房", COLLEAGUE, photo_file_id="AgACx", reply_to_message_id=7001)
    assert "只有本人或主管" in text_of(photo)
    # A caption saying more is a finding anyone may report (001 L549); it signs no point.
    found = await h.send("泵房门口漏水", COLLEAGUE, photo_file_id="AgACleak", reply_to_message_id=7001)
    assert "#1" in text_of(found) and "已签到" not in text_of(found)
    located = await h.send("", COLLEAGUE, location=ROOF, sent_at=h.clock())
    assert "只有本人或主管" in text_of(located)
    finish = await h.press(button_data(card, "巡查完毕"), COLLEAGUE)
    assert finish.alert and "只有本人或主管" in (finish.toast or "")
    assert await checks(h) == []
    # The supervisor may sign for the patroller (recorded as the supervisor's), and the owner goes on.
    theirs = await h.press(button_data(card, "大堂"), SUPERVISOR)
    assert "✅ 大堂 — 主管陈姐" in theirs.replies[0].text
    assert "「泵房」已签到" in text_of(await h.send("", photo_file_id="AgACp", reply_to_message_id=7001))
    assert [(c.name, c.done_by) for c in await checks(h)] == [("大堂", SUPERVISOR.id), ("泵房", STAFF.id)]


async def test_a_supervisor_plans_round_is_finished_by_a_supervisor(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    h.clock.advance(minutes=5)
    await add_plan(h, ["大堂"], name="主管巡查", role="supervisor")
    seen = len(await h.outbox())
    await h.desk.sweep(h.clock.advance(hours=1, minutes=55))
    [ping] = await group_since(h, seen)
    card = await h.press(data_of(ping, "开始巡查"), SUPERVISOR)
    await link_card(h, (await rounds(h))[0].id or 0)
    await h.press(button_data(card, "大堂"), SUPERVISOR)
    refused = await h.press(button_data(card, "巡查完毕"), STAFF)
    assert refused.alert and "主管" in (refused.toast or "")
    clean = await h.send("巡查完毕，一切正常", STAFF, reply_to_message_id=7001)
    assert "一切正常" not in text_of(clean)
    assert (await rounds(h))[0].status == "running"
    done = await h.send("巡查完毕", SUPERVISOR)
    assert "🏁 主管巡查 巡查完毕" in text_of(done)
    assert ((await rounds(h))[0].status, (await rounds(h))[0].done_by) == ("done", SUPERVISOR.id)
