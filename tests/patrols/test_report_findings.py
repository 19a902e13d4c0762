"""A patrol report that says "done" and names a problem (巡查完毕，天台门未锁) is a finding of the
round, not an all-clear: the hazard is recorded (000 L376, L412) as an incident linked to the round,
re-checked once closed (001 L551), and the round is finished with it. Negations stay all clear."""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage.models import Incident, PatrolFinding
from tests.support import DeskHarness, button_data, text_of
from tests.support.patrols import rounds, started_round

# The colleague's three reports: a fire patrol's unlocked roof door, a broken corridor light in HK
# wording, a fire door propped open in English; with the category each incident is filed under.
REPORTS_WITH_A_PROBLEM = [
    ("消防巡查已完成，天台门未锁", "security"),
    ("巡楼完毕，5座12樓走廊燈壞咗", "equipment"),
    ("night round done, fire door 3F propped open", "equipment"),
]
ALL_CLEAR = ["巡查完毕，门已锁好", "巡楼完毕，无异常", "night round done, no issues"]


async def signed_round(h: DeskHarness) -> None:
    """STAFF's 12:00 round of 消防巡查 with both its points signed: a report may finish it."""
    card, _ = await started_round(h, ["大堂", "天台"])
    await h.press(button_data(card, "大堂"))
    await h.press(button_data(card, "天台"))


async def stored(h: DeskHarness) -> tuple[list[Incident], list[PatrolFinding]]:
    async with h.desk.db.session() as session:
        found = list((await session.exec(select(PatrolFinding))).all())
        return list((await session.exec(select(Incident))).all()), found


@pytest.mark.parametrize(("report", "category"), REPORTS_WITH_A_PROBLEM)
async def test_a_done_report_naming_a_problem_is_a_finding(harness: DeskHarness, report: str, category: str) -> None:
    h = harness
    await signed_round(h)
    offer = await h.send(report)
    card = text_of(offer)
    assert "有发现" in card and "一切正常" not in card and report in card
    assert (await rounds(h))[0].status == "running"  # nothing is recorded before the tap (SPEC §5)
    recorded = await h.press(button_data(offer, "记录"))
    said = text_of(recorded)
    assert "巡查完毕，发现 1 条" in said and "#1" in said and "一切正常" not in said
    assert "复查" in (recorded.toast or "")
    [incident], [finding] = await stored(h)
    assert (incident.kind, incident.situation, incident.category, incident.status) == (
        "patrol_report",
        report,
        category,
        "open",
    )
    assert (finding.problem, finding.incident_id, finding.recheck) == (True, incident.id, "waiting")
    assert finding.text == report
    done = (await rounds(h))[0]
    assert done.status == "done" and finding.round_id == done.id
    # The round's card in the group is edited to show the finding and the round done.
    [edit] = [r for r in await h.outbox(replies=True) if r.method == "edit" and r.edit_message_id == 7001][-1:]
    assert f"发现：{report[:20]}" in edit.text and "→ #1" in edit.text and "已完成" in edit.text


async def test_a_done_report_replying_to_the_card_records_and_finishes(harness: DeskHarness) -> None:
    h = harness
    await signed_round(h)
    out = await h.send("巡查完毕，天台门未锁", reply_to_message_id=7001)
    assert "#1" in text_of(out) and "巡查完毕，发现 1 条" in text_of(out) and "一切正常" not in text_of(out)
    [incident], [finding] = await stored(h)
    assert (finding.problem, finding.incident_id) == (True, incident.id)
    assert (await rounds(h))[0].status == "done"


async def test_points_left_the_finding_is_recorded_and_the_round_runs_on(harness: DeskHarness) -> None:
    h = harness
    card, _ = await started_round(h, ["大堂", "天台"])
    await h.press(button_data(card, "大堂"))
    offer = await h.send("巡查完毕，天台门未锁")
    recorded = await h.press(button_data(offer, "记录"))
    assert "#1" in text_of(recorded) and "还有 1 个点未签到：天台" in text_of(recorded)
    [_], [finding] = await stored(h)
    assert finding.problem and (await rounds(h))[0].status == "running"


async def test_a_finding_said_without_done_leaves_the_round_running(harness: DeskHarness) -> None:
    h = harness
    await signed_round(h)
    offer = await h.send("巡查发现3楼漏水，已处理完毕")  # 处理完毕 is the leak handled, not the round
    assert "巡查发现" in text_of(offer) and "结束本轮" not in text_of(offer)
    await h.press(button_data(offer, "记录"))
    assert (await rounds(h))[0].status == "running"
    [_], [finding] = await stored(h)
    assert finding.problem


@pytest.mark.parametrize("report", ALL_CLEAR)
async def test_a_report_with_no_problem_stays_all_clear(harness: DeskHarness, report: str) -> None:
    h = harness
    await signed_round(h)
    out = await h.send(report)
    assert "巡查完毕，一切正常" in text_of(out)
    assert [b for r in out.replies for line in r.buttons for b in line if "记录" in b.label] == []
    assert await stored(h) == ([], [])
    assert (await rounds(h))[0].status == "done"


# Held out: written at 09:49 UTC before any rule or lexicon change for this task, and not tuned on
# after (the three misses below were left as they are). (text, names a problem). A problem report
# gets the finding draft card; an all-clear one finishes the round at once (here: refused, as
# the round has a point left, so nothing is recorded).
HELD_OUT = [
    ("巡查完毕，B座3楼消防栓玻璃破了", True),
    ("夜巡完成，地下车库有一处漏水", True),
    ("巡楼完毕，10樓後樓梯燈唔著", True),
    ("消防巡查完毕，2号楼安全出口被杂物堵住", True),
    ("巡查完成，配电房门没锁", True),
    ("巡更完畢，天台門冇鎖", True),
    ("patrol done, lift lobby light broken on 5F", True),
    ("fire patrol completed, extinguisher missing at B2", True),
    ("巡查完毕，会所有积水", True),
    ("巡楼完毕，大堂玻璃门有裂痕", True),
    ("消防巡查完成，烟感报警器指示灯不亮", True),
    ("巡楼完毕，各层正常，门窗已锁好", False),
    ("夜巡完成，一切如常", False),
    ("巡查完毕，未发现异常", False),
    ("巡更完成，冇嘢", False),
    ("fire patrol done, all doors locked, nothing unusual", False),
    ("night round complete, no problems found", False),
    ("巡查完毕，消防设施完好，无异常", False),
]
# Measured when the rules were done: 15 of 18 (83 %); before this change 12 of 18 (67 %). Missed:
# 燈唔著 (著 is not read as 着), "extinguisher missing", 会所有积水 (standing water without a fault word).
HELD_OUT_FLOOR = 15


async def test_held_out_reports(harness: DeskHarness) -> None:
    h = harness
    await started_round(h, ["大堂", "天台"])
    right, wrong = 0, []
    for text, problem in HELD_OUT:
        said = text_of(await h.send(text))
        seen_problem = "有发现" in said
        seen_clear = "还有 2 个点未签到" in said  # the all-clear tried to finish the round
        assert seen_problem != seen_clear, (text, said)
        if seen_problem == problem:
            right += 1
        else:
            wrong.append(text)
    assert right >= HELD_OUT_FLOOR, wrong
    assert await stored(h) == ([], []) and (await rounds(h))[0].status == "running"
