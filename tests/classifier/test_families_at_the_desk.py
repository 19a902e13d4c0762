"""Issue 8 at the desk: what the group sees for the round-4 families (a drill notice, a shift
question, a theft at a bay, a fight with an injury)."""

from __future__ import annotations

from sqlmodel import select

from storage.models import Draft, Incident
from tests.support import SUPERVISOR, DeskHarness, button_data


async def drafts(h: DeskHarness) -> list[Draft]:
    async with h.desk.db.session() as session:
        return list((await session.exec(select(Draft))).all())


async def test_drill_notice_and_shift_question_get_no_draft(harness: DeskHarness) -> None:
    await harness.setup_site()
    for text in ("电梯困人演练明天上午10点进行", "明天早上8点接班的是谁？", "后天上午8点到12点2栋停水检修"):
        assert (await harness.send(text)).replies == [], text
    assert await drafts(harness) == []


async def test_theft_at_a_bay_and_a_fight_with_blood_are_drafted_as_such(harness: DeskHarness) -> None:
    await harness.setup_site()
    theft = await harness.send("10栋地下车库B2-035车位业主报电动车被盗")
    fight = await harness.send("两名住户打架，一人头部流血")
    await harness.press(button_data(theft, "记录"), user=SUPERVISOR)
    await harness.press(button_data(fight, "记录"), user=SUPERVISOR)
    async with harness.desk.db.session() as session:
        first, second = (await session.exec(select(Incident).order_by(Incident.id))).all()  # type: ignore[arg-type]
    assert (first.category, first.location) == ("theft", "10栋地下车库B2-035车位")
    assert (second.category, second.severity) == ("fight", "major")  # an injury is major (issue 18 point 1)
