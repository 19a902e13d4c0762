"""Monthly statistics: the rates of a month of records against figures worked out by hand, the
charts (PNG size, CJK labels drawn with a font that has the glyphs), the workbook (sheets, headers,
typed cells), `/report` and `/stats` and who may ask, bad input, and the timer on the 1st."""

from __future__ import annotations

import io
import warnings
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font
from PIL import Image
from sqlmodel import select

import handlers.reports.charts as charts
from handlers.core.export_xlsx import Book
from handlers.core.i18n import Translator
from handlers.core.messages import Chat
from handlers.core.operator import AdminError
from handlers.reports.figures import Figures, Rate, read
from handlers.reports.fonts import FAMILY
from handlers.reports.operator import write_monthly
from handlers.reports.periods import Month
from storage.models import Site, StandingOrder, Upload, require_id
from tests.support import ADMIN, GROUP, MANAGER, STAFF, SUPERVISOR, DeskHarness, text_of
from tests.support.reports import october

OCTOBER = Month(2026, 10)
SHANGHAI = ZoneInfo("Asia/Shanghai")
HB_GROUP = Chat(id=-100600, private=False, title="另一个值班群")


async def _october(h: DeskHarness) -> None:
    await h.setup_site()
    async with h.desk.db.session() as session:
        await october(session)


async def _figures(h: DeskHarness, month: Month = OCTOBER) -> Figures:
    async with h.desk.db.session() as session:
        site = (await session.exec(select(Site).where(Site.code == "HG"))).one()
        return await read(session, site, month, h.clock.now)


async def test_rates_of_october_match_the_figures_worked_out_by_hand(any_harness: DeskHarness) -> None:
    await _october(any_harness)
    f = await _figures(any_harness)
    # Incidents: 3 water, 1 fire (major), 1 theft at 23:30 on the 31st site time; September's 23:30
    # on the 30th is not October's. Closed after 2 h, 4 h, 1 h, 6 h: median (2 + 4) / 2 = 3 h.
    assert f.by_category == {"water": 3, "fire": 1, "theft": 1}
    assert (f.incident_total, f.majors, f.incident_closed) == (5, 1, 4)
    assert f.incident_median_close_s == pytest.approx(3 * 3600, abs=1)
    # Complaints T1 T2 T3 T6: only T1 is done, never reopened and not rated unsatisfied (003 L23).
    assert f.complaint_validity == Rate(1, 4) and f.complaint_validity.percent() == "25.0%"
    # Deadline decided for T1 T2 T3 T4 T6 (T5's is in 2099); done by it: T1 T4 T6.
    assert f.timeliness == Rate(3, 5) and f.timeliness.percent() == "60.0%"
    assert f.sla_breaches == 2
    # Callbacks: 5 started, 1 void; 3 done (003 L63). Rated: satisfied, basic, unsatisfied.
    assert f.callback_rate == Rate(3, 4)
    assert f.satisfaction == Rate(2, 3) and f.satisfaction.percent() == "66.7%"
    # Keys: returned on time, returned at 21:00 (due 18:00), still out: 2 overdue of 3.
    assert f.loans == {"lent": 3, "returned": 2, "overdue": 2} and f.key_overdue == 2
    # Patrols: 夜巡 on time once of 3 (late, missed; the manual round left out), 消防巡查 1 of 1.
    assert [(p.plan, p.rounds, p.on_time, p.late, p.missed) for p in f.plans] == [
        ("夜巡", 3, 1, 2, 1),
        ("消防巡查", 1, 1, 0, 0),
    ]
    assert f.patrol_on_time == Rate(2, 4)
    assert (f.problems, f.rechecked) == (2, 1)
    september = await _figures(any_harness, OCTOBER.previous)
    assert september.incident_total == 1 and september.received == 0


async def test_an_empty_month_has_no_rates_rather_than_a_crash(harness: DeskHarness) -> None:
    await harness.setup_site()
    f = await _figures(harness, Month(2026, 8))
    assert f.is_empty and f.timeliness.value is None and f.timeliness.percent() == "—"


def test_month_strings() -> None:
    assert Month.parse("2026-11") == Month(2026, 11) and Month.parse(" 2026-1 ") == Month(2026, 1)
    for bad in ("2026-13", "2026-00", "26-11", "2026/11", "november", "", "2026-11-01"):
        assert Month.parse(bad) is None, bad
    assert Month(2026, 1).previous == Month(2025, 12) and Month(2026, 12).next == Month(2027, 1)
    assert Month.previous_of(datetime(2026, 11, 30, 16, 30, tzinfo=UTC), SHANGHAI) == Month(2026, 11)


