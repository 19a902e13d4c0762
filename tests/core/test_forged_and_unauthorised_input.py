"""Forged and unauthorised input: invites, the filed button, forged ids, the open list."""

from __future__ import annotations

import pytest
from sqlmodel import select

from handlers.core.messages import Chat, User
from handlers.dutylog.buttons import RecordDraft
from storage.models import Incident, Invite, Member
from tests.support import ADMIN, MANAGER, STAFF, STRANGER, SUPERVISOR, DeskHarness, button_data, text_of

STALE = "此按钮已失效，请重新操作。"


async def rows(h: DeskHarness, model: type) -> list:  # type: ignore[type-arg]
    async with h.desk.db.session() as session:
        return list((await session.exec(select(model))).all())


async def test_an_invite_never_lowers_a_role(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    link = text_of(await h.send("/invite staff", SUPERVISOR))
    code = link.rsplit("start=", 1)[1].strip()
    said = text_of(await h.dm(f"/start {code}", MANAGER))
    assert "不会降低" in said
    roles = {m.telegram_id: m.role for m in await rows(h, Member)}
    assert roles[MANAGER.id] == "manager"
    newcomer = User(id=777, name="新同事", language="zh-hans")  # the invite was for someone else
    assert "✅" in text_of(await h.dm(f"/start {code}", newcomer))


async def test_an_invite_stops_working_when_its_maker_is_removed(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    code = text_of(await h.send("/invite supervisor", SUPERVISOR)).rsplit("start=", 1)[1].strip()
    assert "已移除" in text_of(await h.send(f"/remove {SUPERVISOR.id}", MANAGER))
    assert "无效" in text_of(await h.dm(f"/start {code}", STRANGER))
    [invite] = [i for i in await rows(h, Invite) if i.code == code]
    assert invite.used_by is None


async def test_the_filed_button_applies_the_commands_checks(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    await h.send("/log 3栋大堂漏水")
    [incident] = await rows(h, Incident)
    pressed = await h.press(f"1|inc.filed|{incident.id}", user=STAFF, chat=Chat(id=STAFF.id, private=True))
    assert "不是重大事件" in (pressed.toast or "")
    assert (await rows(h, Incident))[0].report_filed_at is None


@pytest.mark.parametrize(
    "data",
    [
        "1|inc.cat|99999999999999999999999",  # above 64 bits
        "1|inc.setsev|18446744073709551616|normal",
        "1|esc.ack|9223372036854775808",
        "1|inc.filed|-1",
        "1|dr.rec|1e3",
        "1|inc.major|０",
        "1|inc.major|",
    ],
)
async def test_forged_ids_are_expired_buttons_without_a_fault(any_harness: DeskHarness, data: str) -> None:
    h = any_harness
    await h.setup_site()
    await h.send("/log 门禁故障")
    out = await h.press(data, user=SUPERVISOR)
    assert out.toast == STALE and not out.alert
    private = await h.press(data, user=SUPERVISOR, chat=Chat(id=SUPERVISOR.id, private=True))
    assert private.toast == STALE


async def test_a_button_with_an_extra_or_unknown_argument_is_an_expired_one(harness: DeskHarness) -> None:
    """Typed button data: an argument too many, or a severity or category this version does not know,
    changes nothing (the card's 标为重大 with a trailing argument used to escalate)."""
    h = harness
    await h.setup_site()
    await h.send("/log 门禁故障")
    [before] = await rows(h, Incident)
    for data in (
        f"1|inc.major|{before.id}|now",
        f"1|inc.setsev|{before.id}|catastrophic",
        f"1|inc.setcat|{before.id}|volcano",
        f"1|esc.ack|{before.id}|{before.id}",
    ):
        out = await h.press(data, user=SUPERVISOR)
        assert out.toast == STALE and not out.alert, data
    [after] = await rows(h, Incident)
    assert (after.severity, after.category, after.escalation) == (before.severity, before.category, "none")
    assert after.severity != "major"


async def test_a_stranger_is_refused_before_any_lookup(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    out = await h.press("1|esc.ack|99999999999999999999999", user=STRANGER, chat=Chat(id=STRANGER.id, private=True))
    assert out.alert and out.toast != STALE
    assert (await h.press("1|inc.cat|1", user=STRANGER)).alert


def test_a_button_id_is_a_plain_decimal_within_64_bits() -> None:
    assert RecordDraft.parse(["9223372036854775807"]) == RecordDraft(draft=2**63 - 1)
    assert RecordDraft.parse(["9223372036854775808"]) is None  # beyond BIGINT: no record, never queried
    for forged in (["0"], ["+5"], [" 5"], ["٥"], [], ["5", "6"]):
        assert RecordDraft.parse(forged) is None, forged


async def test_incidents_shows_every_open_major_one_and_says_what_is_left_out(any_harness: DeskHarness) -> None:
    h = any_harness
    await h.setup_site()
    await h.send("/log 5栋12楼起火，浓烟很大，有住户被困")  # #1, the oldest
    for i in range(30):
        await h.send(f"/log {i + 2}号车位有车乱停")
        h.clock.advance(seconds=1)
    first = text_of(await h.send("/incidents"))
    header = first.splitlines()
    assert "共 31 条" in header[0] and "还有 1 条" in header[1] and "/incidents 2" in header[1]
    assert "#1 [重大]" in header[2]
    assert first.count("\n#") == 30 and "#2 [" not in first  # #2 is the oldest normal one
    second = text_of(await h.send("/incidents 2"))
    assert "#2 [" in second and "#1 [" not in second and "还有" not in second


async def test_admin_is_told_it_is_an_expired_button_too(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    out = await h.press("1|inc.cat|99999999999999999999999", user=ADMIN)
    assert out.toast == STALE
    card = await h.send("/log 门禁故障")
    assert button_data(card, "改类别")
