"""Quarterly and annual summaries (000 L76): the fourth quarter of 2026 at HG (October of
tests/support/reports plus November and December) against figures worked out by hand, the year,
``/report 2026-Q4`` and ``/report 2026`` in private (a supervisor or above), the timers on the 1st
of a quarter and of a year (managers only), and ``dutydesk report quarterly|annual``."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlmodel import select

from bot.cli import main
from handlers.core.operator import AdminError
from handlers.reports.figures import Figures, Rate, read
from handlers.reports.operator import parse, write_report
from handlers.reports.periods import Month, Period, Quarter, Year, parse_period
from storage.models import Site, Upload
from tests.support import MANAGER, STAFF, SUPERVISOR, DeskHarness, text_of
from tests.support.reports import october, rest_of_the_quarter

SHANGHAI = ZoneInfo("Asia/Shanghai")
Q4 = Quarter(2026, 4)


async def _quarter(h: DeskHarness) -> None:
    await h.setup_site()
    async with h.desk.db.session() as session:
        await october(session)
    async with h.desk.db.session() as session:
        await rest_of_the_quarter(session)


async def _figures(h: DeskHarness, period: Period) -> Figures:
    async with h.desk.db.session() as session:
        site = (await session.exec(select(Site).where(Site.code == "HG"))).one()
        return await read(session, site, period, h.clock.now)


def test_period_strings() -> None:
    assert parse_period("2026-Q3") == Quarter(2026, 3) and parse_period("2026-q1") == Quarter(2026, 1)
    assert parse_period("2026") == Year(2026) and parse_period("2026-11") == Month(2026, 11)
    for bad in ("2026-Q5", "2026-Q0", "26", "02026", "2026Q3", "Q3", "1999", ""):
        assert parse_period(bad) is None, bad
    assert Quarter(2026, 1).previous == Quarter(2025, 4) and Year(2026).previous == Year(2025)
    assert [m.label for m in Q4.months] == ["2026-10", "2026-11", "2026-12"]
    # Bounds on the site's calendar: the quarter starts at midnight of 1 October in Shanghai.
    assert Q4.start(SHANGHAI) == datetime(2026, 9, 30, 16, tzinfo=UTC)
    assert Q4.end(SHANGHAI) == Year(2026).end(SHANGHAI) == datetime(2026, 12, 31, 16, tzinfo=UTC)
    assert Quarter.of(datetime(2026, 9, 30, 16, 30, tzinfo=UTC), SHANGHAI) == Q4
    with pytest.raises(AdminError, match=r"write YYYY-Qn, e\.g\. 2026-Q3"):
        parse("quarter", "2026-Q5")
    with pytest.raises(AdminError, match=r"write YYYY, e\.g\. 2026"):
        parse("year", "26")


async def test_quarter_and_year_figures_match_the_figures_worked_out_by_hand(any_harness: DeskHarness) -> None:
    await _quarter(any_harness)
    q = await _figures(any_harness, Q4)
    # Incidents: October's 5 (1 major, 4 closed after 2, 4, 1, 6 h), 10 November (closed after 8 h),
    # 23:30 on 31 December (major, open); 00:30 on 1 January 2027 is next year's; 30 September is Q3's.
    assert (q.incident_total, q.majors, q.incident_closed) == (7, 2, 5)
    assert q.by_category == {"water": 4, "fire": 2, "theft": 1}
    assert q.incident_median_close_s == pytest.approx(4 * 3600, abs=1)  # 1 2 [4] 6 8 hours
    # Tickets: October's 6 and November's repair done in 2 h (on time).
    assert q.received == 7 and q.tickets["repair"] == 3
    assert q.timeliness == Rate(4, 6) and q.sla_breaches == 2
    assert q.complaint_validity == Rate(1, 4)
    # Callbacks: October's 4 due (one void) and 3 done, December's done and satisfied.
    assert q.callback_rate == Rate(4, 5) and q.satisfaction == Rate(3, 4)
    assert q.loans == {"lent": 3, "returned": 2, "overdue": 2} and q.patrol_on_time == Rate(2, 4)
    # Tickets by month for the chart: (received, deadline decided, on time).
    assert (q.kind, q.month, q.part_numbers) == ("quarter", "2026-Q4", [10, 11, 12])
    assert q.parts == [(6, 5, 3), (1, 1, 1), (0, 0, 0)]
    q3 = await _figures(any_harness, Q4.previous)
    assert (q3.month, q3.incident_total, q3.received) == ("2026-Q3", 1, 0)
    year = await _figures(any_harness, Year(2026))
    assert (year.month, year.incident_total, year.received, year.callbacks_done) == ("2026", 8, 7, 4)
    assert year.part_numbers == list(range(1, 13)) and year.parts[8:] == [(0, 0, 0), (6, 5, 3), (1, 1, 1), (0, 0, 0)]
    assert (await _figures(any_harness, Year(2027))).incident_total == 1


async def test_quarterly_report_in_private_goes_to_the_supervisor_who_asked(any_harness: DeskHarness) -> None:
    harness = any_harness
    await _quarter(harness)
    refused = text_of(await harness.dm("/report 2026-Q4", STAFF))
    assert "主管" in refused
    assert "用法" in text_of(await harness.dm("/report 2026-Q5", SUPERVISOR))
    assert not [r for r in await harness.outbox() if r.purpose == "report"]
    await harness.dm("/report 2026-Q4", SUPERVISOR)
    rows = [r for r in await harness.outbox() if r.purpose == "report"]
    assert {r.chat_id for r in rows} == {SUPERVISOR.id}
    assert [r.method for r in rows] == ["send", "photo", "photo", "photo", "photo", "document"]
    text = rows[0].text
    assert "华庭花园 2026-Q4 季度汇总" in text
    assert "事件 7 起（重大 2），已结 5；登记到结案的中位时长 4.0 小时" in text
    assert "处理及时率 66.7%（4/6）" in text and "回访率 80.0%（4/5）" in text and "满意率 75.0%（3/4）" in text
    assert "与上季度（2026-Q3）比：事件 +6，工单 +7" in text
    assert rows[2].text == "工单按月与按时比例"  # the tickets chart is by month
    async with harness.desk.db.session() as session:
        files = {u.name: u.data for u in (await session.exec(select(Upload))).all()}
    assert "HG-2026-Q4.xlsx" in files and "HG-2026-Q4-tickets.png" in files
    wb = openpyxl.load_workbook(io.BytesIO(files["HG-2026-Q4.xlsx"]))
    assert wb.sheetnames == ["汇总", "按月"]  # no register rows: the figures, and the same by month
    summary = wb["汇总"]
    assert [c.value for c in summary[2]][1:3] == ["本季度", "上季度"]
    rows_ = {row[0]: row[1:] for row in summary.iter_rows(min_row=3, values_only=True)}
    assert rows_["事件数"][:3] == (7, 1, 6) and rows_["处理及时率（%）"][:5] == (66.7, None, None, 4, 6)
    by_month = wb["按月"]
    assert [c.value for c in by_month[1]] == ["item", "2026-10", "2026-11", "2026-12"]
    months = {row[0]: row[1:] for row in by_month.iter_rows(min_row=3, values_only=True)}
    assert months["事件数"] == (5, 1, 1) and months["工单数"] == (6, 1, 0)
    assert months["事件：火警"] == (1, None, 1)  # no fire in November


async def test_annual_report_and_an_empty_year(harness: DeskHarness) -> None:
    await _quarter(harness)
    await harness.dm("/report 2026", MANAGER)
    await harness.dm("/report 2024", MANAGER)
    rows = [r for r in await harness.outbox() if r.chat_id == MANAGER.id and r.purpose == "report"]
    texts = [r.text for r in rows if r.method == "send"]
    assert "华庭花园 2026 年度汇总" in texts[0] and "与上一年（2025）比：事件 +8" in texts[0]
    assert "2024 年没有任何记录" in texts[1]
    assert sum(r.method == "document" for r in rows) == 1 and sum(r.method == "photo" for r in rows) == 4


async def test_summaries_go_to_the_managers_on_the_first_of_a_quarter_and_of_a_year(harness: DeskHarness) -> None:
    await _quarter(harness)
    harness.clock.now = datetime(2027, 1, 1, 0, 59, tzinfo=UTC)  # 08:59 on 1 January site time
    await harness.desk.sweep()
    assert not [r for r in await harness.outbox() if r.purpose == "report"]
    await harness.desk.sweep(harness.clock.advance(minutes=1))  # 09:00: December, Q4 and 2026
    rows = [r for r in await harness.outbox() if r.purpose == "report" and r.method == "send"]
    heads = {(r.chat_id, r.text.split("\n")[0]) for r in rows}
    assert heads == {
        (MANAGER.id, "📊 华庭花园 2026-12 月度统计"),
        (SUPERVISOR.id, "📊 华庭花园 2026-12 月度统计"),
        (MANAGER.id, "📊 华庭花园 2026-Q4 季度汇总"),
        (MANAGER.id, "📊 华庭花园 2026 年度汇总"),
    }  # the summaries go to the superior (000 L76): the managers; the supervisors have the months
    await harness.desk.sweep(harness.clock.advance(days=1))  # once
    assert len([r for r in await harness.outbox() if r.purpose == "report" and r.method == "send"]) == 4
    harness.clock.now = datetime(2027, 2, 1, 1, 0, tzinfo=UTC)  # 1 February: the month only
    await harness.desk.sweep()
    sent = [r.text.split("\n")[0] for r in await harness.outbox() if r.purpose == "report" and r.method == "send"]
    assert len(sent) == 6 and sent[-1].endswith("2027-01 月度统计")


async def test_cli_writes_the_quarter_and_the_year(harness: DeskHarness, tmp_path: Path) -> None:
    await _quarter(harness)
    said = await write_report(harness.desk.db, Q4, "HG", tmp_path, harness.clock.now)
    assert "wrote 6 files" in said
    assert (tmp_path / "HG-2026-Q4.txt").read_text(encoding="utf-8").startswith("📊 华庭花园 2026-Q4 季度汇总")
    assert openpyxl.load_workbook(tmp_path / "HG-2026-Q4.xlsx").sheetnames == ["汇总", "按月"]
    await write_report(harness.desk.db, Year(2026), None, tmp_path, harness.clock.now)
    assert openpyxl.load_workbook(tmp_path / "HG-2026.xlsx")["按月"].max_column == 13


@pytest.mark.parametrize(
    ("language", "argv", "said"),
    [
        ("en", ["quarterly", "--quarter", "2026-Q5"], "bad quarter '2026-Q5': write YYYY-Qn, e.g. 2026-Q3"),
        ("en", ["annual", "--year", "26"], "bad year '26': write YYYY, e.g. 2026"),
        ("en", ["monthly", "--month", "2026-13"], "bad month '2026-13': write YYYY-MM, e.g. 2026-11"),
        ("zh-Hans", ["quarterly", "--quarter", "2026-Q5"], "季度写法不对：'2026-Q5'；请写成 YYYY-Qn，例如 2026-Q3"),
        ("zh-Hant", ["annual", "--year", "26"], "年份寫法不對：'26'；請寫成 YYYY，例如 2026"),
    ],
)
def test_cli_refuses_a_bad_period_in_one_line(
    language: str,
    argv: list[str],
    said: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In the command line's language (DUTYDESK_LANGUAGE), before any database is opened."""
    monkeypatch.setenv("DUTYDESK_LANGUAGE", language)
    database = f"sqlite+aiosqlite:///{tmp_path}/none.db"
    assert main(["report", *argv, "--out", str(tmp_path), "--database", database]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [f"dutydesk: {said}"]


def test_cli_help_names_each_period(capsys: pytest.CaptureFixture[str]) -> None:
    for verb, form in (("monthly", "--month YYYY-MM"), ("quarterly", "--quarter YYYY-Qn"), ("annual", "--year YYYY")):
        with pytest.raises(SystemExit):
            main(["report", verb, "--help"])
        assert form in capsys.readouterr().out
