"""Register workbooks (handlers/core/export_xlsx.py, openpyxl write-only): what a person typed comes
back exactly as typed — markup characters, quotes, a carriage return, CJK, a sheet name with ``&`` —,
numbers and times come back typed, and a large id keeps every digit."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl

from handlers.core.export_xlsx import Book


def _book() -> bytes:
    book = Book()
    sheet = book.table('A&B "<总>"', ("text", "value", "id", "occurred_at", "date"))
    sheet.append({"text": "a & b < c > d \"e\" 'f'", "value": float("nan"), "id": -1001234567890})
    sheet.append({"text": "第一行\r\n第二行\t制表", "value": 1.25, "occurred_at": datetime(2026, 11, 23, 10, 0, 5)})
    sheet.append({"text": "  两端空格  ", "value": -3, "date": date(2026, 2, 28)})
    return book.to_bytes()


def test_text_comes_back_as_typed_and_numbers_as_numbers() -> None:
    data = _book()
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ['A&B "<总>"']
    rows = list(wb.active.iter_rows(min_row=2, values_only=True))  # type: ignore[union-attr]
    assert rows[0] == ("a & b < c > d \"e\" 'f'", None, -1001234567890, None, None)
    assert rows[1][0] == "第一行\r\n第二行\t制表" and rows[1][1] == 1.25
    assert rows[1][3] == datetime(2026, 11, 23, 10, 0, 5)
    assert rows[2][0] == "  两端空格  " and rows[2][1] == -3 and rows[2][4] == datetime(2026, 2, 28)
    assert wb.active["C2"].number_format == "0"  # type: ignore[index]  # every digit shown, not 1.0E+12
