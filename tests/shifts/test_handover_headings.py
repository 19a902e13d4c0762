"""The handover report's sections share one heading style (issue 19 point 2): 【title】count unit in
Chinese, [Title] count in English, an empty section left out, and no line said twice; every item
line under one bullet ("• " and its mark), a ticket without a unit shown without one."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update
from sqlmodel import col

from storage.models import Site
from tests.support import GROUP, RESIDENT, SUPERVISOR, DeskHarness, text_of
from tests.support.patrols import add_plan
from tests.support.shifts import site_with_roster
from tests.support.tickets import COMPLAINT, NEIGHBOUR, REPAIR, data

HEADING = {
    "zh-Hans": re.compile(r"^【[^】]+】(\d+) [宗条把件轮]$"),
    "zh-Hant": re.compile(r"^【[^】]+】(\d+) [宗條把件輪]$"),
    "en": re.compile(r"^\[[^\]]+\] (\d+)$"),
}
# The sections in the app's order, each with the count the records below give it.
EXPECTED = {
    "zh-Hans": [
        "【未结事件】1 宗",
        "【上级指令】1 条",
        "【在外或待批钥匙】1 把",
        "【未完成业户事务】1 件",
        "【待回访】1 件",
        "【迟巡漏巡】4 轮",
    ],
    "zh-Hant": [
        "【未結事件】1 宗",
        "【上級指令】1 條",
        "【在外或待批鑰匙】1 把",
        "【未完成業戶事務】1 件",
        "【待回訪】1 件",
        "【遲巡漏巡】4 輪",
    ],
    "en": [
        "[Open incidents] 1",
        "[Standing orders] 1",
        "[Keys out or awaiting approval] 1",
        "[Open resident tickets] 1",
        "[Callbacks due] 1",
        "[Late or missed patrols] 4",
    ],
}
NOTES = {"zh-Hans": "【交班说明】", "zh-Hant": "【交更說明】", "en": "[Notes] "}


@pytest.mark.parametrize("language", ["zh-Hans", "zh-Hant", "en"])
async def test_every_section_heading_follows_one_pattern(harness: DeskHarness, language: str) -> None:
    h = harness
    await site_with_roster(h)
    await add_plan(h)  # every 2 h: the rounds nobody walks are late, then missed
    await h.send("/key_add 3-JF 3栋机房 plant", SUPERVISOR)
    await h.send("/order 今晚3栋消防检查，注意配合", SUPERVISOR)
    await h.send("/log 2栋电梯门关不上，已报工程部")
    await h.send("/borrow 3-JF 修水泵")
    await h.dm(COMPLAINT, RESIDENT)  # resolved below: its callback is due
    [card] = [r for r in await h.outbox(replies=True) if r.chat_id == GROUP.id and "打钻" in r.text and r.buttons]
    await h.press(data(card, "已处理"))
    await h.dm(REPAIR, NEIGHBOUR)  # stays open
    for _ in range(8):
        await h.desk.sweep(h.clock.advance(hours=1))
    async with h.desk.db.session() as session:
        await session.exec(update(Site).values(language=language).where(col(Site.code) == "HG"))  # type: ignore[call-overload]
    h.clock.advance(minutes=50)

    report = text_of(await h.send("/handover 对讲机2台齐全，一切正常")).splitlines()

    headings = [line for line in report if line.startswith(("【", "["))]
    counted = [line for line in headings if not line.startswith(NOTES[language]) and "×" not in line]
    assert counted == EXPECTED[language], report
    assert all(HEADING[language].match(line) for line in counted)
    assert not any(line.startswith(("🔑", "📨", "📞", "巡查：", "Patrols:")) for line in report), report
    assert len(report) == len(set(report)), report  # no line said twice
    # Every item under one bullet, then its own mark (⏰ overdue, ❌ missed); a continuation indented.
    body = report[report.index(counted[0]) :]
    items = [line for line in body if not line.startswith(("【", "[", "  "))]
    assert len(items) == 1 + 1 + 1 + 1 + 1 + 4 and all(line.startswith("• ") for line in items), report
    assert any(line.startswith("• ❌ ") for line in items) and any(line.startswith("• ⏰ ") for line in items)
    # A ticket with no unit says none (was "报修·一般 - 待受理", "房号 -").
    assert not any(" - " in line or line.endswith(" -") or "-，" in line or "-," in line for line in items), report
