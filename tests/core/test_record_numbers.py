"""Numbers that can't be confused (issue 19 point 3): each register counts on its own (incident #1,
ticket T1, standing order O1, leave request R1 on one site), the forms people type are read alike by
every command, and the exports carry the forms people see."""

from __future__ import annotations

import pytest

from handlers.core.i18n import Translator
from handlers.core.numbers import RecordRef, record_ref, ref, wrong_kind
from storage.codes import Register
from tests.support import SUPERVISOR, DeskHarness, rows_for, text_of
from tests.support.shifts import TWO_SHIFTS, set_shifts, upload


@pytest.mark.parametrize(
    ("typed", "number", "register", "rest"),
    [
        ("12", 12, None, ""),
        ("#12 已处理", 12, None, "已处理"),
        ("＃12，已处理", 12, None, "已处理"),
        ("１２", 12, None, ""),
        ("T12", 12, Register.TICKET, ""),
        ("t12 满意", 12, Register.TICKET, "满意"),
        ("Ｔ１２", 12, Register.TICKET, ""),
        ("O3", 3, Register.ORDER, ""),
        ("ｏ3：", 3, Register.ORDER, ""),
        ("R5 @zhou", 5, Register.REQUEST, "@zhou"),
        ("\u200bT7 ", 7, Register.TICKET, ""),
    ],
)
def test_every_form_people_type_names_the_same_record(
    typed: str, number: int, register: Register | None, rest: str
) -> None:
    assert record_ref(typed) == (RecordRef(number, register), rest)


@pytest.mark.parametrize("typed", ["", "T", "X12", "T12abc", "1.5", "#x", "T 12", "3栋漏水", "#99999999999999999999"])
def test_what_is_no_number_stays_text(typed: str) -> None:
    assert record_ref(typed)[0] is None


def test_each_register_is_shown_in_its_own_form_in_every_language() -> None:
    assert [ref(r, 12) for r in Register] == ["#12", "T12", "O12", "R12"]
    found = RecordRef(12, Register.TICKET)
    assert wrong_kind(Translator("zh-Hans"), found, Register.INCIDENT) == (
        "T12 是业户事务，不是事件；查看或回复请用 /ticket T12。"
    )
    assert wrong_kind(Translator("zh-Hant"), found, Register.INCIDENT) == (
        "T12 是業戶事務，不是事件；查看或回覆請用 /ticket T12。"
    )
    assert wrong_kind(Translator("en"), found, Register.INCIDENT) == (
        "T12 is a resident ticket, not an incident: see or answer it with /ticket T12."
    )


async def test_a_site_numbers_each_register_from_one_without_gaps(any_harness: DeskHarness) -> None:
    h = any_harness
    await h.setup_site()
    await set_shifts(h, *TWO_SHIFTS)
    assert "✅" in await upload(h, "date,shift,staff\n2026-11-25,D,101\n")
    assert "#1" in text_of(await h.send("/log 3栋大堂漏水"))
    assert "上级指令 O1 已下达" in text_of(await h.send("/order 今晚3栋停水", SUPERVISOR))
    await h.send("/ticket 电话 5栋1202业户来电：厨房水管漏水")
    assert "请假申请 R1" in text_of(await h.send("/leave 11-25 白班 家里有事"))
    assert "#2" in text_of(await h.send("/log 2栋电梯门关不上"))  # the daily log has no gaps
    assert "O2" in text_of(await h.send("/order 明早检查消防栓", SUPERVISOR))
    assert "报修 T1" in text_of(await h.send("/ticket T1"))

    async with h.desk.db.session() as session:
        incidents = await rows_for(session, "incidents")
        tickets = await rows_for(session, "tickets")
        orders = await rows_for(session, "orders")
        requests = await rows_for(session, "shift_requests")
    assert [r["number"] for r in incidents] == [1, 2]  # incidents keep the plain number
    assert [r["number"] for r in tickets] == ["T1"]
    assert [r["number"] for r in orders] == ["O1", "O2"]
    assert [r["number"] for r in requests] == ["R1"]
