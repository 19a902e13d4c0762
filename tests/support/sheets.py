"""XLSX files built in memory for the upload tests: a sheet with given rows, a size the sheet only
declares, styled empty cells, and a decompression bomb."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Sequence

from openpyxl import Workbook


def xlsx(
    rows: Sequence[Sequence[object]], *, dimension: str | None = None, styled: tuple[int, int] | None = None
) -> bytes:
    """An XLSX with ``rows``; ``dimension`` replaces the size the sheet declares; ``styled`` (rows,
    columns) adds that many empty cells with a fill, as formatting a range in Excel does."""
    from openpyxl.styles import PatternFill

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    if styled is not None:
        fill = PatternFill("solid", fgColor="FFFF00")
        for r in range(1, styled[0] + 1):
            for c in range(1, styled[1] + 1):
                if sheet.cell(r, c).value is None:
                    sheet.cell(r, c).fill = fill
    buffer = io.BytesIO()
    book.save(buffer)
    if dimension is None:
        return buffer.getvalue()
    return rezip(
        buffer.getvalue(),
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="' + dimension.encode() + b'"', xml),
    )


def rezip(data: bytes, part: str, change: Callable[[bytes], bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            target.writestr(info.filename, change(content) if info.filename == part else content)
    return out.getvalue()


ROSTER = [["date", "shift", "staff"], ["2026-12-01", "白班", "@li"]]


def sheet_bomb(cells: int) -> bytes:
    """An XLSX whose sheet is one row of ``cells`` empty styled cells: megabytes of XML in a few KB."""

    def swell(xml: bytes) -> bytes:
        row = b'<row r="3">' + b'<c s="0"/>' * cells + b"</row></sheetData>"
        return xml.replace(b"</sheetData>", row, 1)

    return rezip(xlsx(ROSTER), "xl/worksheets/sheet1.xml", swell)
