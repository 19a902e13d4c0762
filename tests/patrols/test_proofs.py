"""Checkpoints proven by a tap, a photo replying to the card or a shared location; findings open
incidents whose closing makes a re-check due; 巡查完毕，一切正常 closes a round; bad input."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from storage.models import Incident, IncidentNote, IncidentPhoto, PatrolFinding
from tests.support import GROUP, STAFF, STRANGER, SUPERVISOR, DeskHarness, button_data, text_of
from tests.support.patrols import ROOF, add_plan, checks, data_of, group_since, link_card, rounds, started_round


async def test_tap_photo_and_location_sign_the_route(harness: DeskHarness) -> None:
    h = harness
    card, _ = await started_round(h)
    assert card.replies[0].edit and "进行中" in card.replies[0].text and "值班员小李" in card.replies[0].text
    # A photo checkpoint cannot be tapped; the tap one can, and the card is edited in place.
    refused = await h.press(button_data(card, "消防泵房"))
    assert refused.alert and "须拍照" in (refused.toast or "")
    tapped = await h.press(button_data(card, "地下车库"))
    assert tapped.replies[0].edit and "✅ 地下车库 — 值班员小李" in tapped.replies[0].text
    assert "还剩 2" in (tapped.toast or "")
    # A photo replying to the card signs the next point a photo proves.
    photo = await h.send("", photo_file_id="AgACpump", reply_to_message_id=7001)
    assert "「消防泵房」已签到" in text_of(photo) and photo.replies[0].quote
    [edit] = [r for r in await h.outbox(replies=True) if r.method == "edit" and r.edit_message_id == 7001]
    assert (edit.method, edit.edit_message_id, edit.ref_kind) == ("edit", 7001, "patrol_round")
    assert "✅ 消防泵房 — 值班员小李" in edit.text and "⬜ 天台" in edit.text
    # A location 200 m away is refused with the distance; at the roof it signs.
    far = await h.send("", location=(ROOF[0] + 0.0018, ROOF[1]))
    assert "离「天台」还有 200 米" in text_of(far) and "30 米" in text_of(far)
    near = await h.send("", location=(ROOF[0] + 0.0001, ROOF[1]))
    assert "「天台」已签到" in text_of(near)
    signed = await checks(h)
    assert [(c.name, c.proof) for c in signed] == [("地下车库", "tap"), ("消防泵房", "photo"), ("天台", "location")]
    assert signed[1].photo_file_id == "AgACpump" and signed[2].distance_m is not None and signed[2].distance_m < 15
    done = await h.press(button_data(tapped, "巡查完毕"))
    assert "巡查完毕" in (done.toast or "") and "已完成" in done.replies[0].text
    assert (await rounds(h))[0].status == "done"
    # Nothing more is due for a finished round: no reminder, no escalation.
    seen = len(await h.outbox())
    await h.desk.sweep(h.clock.advance(minutes=45))
    assert [r for r in (await h.outbox())[seen:] if r.chat_id == SUPERVISOR.id or "尚未开始" in r.text] == []


async def test_finish_needs_every_checkpoint_and_clean_reply_closes(harness: DeskHarness) -> None:
    h = harness
    card, _ = await started_round(h, ["大堂", "天台"])
    early = await h.press(button_data(card, "巡查完毕"))
    assert early.alert and "还有 2 个点未签到：大堂、天台" in (early.toast or "")
    await h.press(button_data(card, "大堂"))
    await h.press(button_data(card, "天台"))
    clean = await h.send("巡查完毕，一切正常", reply_to_message_id=7001)
    assert "一切正常" in text_of(clean)
    done = (await rounds(h))[0]
    assert (done.status, done.done_by) == ("done", STAFF.id)
    late_photo = await h.send("", photo_file_id="AgAClate", reply_to_message_id=7001)
    assert "已结束" in text_of(late_photo)
    assert len(await checks(h)) == 2


async def test_other_staff_tap_is_theirs_strangers_and_forged_buttons_refused(harness: DeskHarness) -> None:
    h = harness
    card, round_id = await started_round(h, ["大堂", "天台"])
    theirs = await h.press(button_data(card, "大堂"), user=SUPERVISOR)
    assert "✅ 大堂 — 主管陈姐" in theirs.replies[0].text
    again = await h.press(button_data(card, "大堂"))
    assert "已签到" in (again.toast or "")
    stranger = await h.press(button_data(card, "天台"), user=STRANGER)
    assert stranger.alert and "没有权限" in (stranger.toast or "")
    assert "尚未登记" in text_of(await h.send("", photo_file_id="AgACx", reply_to_message_id=7001, user=STRANGER))
    # An extra argument (a pending checkpoint's button with more data than this version writes), a
    # negative position, and a re-check of no finding sign and settle nothing.
    forgeries = [f"1|pt.ck|{round_id}|99", f"1|pt.ck|{round_id}", "1|pt.ck|abc|0", "1|pt.go|424242"]
    forgeries += [f"1|pt.ck|{round_id}|1|0", f"1|pt.ck|{round_id}|-1", f"1|pt.end|{round_id}|1", "1|pt.rc|0"]
    for forged in forgeries:
        assert (await h.press(forged)).toast == "此按钮已失效，请重新操作。"
    assert [(c.name, c.done_by) for c in await checks(h)] == [("大堂", SUPERVISOR.id)]


async def test_chit_chat_replying_to_a_due_card_starts_nothing(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    h.clock.advance(minutes=5)
    await add_plan(h, ["大堂"])
    await h.desk.sweep(h.clock.advance(hours=1, minutes=55))
    await link_card(h, (await rounds(h))[0].id or 0)
    assert text_of(await h.send("收到", reply_to_message_id=7001)) == ""
    assert (await rounds(h))[0].status == "due"
    found = await h.send("大堂地面有积水", reply_to_message_id=7001)  # a finding on the card starts the round
    assert "#1" in text_of(found) and (await rounds(h))[0].started_by == STAFF.id


async def test_a_forwarded_or_older_location_signs_no_checkpoint(harness: DeskHarness) -> None:
    """A location proves the patroller was there during the round: one forwarded from elsewhere, or
    one sent before the round began (a stale share), is refused and signs nothing."""
    h = harness
    await started_round(h)
    forwarded = await h.send("", location=ROOF, forwarded=True)
    assert "转发的位置" in text_of(forwarded)
    replied = await h.send("", location=ROOF, forwarded=True, reply_to_message_id=7001)
    assert "转发的位置" in text_of(replied)
    older = await h.send("", location=ROOF, sent_at=h.clock() - timedelta(hours=1))
    assert "开始前" in text_of(older)
    assert [c.name for c in await checks(h)] == []
    fresh = await h.send("", location=ROOF, sent_at=h.clock())
    assert "「天台」已签到" in text_of(fresh)
    assert [(c.name, c.proof) for c in await checks(h)] == [("天台", "location")]


async def test_location_without_a_running_round_and_without_coordinates(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    assert text_of(await h.send("", location=ROOF)) == ""  # no patrol plans here: not ours
    await add_plan(h, ["大堂"])
    assert "没有进行中的巡查" in text_of(await h.send("", location=ROOF))
    await h.send("/patrol 消防巡查")
    assert "没有登记位置" in text_of(await h.send("", location=ROOF))


async def test_finding_opens_incident_and_recheck_follows_its_closing(harness: DeskHarness) -> None:
    h = harness
    await started_round(h, ["大堂", "消防通道"])
    found = await h.send("消防通道被杂物堵住", reply_to_message_id=7001, photo_file_id="AgACblock")
    text = text_of(found)
    assert "「消防通道」已签到" in text and "#1" in text and "复查" in text
    async with h.desk.db.session() as session:
        incident = (await session.exec(select(Incident))).one()
        finding = (await session.exec(select(PatrolFinding))).one()
        photos = (await session.exec(select(IncidentPhoto))).all()
    assert (incident.kind, incident.situation, incident.status) == ("patrol_report", "消防通道被杂物堵住", "open")
    assert (finding.incident_id, finding.recheck, finding.problem) == (incident.id, "waiting", True)
    assert len(photos) == 1
    # Nothing is due while the incident is open.
    seen = len(await h.outbox())
    await h.desk.sweep(h.clock.advance(minutes=5))
    assert not [r for r in await group_since(h, seen) if "复查" in r.text]
    await h.send("/close 1 杂物已清走")
    await h.desk.sweep(h.clock.advance(minutes=1))
    [reminder] = [r for r in await group_since(h, seen) if "请到现场复查" in r.text]
    assert "#1" in reminder.text and "杂物已清走" in reminder.text and "按规定" in reminder.text
    seen = len(await h.outbox())
    await h.desk.sweep(h.clock.advance(minutes=61))
    assert len([r for r in await group_since(h, seen) if "请到现场复查" in r.text]) == 1  # reminded until confirmed
    stranger = await h.press(data_of(reminder, "已复查"), user=STRANGER)
    assert stranger.alert
    done = await h.press(data_of(reminder, "已复查"))
    assert "#1 已复查（值班员小李）" in (done.toast or "") and done.replies[0].edit
    assert "已由 值班员小李 复查" in ((await h.press(data_of(reminder, "已复查"))).toast or "")
    seen = len(await h.outbox())
    await h.desk.sweep(h.clock.advance(hours=3))
    assert not [r for r in await group_since(h, seen) if "复查" in r.text]
    async with h.desk.db.session() as session:
        note = (await session.exec(select(IncidentNote))).one()
    assert "复查" in note.text and note.author_id == STAFF.id


async def test_free_text_patrol_reports_via_draft_card(harness: DeskHarness) -> None:
    h = harness
    card, _ = await started_round(h, ["大堂", "天台"])
    offer = await h.send("巡查发现消防通道被堵")
    recorded = await h.press(button_data(offer, "记录"))
    assert recorded.replies[0].edit and "已记入巡查" in recorded.replies[0].text
    assert "#1" in text_of(recorded)
    await h.press(button_data(card, "大堂"))
    await h.press(button_data(card, "天台"))
    closed = await h.send("巡查完毕，一切正常")  # the patroller's own round, fully signed: closed at once
    assert "巡查完毕，发现 1 条" in text_of(closed)
    assert (await rounds(h))[0].status == "done"
    async with h.desk.db.session() as session:
        assert len((await session.exec(select(Incident))).all()) == 1


async def test_clean_report_without_a_round_is_a_duty_log_entry(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    offer = await h.send("巡查完毕，一切正常")
    recorded = await h.press(button_data(offer, "记录"))
    assert "已记录 #1" in text_of(recorded)
    assert GROUP.id < 0
