"""Uploaded tables (CSV with or without BOM, GB18030, XLSX) read with their line numbers."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from handlers.tables import TableError, read_table


def test_csv_with_bom_and_blank_lines_keeps_spreadsheet_line_numbers() -> None:
    data = "\ufeffDate,Shift,Staff\n2026-12-01,白班,@li\n\n2026-12-02,夜班,101\n".encode()
    rows = read_table(data, "roster.csv")
    assert [(r.line, r.values["staff"]) for r in rows] == [(2, "@li"), (4, "101")]
    assert rows[0].values["date"] == "2026-12-01"


def test_gb18030_csv_from_excel_is_read() -> None:
    rows = read_table("code,label\n3-JF,3栋机房\n".encode("gb18030"), "keys.csv")
    assert rows[0].values == {"code": "3-JF", "label": "3栋机房"}


def test_xlsx_dates_and_numbers_read_as_typed() -> None:
    from datetime import datetime

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["date", "shift", "staff"])
    sheet.append([datetime(2026, 12, 1), "白班", 101.0])
    buffer = io.BytesIO()
    book.save(buffer)
    [row] = read_table(buffer.getvalue(), "Roster.XLSX")
    assert row.line == 2 and row.values == {"date": "2026-12-01", "shift": "白班", "staff": "101"}


@pytest.mark.parametrize(
    ("data", "name", "why"),
    [(b"", "a.csv", "empty"), (b"x", "a.pdf", "unsupported"), (b"not a zip", "a.xlsx", "cannot be read")],
)
def test_bad_files_say_why(data: bytes, name: str, why: str) -> None:
    with pytest.raises(TableError, match=why):
        read_table(data, name)