async def test_charts_are_pngs_of_the_expected_size_with_cjk_glyphs(harness: DeskHarness) -> None:
    await _october(harness)
    f = await _figures(harness)
    t = Translator("zh-Hans")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)" when it draws tofu
        pictures = {name: charts.draw(chart, f, t) for name, chart in charts.MONTHLY}
        board = charts.dashboard(f, t)
    for data in pictures.values():
        assert Image.open(io.BytesIO(data)).size == (800, 450)
    assert Image.open(io.BytesIO(board)).size == (1000, 750)
    # The font matplotlib picks for the labels has every glyph of a Chinese label (no missing-glyph box).
    path = font_manager.findfont(font_manager.FontProperties(family=FAMILY), fallback_to_default=False)
    font = FT2Font(path)
    for text in (
        t("cat.water"),
        t("rp.chart.incidents", month="2026-10"),
        "夜巡消防巡查",
        Translator("zh-Hant")("rp.chart.week", n=1),
    ):
        assert all(font.get_char_index(ord(ch)) != 0 for ch in text if not ch.isascii()), text
    # Without that font the same label would be boxes: DejaVu Sans has no 水.
    dejavu = FT2Font(font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans")))
    assert dejavu.get_char_index(ord("水")) == 0


def test_workbook_cells_are_typed_and_never_formulas() -> None:
    """The report's workbook is the export's writer (handlers.core.export_xlsx): a table with its own
    translated header, a register with the field names translated, typed cells, never a formula."""
    book = Book()
    sheet = book.table(
        "incidents", ("number", "occurred_at", "date", "text", "ok"), labels=("编号", "时间", "日期", "内容", "是")
    )
    sheet.append(
        {"number": 7, "occurred_at": "2026-11-23T10:00:00+08:00", "date": "2026-11-23", "text": "=HYPERLINK(1)",
         "ok": True}
    )  # fmt: skip
    sheet.append({"number": 8, "occurred_at": datetime(2026, 11, 23, 10, tzinfo=SHANGHAI), "text": "很长的说明" * 30})
    second = book.register("incidents", ("number", "occurred_at"), language="zh-Hans")  # the same name again
    second.append({"number": 1.5})
    wb = openpyxl.load_workbook(io.BytesIO(book.to_bytes()))
    assert len(wb.sheetnames) == 2 and wb.sheetnames[0] == "incidents"
    ws = wb["incidents"]
    assert [c.value for c in ws[1]] == ["number", "occurred_at", "date", "text", "ok"]
    assert [c.value for c in ws[2]] == ["编号", "时间", "日期", "内容", "是"]
    assert ws.freeze_panes == "A3"
    assert ws["A3"].value == 7 and ws["A3"].data_type == "n"
    assert ws["B3"].value == datetime(2026, 11, 23, 10, 0) and ws["B3"].is_date
    assert ws["C3"].value == datetime(2026, 11, 23, 0, 0) and ws["C3"].is_date
    assert ws["D3"].value == "=HYPERLINK(1)" and ws["D3"].data_type == "s" and ws["D3"].quotePrefix
    assert ws["E3"].value is True
    assert ws["B4"].value == datetime(2026, 11, 23, 10, 0)  # an aware time: written on its own clock
    assert ws.column_dimensions["D"].width == 60  # fitted, capped
    assert ws.column_dimensions["A"].width < 12
    other = wb[wb.sheetnames[1]]
    assert [c.value for c in other[2]] == ["编号", "发生时间"]  # a register: its field names translated


async def test_report_in_private_sends_message_charts_and_workbook_to_the_supervisor(
    any_harness: DeskHarness,
) -> None:
    harness = any_harness  # PostgreSQL too: the files are kept as bytea until sent
    await _october(harness)
    async with harness.desk.db.session() as session:
        site = (await session.exec(select(Site).where(Site.code == "HG"))).one()
        for number, day, text in (
            (1, datetime(2026, 10, 8, 2, tzinfo=UTC), "十月的指令"),
            (2, datetime(2026, 11, 8, 2, tzinfo=UTC), "十一月的指令"),
        ):
            session.add(StandingOrder(site_id=require_id(site), number=number, text=text, issued_by=301,
                                      issued_name="经理张生", issued_at=day))  # fmt: skip
        await session.commit()
    out = await harness.dm("/report 2026-10", SUPERVISOR)
    assert out.replies == [] or not text_of(out)
    rows = [r for r in await harness.outbox() if r.chat_id == SUPERVISOR.id and r.purpose == "report"]
    assert [r.method for r in rows] == ["send", "photo", "photo", "photo", "photo", "document"]
    text = rows[0].text
    assert "华庭花园 2026-10 月度统计" in text
    assert "事件 5 起（重大 1），已结 4；登记到结案的中位时长 3.0 小时" in text
    assert "按类别：水浸漏水 3，火警 1，失窃 1；按级别：" in text and "重大 1" in text
    assert "工单 6 张（处理中位 2.0 小时）" in text  # 2 h, 2 h, 2 h and 50 h
    assert "投诉有效率 25.0%（1/4）" in text and "处理及时率 60.0%（3/5）" in text and "超时 2 张" in text
    assert "回访率 75.0%（3/4）" in text and "满意率 66.7%（2/3）" in text
    assert "钥匙逾期 2 次" in text and "巡查准时率 50.0%（2/4）" in text and "不合格项 2 项（已复查 1）" in text
    assert "与上月（2026-09）比：事件 +4" in text
    assert "投诉有效率 = " in text  # the definitions travel with the figures
    async with harness.desk.db.session() as session:
        files = {u.name: u.data for u in (await session.exec(select(Upload))).all()}
    assert sorted(files) == sorted(
        ["HG-2026-10-incidents.png", "HG-2026-10-tickets.png", "HG-2026-10-satisfaction.png",
         "HG-2026-10-patrols.png", "HG-2026-10.xlsx"]
    )  # fmt: skip
    wb = openpyxl.load_workbook(io.BytesIO(files["HG-2026-10.xlsx"]))
    assert wb.sheetnames == [
        "汇总", "incidents", "tickets", "callbacks", "key_loans", "patrols", "handovers", "orders", "duty_days"
    ]  # fmt: skip
    orders = list(wb["orders"].iter_rows(min_row=3, values_only=True))
    assert [(r[0], r[2]) for r in orders] == [("O1", "十月的指令")]  # October's order; November's is not the month's
    assert wb["orders"]["A2"].value == "指令编号"  # the export's columns, translated
    summary = {row[0]: row[1:] for row in wb["汇总"].iter_rows(min_row=3, values_only=True)}
    assert summary["投诉有效率（%）"][:5] == (25.0, None, None, 1, 4)
    assert summary["事件数"][:3] == (5, 1, 4)
    incidents = wb["incidents"]
    assert [c.value for c in incidents[1]][:3] == ["number", "occurred_at", "logged_at"]
    assert [c.value for c in incidents[2]][:2] == ["编号", "发生时间"]  # the export's translated header row
    assert incidents.freeze_panes == "A3"
    entries = list(incidents.iter_rows(min_row=3, values_only=True))
    assert [r[0] for r in entries] == [1, 2, 3, 4, 5]  # numbers as numbers; September's entry (#6) left out
    assert entries[-1][1] == datetime(2026, 10, 31, 23, 30)  # a date-time cell, on the site's clock
    assert len(list(wb["tickets"].iter_rows(min_row=3))) == 6 and len(list(wb["callbacks"].iter_rows(min_row=3))) == 5
    loans = wb["key_loans"]
    overdue = [c.value for c in loans[1]].index("overdue")
    assert [r[overdue] for r in loans.iter_rows(min_row=3, values_only=True)] == [False, True, True]
    rounds = list(wb["patrols"].iter_rows(min_row=3, values_only=True))
    assert [(r[0], r[3], r[4]) for r in rounds][:3] == [
        ("夜巡", "done", False),
        ("消防巡查", "done", False),
        ("夜巡", "done", True),
    ]


async def test_who_may_ask_and_bad_input(harness: DeskHarness) -> None:
    await _october(harness)
    refused = text_of(await harness.dm("/report 2026-10", STAFF))
    assert "主管" in refused
    assert "用法" in text_of(await harness.dm("/report 2026-13", SUPERVISOR))
    assert "用法" in text_of(await harness.dm("/report 十月", SUPERVISOR))
    # A second site, HB, where the supervisor has no role: nothing of it for them.
    await harness.send("/setup HB 滨海花园", ADMIN, HB_GROUP)
    before = len(await harness.outbox())
    answer = text_of(await harness.dm("/report 2026-10 HB", SUPERVISOR))
    assert "HB" in answer and "❌" in answer
    assert len(await harness.outbox()) == before
    # Without a code the supervisor gets their own site only, and of the month before by default.
    await harness.dm("/report", SUPERVISOR)
    texts = [r.text for r in await harness.outbox() if r.chat_id == SUPERVISOR.id and r.method == "send"]
    assert any("华庭花园 2026-10" in x for x in texts) and not any("滨海花园" in x for x in texts)


async def test_empty_month_report_says_so(harness: DeskHarness) -> None:
    await _october(harness)
    await harness.dm("/report 2026-08", MANAGER)
    rows = [r for r in await harness.outbox() if r.chat_id == MANAGER.id]
    assert [r.method for r in rows] == ["send"]
    assert "2026-08 没有任何记录" in rows[0].text


async def test_stats_in_the_duty_group_is_one_chart_and_three_lines(harness: DeskHarness) -> None:
    await _october(harness)
    harness.clock.now = datetime(2026, 10, 31, 15, 45, tzinfo=UTC)  # 23:45 on the 31st site time: October so far
    await harness.send("/stats")
    [row] = [r for r in await harness.outbox() if r.chat_id == GROUP.id and r.method == "photo"]
    lines = row.text.split("\n")
    assert len(lines) == 3
    assert lines[0] == "📈 2026-10 至今：事件 5 起（重大 1，未结 1）"
    assert "及时率 60.0%" in lines[1] and "巡查准时率 50.0%" in lines[2]
    async with harness.desk.db.session() as session:
        png = (await session.exec(select(Upload))).one().data
    assert Image.open(io.BytesIO(png)).size == (1000, 750)


async def test_monthly_timer_on_the_first_at_the_policy_hour(harness: DeskHarness) -> None:
    await _october(harness)
    harness.clock.now = datetime(2026, 11, 1, 0, 59, tzinfo=UTC)  # 08:59 on the 1st site time
    await harness.desk.sweep()
    assert not [r for r in await harness.outbox() if r.purpose == "report"]
    await harness.desk.sweep(harness.clock.advance(minutes=1))  # 09:00
    rows = [r for r in await harness.outbox() if r.purpose == "report"]
    assert {r.chat_id for r in rows} == {SUPERVISOR.id, MANAGER.id}
    assert sum(r.method == "document" for r in rows) == 2 and sum(r.method == "photo" for r in rows) == 8
    assert any("2026-10 月度统计" in r.text for r in rows if r.chat_id == MANAGER.id)
    await harness.desk.sweep(harness.clock.advance(days=1))  # once a month
    assert len([r for r in await harness.outbox() if r.purpose == "report"]) == len(rows)
    assert STAFF.id not in {r.chat_id for r in await harness.outbox() if r.purpose == "report"}


async def test_cli_writes_the_same_files(harness: DeskHarness, tmp_path: Path) -> None:
    await _october(harness)
    said = await write_monthly(harness.desk.db, "2026-10", "HG", tmp_path, harness.clock.now)
    assert "wrote 6 files" in said
    assert (tmp_path / "HG-2026-10.txt").read_text(encoding="utf-8").startswith("📊 华庭花园 2026-10")
    assert Image.open(tmp_path / "HG-2026-10-patrols.png").size == (800, 450)
    assert openpyxl.load_workbook(tmp_path / "HG-2026-10.xlsx").sheetnames[0] == "汇总"
    with pytest.raises(AdminError, match="bad month"):
        await write_monthly(harness.desk.db, "2026-13", None, tmp_path, harness.clock.now)
    with pytest.raises(AdminError, match="no site"):
        await write_monthly(harness.desk.db, "2026-10", "XX", tmp_path, harness.clock.now)


async def test_an_admin_gets_every_site_with_one_drawing_pass(harness: DeskHarness) -> None:
    await _october(harness)
    await harness.send("/setup HB 滨海花园", ADMIN, HB_GROUP)
    await harness.dm("/report 2026-10", ADMIN)
    rows = [r for r in await harness.outbox() if r.chat_id == ADMIN.id and r.purpose == "report"]
    texts = [r.text for r in rows if r.method == "send"]
    assert len(texts) == 2 and "华庭花园 2026-10" in texts[0] and "滨海花园 2026-10" in texts[1]
    assert "没有任何记录" in texts[1]  # HB has no records: said, no files
    assert sum(r.method == "photo" for r in rows) == 4 and sum(r.method == "document" for r in rows) == 1
