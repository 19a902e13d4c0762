"""Rows of an uploaded table (CSV or XLSX), with their line numbers, for the file imports
(roster, keys, patrol plans). A bad file is a clear error; checking the rows is the importer's job."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

MAX_ROWS = 5000


class TableError(ValueError):
    """The file cannot be read as a table; the message says why, in plain words."""


@dataclass(frozen=True, slots=True)
class TableRow:
    line: int  # 1 is the header line; the first data row is line 2, as a spreadsheet shows it
    values: dict[str, str]


def read_table(data: bytes, filename: str) -> list[TableRow]:
    """The data rows of a CSV (UTF-8, with or without BOM; GB18030 accepted) or XLSX file, keyed by
    the header's lower-cased column names; blank lines are skipped."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        grid = _xlsx_grid(data)
    elif name.endswith((".csv", ".txt")):
        grid = _csv_grid(data)
    else:
        raise TableError(f"unsupported file type: {filename} (CSV or XLSX)")
    if not grid:
        raise TableError("the file is empty")
    header = [h.strip().lower() for h in grid[0]]
    if not any(header):
        raise TableError("the first line must name the columns")
    rows: list[TableRow] = []
    for number, cells in enumerate(grid[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        values = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header) if h}
        rows.append(TableRow(number, values))
        if len(rows) > MAX_ROWS:
            raise TableError(f"more than {MAX_ROWS} rows")
    return rows


def _csv_grid(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise TableError("the CSV file is neither UTF-8 nor GB18030 text")
    return [row for row in csv.reader(io.StringIO(text))]


def _xlsx_grid(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # imported on use: only imports need it

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise TableError(f"the XLSX file cannot be read ({type(exc).__name__})") from exc
    sheet = book.worksheets[0]
    grid = [[_cell(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    return grid


def _cell(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "strftime") and hasattr(value, "hour"):
        # Dates typed in Excel come back as datetimes at midnight.
        text = value.strftime("%Y-%m-%d %H:%M")  # type: ignore[attr-defined]
        return text.removesuffix(" 00:00")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
