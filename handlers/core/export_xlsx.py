"""Registers as XLSX (``dutydesk export KIND --format xlsx``, ``/export KIND``, the report's workbook),
written as a stream (``handlers.core.xlsx_package``): the rows go to a temporary file as they come,
so memory does not grow with them.

One sheet named after the kind; row 1 holds the stable keys of docs/exports.md, row 2 (zh-Hans and
zh-Hant) the same names translated (``xf.<field>``, or ``xk.<kind>.<field>`` where a kind means
something else by it); the header rows are bold and frozen. Column widths fit the header and the
first :data:`MEASURED_ROWS` rows (a CJK character counts two; a long text is capped at
:data:`MAX_WIDTH`): the widths precede the rows in the file, so they are fixed before the rest streams.

Typed cells: numbers and booleans as they are; in a time column (``*_at``, ``date``, ``shift_date``,
``week``) the ISO 8601 text of the export, already on the site's clock with its offset (or an aware
``datetime`` given on that clock), becomes an
Excel date-time on that clock (Excel has no zone: ``2026-11-23T10:00:00+08:00`` is 2026-11-23 10:00:00),
``YYYY-MM-DD`` a date. Every other value is text, and text never runs as a formula: what a spreadsheet
would take for one (``handlers.core.exports.FORMULA_STARTS``) is stored as a string cell with Excel's
quote prefix — what Excel itself keeps when someone types ``'=…`` — so it shows as typed, even after
the cell is edited (the guarantee ``spreadsheet_cell`` gives CSV). Characters XML cannot carry are
dropped and a text is cut at Excel's 32 767 characters. Past Excel's 1 048 576 rows a sheet goes on
in ``KIND (2)``, with the header again."""

from __future__ import annotations

import io
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import IO, Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.datetime import to_excel

from handlers.core.exports import FORMULA_STARTS
from handlers.core.i18n import catalogue
from handlers.core.xlsx_package import (
    BOLD,
    BOLD_QUOTED,
    DATE,
    DATETIME,
    INTEGER,
    PLAIN,
    QUOTED,
    Package,
    column_letter,
)

MEASURED_ROWS = 500  # rows read before the column widths are fixed
MIN_WIDTH, MAX_WIDTH = 6, 60
MAX_TEXT = 32_767  # Excel's limit for one cell
MAX_ROWS = 1_048_576  # Excel's rows per sheet
BIG_INTEGER = 10**11  # from here General shows an id (a group's -100…) as 1.0E+12: written with format "0"
TRANSLATED = ("zh-Hans", "zh-Hant")  # languages that get the second header row
DATE_FIELDS = frozenset({"date", "shift_date", "week"})
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


def is_time_field(name: str) -> bool:
    """A column whose ISO 8601 texts are written as date-times or dates."""
    return name.endswith("_at") or name in DATE_FIELDS


def labels(kind: str, fields: Sequence[str], language: str) -> list[str] | None:
    """The fields' names in ``language`` for the second header row; None for a language without one
    (English: the keys are the names). A field with no translation keeps its key."""
    if language not in TRANSLATED:
        return None
    texts = catalogue(language)
    return [texts.get(f"xk.{kind}.{name}") or texts.get(f"xf.{name}") or str(name) for name in fields]


def text_cell(text: str) -> str:
    """Text as a cell can hold it: no XML-illegal control characters, at most Excel's length."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)[:MAX_TEXT]


def typed(value: Any, time_column: bool) -> Any:
    """A row's value as a cell value (see the module's docstring); text stays ``str``."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # an aware time is given on the site's clock: Excel has no zone
    if value is None or isinstance(value, bool | int | float | datetime | date):
        return value
    text = str(value)
    if time_column:
        if _ISO_TIME.match(text):
            return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)
        if _ISO_DATE.match(text):
            return date.fromisoformat(text)
    return text_cell(text)


