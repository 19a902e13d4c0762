"""XLSX workbooks with openpyxl, written as a stream (write-only mode: memory does not grow with the
rows): one sheet per table, a bold header row of field names (and, optionally, a second one with
the names translated), the header frozen, column widths fitted to the text, typed cells.

Typed cells: numbers and booleans as they are; a time as an Excel date-time in the sheet's time zone
(an aware ``datetime``, or the ISO 8601 text the exports write, ``2026-11-23T10:00:00+08:00``, whose
own offset is already the site's); ``YYYY-MM-DD`` as a date; other text as text, never as a formula
(a resident's ``=HYPERLINK(…)`` stays text: OWASP "CSV injection"). The monthly report writes its
registers and summary with it; ``dutydesk export --format xlsx`` can use the same writer.

    book = Workbook()
    sheet = book.sheet("incidents", fields, labels=translated, zone=ZoneInfo("Asia/Shanghai"))
    for row in rows:
        sheet.append(row)
    data = book.to_bytes()  # or book.save(path)
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook as _Book
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
DATE_FORMAT = "yyyy-mm-dd"
MEASURED_ROWS = 200  # rows read before the column widths are fixed (they must precede the rows)
MIN_WIDTH, MAX_WIDTH = 6, 60
MAX_TEXT = 32_767  # Excel's limit for one cell
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_BOLD = Font(bold=True)
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


def typed(value: Any, zone: ZoneInfo | None = None) -> Any:
    """A value as an XLSX cell value (see the module's docstring)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(zone).replace(tzinfo=None) if zone else value.replace(tzinfo=None)
        return value
    if isinstance(value, date):
        return value
    text = str(value)
    if _ISO_TIME.match(text):
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return moment.replace(tzinfo=None)
    if _ISO_DATE.match(text):
        return date.fromisoformat(text)
    return ILLEGAL_CHARACTERS_RE.sub("", text)[:MAX_TEXT]


def width_of(value: Any) -> int:
    """Display width in Excel's character units: a CJK character takes two."""
    if isinstance(value, datetime):
        return 19
    if isinstance(value, date):
        return 10
    text = "" if value is None else str(value)
    longest = max(text.split("\n"), key=len) if text else ""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in longest)


def sheet_title(title: str) -> str:
    """A valid sheet name: at most 31 characters, none of ``[]:*?/\\``."""
    return _BAD_TITLE.sub("_", title)[:31] or "sheet"


class Sheet:
    """One sheet being written: rows are buffered until the widths are measured, then streamed."""

    def __init__(
        self, ws: WriteOnlyWorksheet, fields: Sequence[str], labels: Sequence[str] | None, zone: ZoneInfo | None
    ) -> None:
        self.ws, self.fields, self.labels, self.zone = ws, tuple(fields), labels, zone
        self._buffer: list[list[Any]] | None = []
        self.rows = 0

    def append(self, row: Mapping[str, Any]) -> None:
        values = [typed(row.get(name), self.zone) for name in self.fields]
        self.rows += 1
        if self._buffer is None:
            self._write(values)
            return
        self._buffer.append(values)
        if len(self._buffer) >= MEASURED_ROWS:
            self.flush()

    def extend(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self.append(row)

    def flush(self) -> None:
        """Fix the widths and the header (once), then write the buffered rows."""
        if self._buffer is None:
            return
        headers = [list(self.fields)] + ([list(self.labels)] if self.labels else [])
        for k in range(len(self.fields)):
            widest = max(width_of(line[k]) for line in [*headers, *self._buffer] if k < len(line))
            self.ws.column_dimensions[get_column_letter(k + 1)].width = min(MAX_WIDTH, max(MIN_WIDTH, widest + 2))
        self.ws.freeze_panes = f"A{len(headers) + 1}"
        for header in headers:
            self.ws.append([self._cell(text, bold=True) for text in header])
        buffered, self._buffer = self._buffer, None
        for values in buffered:
            self._write(values)

    def _write(self, values: list[Any]) -> None:
        # Plain values as they are (openpyxl types them, dates with a date format): a cell object is
        # made only for text that openpyxl would store as a formula. Three times quicker per cell.
        self.ws.append([self._cell(v) if isinstance(v, str) and v.startswith("=") else v for v in values])

    def _cell(self, value: Any, *, bold: bool = False) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.ws, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # text, even when it starts with "=" (never a formula)
        elif isinstance(value, datetime):
            cell.number_format = DATETIME_FORMAT
        elif isinstance(value, date):
            cell.number_format = DATE_FORMAT
        if bold:
            cell.font = _BOLD
        return cell


class Workbook:
    """A workbook written sheet by sheet (write-only: a sheet is finished when the next starts)."""

    def __init__(self) -> None:
        self._book = _Book(write_only=True)
        self._sheets: list[Sheet] = []
        self._titles: set[str] = set()

    def sheet(
        self,
        title: str,
        fields: Sequence[str],
        *,
        labels: Sequence[str] | None = None,
        zone: ZoneInfo | None = None,
    ) -> Sheet:
        """A new sheet with ``fields`` as its header (and ``labels``, the translated names, under it)."""
        if self._sheets:
            self._sheets[-1].flush()
        name = sheet_title(title)
        while name in self._titles:
            name = sheet_title(f"{name[:28]}_{len(self._titles)}")
        self._titles.add(name)
        sheet = Sheet(self._book.create_sheet(name), fields, labels, zone)
        self._sheets.append(sheet)
        return sheet

    def save(self, path: str | Path) -> None:
        self._finish()
        self._book.save(str(path))

    def to_bytes(self) -> bytes:
        self._finish()
        out = io.BytesIO()
        self._book.save(out)
        return out.getvalue()

    def _finish(self) -> None:
        if not self._sheets:
            self.sheet("sheet", ())
        for sheet in self._sheets:
            sheet.flush()
