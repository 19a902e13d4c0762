"""The XLSX package (Office Open XML, ECMA-376 part 1) written directly, as a stream: each sheet's XML
goes into a ZIP in a temporary file while its rows come, so neither the rows nor the workbook are held
in memory; the workbook, its relationships and the styles are added when it is saved.

openpyxl's write-only mode did the same at about 8 µs a cell (a cell object, its style and lxml per
value): 200 000 incidents of 24 columns took 40 s. Here a row is one formatted string, about
1 µs a cell. openpyxl still reads what is written here (the tests check every cell with it).

The styles are fixed (:data:`STYLES`): the cells of ``handlers.core.export_xlsx`` use their indices."""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from typing import IO

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
COMPRESSION = 1  # zlib level: the XML of a big register compresses ~10× at level 1, twice as fast as 6

# Cell styles (the ``s`` of a cell): their order in <cellXfs> below.
PLAIN, DATETIME, DATE, INTEGER, QUOTED, BOLD, BOLD_QUOTED = range(7)
STYLES = f"""{HEAD}<styleSheet xmlns="{MAIN}">
<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd h:mm:ss"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>
<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font><font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="7">
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="1" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" quotePrefix="1"/>
</cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""  # noqa: E501  (the style sheet as Excel reads it, one element a line)


def attribute(text: str) -> str:
    """Text for an XML attribute in double quotes."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def column_letter(index: int) -> str:
    """``A`` for 1, ``Z`` for 26, ``AA`` for 27 …"""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class Package:
    """The workbook being written: one sheet open at a time (:meth:`open_sheet`, then rows, then
    :meth:`close_sheet`), then :meth:`save`."""

    def __init__(self) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115  (closed in save)
        self._zip = zipfile.ZipFile(self._file, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESSION)
        self._titles: list[str] = []
        self._open: IO[bytes] | None = None

    def open_sheet(self, title: str, widths: Sequence[int], frozen_rows: int) -> None:
        """Begin the next sheet: its column widths and the rows frozen at the top."""
        self.close_sheet()
        self._titles.append(title)
        self._open = self._zip.open(f"xl/worksheets/sheet{len(self._titles)}.xml", "w")
        top = f"A{frozen_rows + 1}"
        pane = (
            f'<pane ySplit="{frozen_rows}" topLeftCell="{top}" activePane="bottomLeft" state="frozen"/>'
            f'<selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>'
            if frozen_rows
            else ""
        )
        cols = "".join(
            f'<col min="{k}" max="{k}" width="{width}" customWidth="1"/>' for k, width in enumerate(widths, 1)
        )
        self.write(
            f'{HEAD}<worksheet xmlns="{MAIN}" xmlns:r="{RELS}"><sheetViews><sheetView workbookViewId="0">{pane}'
            f'</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
            + (f"<cols>{cols}</cols>" if cols else "")
            + "<sheetData>"
        )

    def write(self, xml: str) -> None:
        """Append XML to the open sheet (rows: ``<row r="…">…</row>``)."""
        assert self._open is not None
        self._open.write(xml.encode("utf-8", "replace"))

    def close_sheet(self) -> None:
        if self._open is not None:
            self.write("</sheetData></worksheet>")
            self._open.close()
            self._open = None

    def save(self, out: str | IO[bytes]) -> None:
        """Finish the package and copy it to a path or a binary file (not closed here)."""
        self.close_sheet()
        count = len(self._titles)
        sheets = "".join(
            f'<sheet name="{attribute(title)}" sheetId="{k}" r:id="rId{k}"/>' for k, title in enumerate(self._titles, 1)
        )
        self._zip.writestr(
            "xl/workbook.xml",
            f'{HEAD}<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><bookViews><workbookView/></bookViews>'
            f"<sheets>{sheets}</sheets></workbook>",
        )
        links = "".join(
            f'<Relationship Id="rId{k}" Type="{RELS}/worksheet" Target="worksheets/sheet{k}.xml"/>'
            for k in range(1, count + 1)
        )
        self._zip.writestr(
            "xl/_rels/workbook.xml.rels",
            f'{HEAD}<Relationships xmlns="{PACKAGE_RELS}">{links}'
            f'<Relationship Id="rId{count + 1}" Type="{RELS}/styles" Target="styles.xml"/></Relationships>',
        )
        self._zip.writestr("xl/styles.xml", STYLES)
        self._zip.writestr(
            "_rels/.rels",
            f'{HEAD}<Relationships xmlns="{PACKAGE_RELS}">'
            f'<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml"
        parts = "".join(
            f'<Override PartName="/xl/worksheets/sheet{k}.xml" ContentType="{kind}.worksheet+xml"/>'
            for k in range(1, count + 1)
        )
        self._zip.writestr(
            "[Content_Types].xml",
            f'{HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{kind}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{kind}.styles+xml"/>{parts}</Types>',
        )
        self._zip.close()
        self._file.seek(0)
        try:
            if isinstance(out, str):
                with open(out, "wb") as target:
                    shutil.copyfileobj(self._file, target)
            else:
                shutil.copyfileobj(self._file, out)
        finally:
            self._file.close()