def width_of(value: Any) -> int:
    """Display width in Excel's character units: a CJK character takes two; a text its longest line."""
    if isinstance(value, datetime):
        return len("2026-11-23 10:00:00")
    if isinstance(value, date):
        return len("2026-11-23")
    if value is None:
        return 0
    text = str(value)
    longest = max(text.split("\n"), key=len)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in longest)


def sheet_title(title: str) -> str:
    """A valid sheet name: at most 31 characters, none of ``[]:*?/\\``."""
    return _BAD_TITLE.sub("_", title)[:31] or "sheet"


def escaped(text: str) -> str:
    """Text as XML character data (a carriage return kept as such: XML would make it a newline)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def row_xml(values: Sequence[Any], letters: Sequence[str], number: int, *, header: bool = False) -> str:
    """One ``<row>`` of typed values (see :func:`typed`): the hot loop of a big export, so one string."""
    cells = []
    for letter, value in zip(letters, values, strict=False):
        if value is None:
            continue
        if isinstance(value, str):
            quoted = value.startswith(FORMULA_STARTS)
            style = (BOLD_QUOTED if quoted else BOLD) if header else (QUOTED if quoted else PLAIN)
            cells.append(
                f'<c r="{letter}{number}" t="inlineStr"{f" s={chr(34)}{style}{chr(34)}" if style else ""}>'
                f'<is><t xml:space="preserve">{escaped(value)}</t></is></c>'
            )
        elif isinstance(value, bool):
            cells.append(f'<c r="{letter}{number}" t="b"><v>{int(value)}</v></c>')
        elif isinstance(value, int):
            big = f' s="{INTEGER}"' if abs(value) >= BIG_INTEGER else ""
            cells.append(f'<c r="{letter}{number}"{big}><v>{value}</v></c>')
        elif isinstance(value, float):
            if math.isfinite(value):
                cells.append(f'<c r="{letter}{number}"><v>{value!r}</v></c>')
        elif isinstance(value, datetime):
            cells.append(f'<c r="{letter}{number}" s="{DATETIME}"><v>{to_excel(value)!r}</v></c>')
        elif isinstance(value, date):
            cells.append(f'<c r="{letter}{number}" s="{DATE}"><v>{to_excel(value)!r}</v></c>')
    return f'<row r="{number}">{"".join(cells)}</row>'


class Sheet:
    """One table being written (its rows, then the next table's): :meth:`append` each row (a dict with
    ``fields`` as keys). Rows are kept only until the widths are measured; past Excel's rows a
    table goes on in a second sheet ``TITLE (2)`` with the header again."""

    def __init__(self, book: Book, title: str, fields: Sequence[str], headers: list[list[str]]) -> None:
        self.book, self.title, self.fields, self.headers = book, title, tuple(str(f) for f in fields), headers
        self._times = [is_time_field(name) for name in self.fields]
        self._letters = [column_letter(k) for k in range(1, len(self.fields) + 1)]
        self._widths: list[int] | None = None
        self._buffer: list[list[Any]] = []
        self._sheets = 0
        self._number = 0  # the last row written in the current sheet
        self._pending: list[str] = []  # rows formatted, not yet handed to the package
        self.rows = 0

    def append(self, row: Mapping[str, Any]) -> None:
        values = [typed(row.get(name), time) for name, time in zip(self.fields, self._times, strict=True)]
        self.rows += 1
        if self._widths is not None:
            self._write(values)
            return
        self._buffer.append(values)
        if len(self._buffer) >= MEASURED_ROWS:
            self.flush()

    def extend(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self.append(row)
        self._hand_over()

    def flush(self) -> None:
        """Fix the widths and write the header (once), then the buffered rows."""
        if self._widths is None:
            self._widths = [
                min(MAX_WIDTH, max(MIN_WIDTH, max(width_of(line[k]) for line in [*self.headers, *self._buffer]) + 2))
                for k in range(len(self.fields))
            ]
            self._new_sheet()
            buffered, self._buffer = self._buffer, []
            for values in buffered:
                self._write(values)
        self._hand_over()

    def _new_sheet(self) -> None:
        self._hand_over()
        self._sheets += 1
        title = self.title if self._sheets == 1 else f"{self.title[:25]} ({self._sheets})"
        self.book.open_sheet(title, self._widths or [], len(self.headers))
        self._number = 0
        for header in self.headers:
            self._number += 1
            self._pending.append(row_xml(header, self._letters, self._number, header=True))

    def _write(self, values: list[Any]) -> None:
        if self._number >= MAX_ROWS:
            self._new_sheet()
        self._number += 1
        self._pending.append(row_xml(values, self._letters, self._number))
        if len(self._pending) >= 1000:
            self._hand_over()

    def _hand_over(self) -> None:
        if self._pending:
            self.book.write("".join(self._pending))
            self._pending = []


class Book:
    """A workbook of several tables written one after the other (a table is finished when the next
    begins): the monthly report's summary and registers, and each register export.

        book = Book()
        book.table("汇总", fields, labels=translated).extend(rows)
        book.register("incidents", INCIDENT_FIELDS, language="zh-Hant").extend(rows)
        data = book.to_bytes()  # or book.save(path or binary file)
    """

    def __init__(self) -> None:
        self._package = Package()
        self._tables: list[Sheet] = []
        self._titles: set[str] = set()

    def table(self, title: str, fields: Sequence[str], *, labels: Sequence[str] | None = None) -> Sheet:
        """A new table under ``title``: row 1 the ``fields``, row 2 ``labels`` when given."""
        if self._tables:
            self._tables[-1].flush()
        headers = [[str(f) for f in fields]] + ([[str(label) for label in labels]] if labels is not None else [])
        sheet = Sheet(self, title, fields, headers)
        self._tables.append(sheet)
        return sheet

    def register(self, kind: str, fields: Sequence[str], *, language: str = "zh-Hans", title: str = "") -> Sheet:
        """A new table of a register: the second header row the fields translated (:func:`labels`)."""
        return self.table(title or kind, fields, labels=labels(kind, [str(f) for f in fields], language))

    def open_sheet(self, title: str, widths: Sequence[int], frozen_rows: int) -> None:
        """The next worksheet, under a valid title not used yet in this book."""
        name = sheet_title(title)
        while name in self._titles:
            name = sheet_title(f"{name[:27]}_{len(self._titles)}")
        self._titles.add(name)
        self._package.open_sheet(name, widths, frozen_rows)

    def write(self, xml: str) -> None:
        self._package.write(xml)

    def save(self, out: str | IO[bytes]) -> None:
        """Write the workbook to a path or a binary file (not closed here)."""
        for sheet in self._tables:
            sheet.flush()
        if not self._tables:
            self.table("sheet", ()).flush()
        self._package.save(out)

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.save(out)
        return out.getvalue()


class RegisterBook:
    """One register as a workbook (``dutydesk export KIND --format xlsx``, ``/export``): :meth:`append`
    each row (a dict with the kind's ``fields`` as keys), then :meth:`save`."""

    def __init__(self, kind: str, fields: Sequence[str], *, language: str = "zh-Hans") -> None:
        self.book = Book()
        self.sheet = self.book.register(kind, fields, language=language)
        self.kind, self.fields, self.headers = kind, self.sheet.fields, self.sheet.headers

    @property
    def rows(self) -> int:
        return self.sheet.rows

    def append(self, row: Mapping[str, Any]) -> None:
        self.sheet.append(row)

    def extend(self, rows: Iterable[Mapping[str, Any]]) -> None:
        self.sheet.extend(rows)

    def save(self, out: str | IO[bytes]) -> None:
        """Write the workbook to a path or a binary file (not closed here)."""
        self.book.save(out)
