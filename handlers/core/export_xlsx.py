"""Registers as XLSX (``dutydesk export KIND --format xlsx``, ``/export KIND``), written with openpyxl in
write-only mode: the rows stream to a temporary file as they come, so memory does not grow with them.

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
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from handlers.core.exports import FORMULA_STARTS, is_time_field
from handlers.core.i18n import catalogue

MEASURED_ROWS = 500  # rows read before the column widths are fixed
MIN_WIDTH, MAX_WIDTH = 6, 60
MAX_TEXT = 32_767  # Excel's limit for one cell
MAX_ROWS = 1_048_576  # Excel's rows per sheet
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
DATE_FORMAT = "yyyy-mm-dd"
BIG_INTEGER = 10**11  # from here General shows an id (a group's -100…) as 1.0E+12: written with format "0"
TRANSLATED = ("zh-Hans", "zh-Hant")  # languages that get the second header row
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")
_BOLD = Font(bold=True)


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
    kind = type(value)
    if value is None or kind is int or kind is float or kind is bool or kind is date:
        return value  # the common cases first: one type check, no isinstance chain
    if kind is str and not time_column:
        return value if value.isprintable() and len(value) <= MAX_TEXT else text_cell(value)
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


class Sheet:
    """One table being written (its rows, then the next table's): :meth:`append` each row (a dict with
    ``fields`` as keys). Rows are kept only until the widths are measured; past Excel's rows a
    table goes on in a second sheet ``TITLE (2)`` with the header again."""

    def __init__(self, book: Book, title: str, fields: Sequence[str], headers: list[list[str]]) -> None:
        self.book, self.title, self.fields, self.headers = book, title, tuple(str(f) for f in fields), headers
        self._columns = [(name, is_time_field(name)) for name in self.fields]
        self._widths: list[int] | None = None
        self._buffer: list[list[Any]] = []
        self._sheet: WriteOnlyWorksheet | None = None
        self._sheets = 0
        self._left = 0  # rows the current sheet still takes
        self.rows = 0

    def append(self, row: Mapping[str, Any]) -> None:
        self.rows += 1
        if self._widths is not None:
            self._write_row(row)
            return
        values = [typed(row.get(name), time) for name, time in self._columns]
        self._buffer.append(values)
        if len(self._buffer) >= MEASURED_ROWS:
            self.flush()

    def extend(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self.append(row)

    def flush(self) -> None:
        """Fix the widths and write the header (once), then the buffered rows."""
        if self._widths is not None:
            return
        self._widths = [
            min(MAX_WIDTH, max(MIN_WIDTH, max(width_of(line[k]) for line in [*self.headers, *self._buffer]) + 2))
            for k in range(len(self.fields))
        ]
        self._new_sheet()
        buffered, self._buffer = self._buffer, []
        for values in buffered:
            self._write(values)

    def _new_sheet(self) -> None:
        self._sheets += 1
        title = self.title if self._sheets == 1 else f"{self.title[:25]} ({self._sheets})"
        sheet = self.book.create(title)
        for k, width in enumerate(self._widths or []):
            sheet.column_dimensions[get_column_letter(k + 1)].width = width
        sheet.freeze_panes = f"A{len(self.headers) + 1}"
        for header in self.headers:
            cells = [self._text(sheet, text) for text in header]
            for cell in cells:
                cell.font = _BOLD
            sheet.append(cells)
        self._sheet, self._left = sheet, MAX_ROWS - len(self.headers)

    def _write(self, values: list[Any]) -> None:
        """A row of values already typed (the buffered rows)."""
        if self._left == 0:
            self._new_sheet()
        sheet = self._sheet
        assert sheet is not None
        # Plain values as they are (openpyxl types them, dates with a date format): a cell object only
        # where a plain value would not do; it is several times slower per cell.
        sheet.append([self._cell(sheet, v) if _needs_cell(v) else v for v in values])
        self._left -= 1

    def _write_row(self, row: Mapping[str, Any]) -> None:
        """A row as it comes, typed and written in one pass (the hot path: every row after the first
        :data:`MEASURED_ROWS`). Values already typed — numbers, naive date-times, dates, clean text —
        are taken as they are; anything else goes through :func:`typed`, as a buffered row does."""
        if self._left == 0:
            self._new_sheet()
        sheet = self._sheet
        assert sheet is not None
        values: list[Any] = []
        add = values.append
        for name, time in self._columns:
            value: Any = row.get(name)
            kind = type(value)
            if kind is str:
                if time:
                    value = typed(value, True)
                    if type(value) is not str:
                        add(value)
                        continue
                elif not value.isprintable() or len(value) > MAX_TEXT:
                    value = text_cell(value)
                add(self._text(sheet, value) if value.startswith(FORMULA_STARTS) else value)
            elif value is None or kind is float or kind is bool or kind is date:
                add(value)
            elif kind is int:
                add(self._cell(sheet, value) if not -BIG_INTEGER < value < BIG_INTEGER else value)
            elif kind is datetime and value.tzinfo is None:
                add(value)
            else:
                value = typed(value, time)
                add(self._cell(sheet, value) if _needs_cell(value) else value)
        sheet.append(values)
        self._left -= 1

    @staticmethod
    def _text(sheet: WriteOnlyWorksheet, text: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"  # a string, even when it starts with "=": never a formula
        if text.startswith(FORMULA_STARTS):
            cell.quotePrefix = True  # Excel's own mark for text typed as '=…: stays text when edited
        return cell

    def _cell(self, sheet: WriteOnlyWorksheet, value: Any) -> WriteOnlyCell:
        if isinstance(value, str):
            return self._text(sheet, value)
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "0"
        return cell


class Book:
    """A workbook of several tables written one after the other (write-only: a table is finished
    when the next begins). The monthly report's summary and registers, and each register export.

        book = Book()
        book.table("汇总", fields, labels=translated).extend(rows)
        book.register("incidents", INCIDENT_FIELDS, language="zh-Hant").extend(rows)
        data = book.to_bytes()  # or book.save(path or binary file)
    """

    def __init__(self) -> None:
        self._book = Workbook(write_only=True)
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

    def create(self, title: str) -> WriteOnlyWorksheet:
        """A new worksheet under a valid title not used yet in this book."""
        name = sheet_title(title)
        while name in self._titles:
            name = sheet_title(f"{name[:27]}_{len(self._titles)}")
        self._titles.add(name)
        return self._book.create_sheet(name)

    def save(self, out: str | IO[bytes]) -> None:
        """Write the workbook to a path or a binary file (not closed here)."""
        for sheet in self._tables:
            sheet.flush()
        if not self._tables:
            self.table("sheet", ()).flush()
        self._book.save(out)  # type: ignore[arg-type]  # openpyxl takes a file object as well

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


def _needs_cell(value: Any) -> bool:
    if isinstance(value, str):
        return value.startswith(FORMULA_STARTS)
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) >= BIG_INTEGER
