"""The first sheet of an XLSX file, read within the caps, whatever the file declares or packs.

A sheet's declared size (``<dimension ref="A1:XFD200000"/>``) is ignored: openpyxl would pad every
row to it. Before openpyxl opens anything, the zip's unpacked size is capped (zipfile never unpacks a
member past the size its directory declares, so a bomb stops there) and every XML part is scanned as
a stream, element by element, with no tree kept: cells and elements are counted as they are read,
and each sheet's last row and last column holding a value are noted. openpyxl then reads the first
sheet's values, cut to those bounds."""

from __future__ import annotations

import io
import pyexpat
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from handlers.core.upload_caps import Caps, TableError

CHUNK = 64 * 1024
_CELL_REF = re.compile(r"([A-Z]{1,3})")


@dataclass(slots=True)
class Shape:
    """What a scanned sheet holds: its last row (blank rows count) and last column with a value."""

    rows: int = 0
    columns: int = 0


def xlsx_rows(data: bytes, caps: Caps) -> Iterator[list[str]]:
    """The first sheet's rows as text, from row 1 to its last row, each as wide as the widest row."""
    shapes = _scan(data, caps)
    from openpyxl import load_workbook  # imported on use: only imports need it

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        # openpyxl keeps the part's name only privately; it is how the scan's shape is found.
        shape = shapes.get(str(sheet._worksheet_path).lstrip("/"), Shape())
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise TableError("table.xlsx_unreadable", why=type(exc).__name__) from None
    if shape.rows > caps.rows + 1:
        raise TableError("table.too_many_rows", cap=caps.rows)
    if shape.columns > caps.columns:
        raise TableError("table.too_many_columns", cap=caps.columns)
    if not shape.rows or not shape.columns:
        return
    try:
        for row in sheet.iter_rows(max_row=shape.rows, max_col=shape.columns, values_only=True):
            yield [_cell(value) for value in row]
    except TableError:
        raise
    except Exception as exc:
        raise TableError("table.xlsx_unreadable", why=type(exc).__name__) from None
    finally:
        book.close()


def _scan(data: bytes, caps: Caps) -> dict[str, Shape]:
    """Every sheet's shape, by part name; refused when the zip unpacks, or its parts hold, too much."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise TableError("table.xlsx_unreadable", why=type(exc).__name__) from None
    if sum(part.file_size for part in parts) > caps.unzipped_bytes:
        raise TableError("table.unzipped_too_big", cap=caps.unzipped_bytes // (1024 * 1024))
    scanner = _Scanner(caps)
    shapes: dict[str, Shape] = {}
    for part in parts:
        if part.filename.endswith((".xml", ".rels")):
            shape = scanner.scan(archive, part)
            if shape is not None:
                shapes[part.filename] = shape
    return shapes


class _Scanner:
    """Streams XML parts through expat, counting as it goes. All parts share one budget of cells
    (``caps.cells``) and of elements (a few per cell, plus room for styles and the like)."""

    def __init__(self, caps: Caps) -> None:
        self.caps = caps
        self.cells = 0
        self.elements = 0
        self.budget = 4 * caps.cells + 50_000

    def scan(self, archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> Shape | None:
        """The part's shape when it is a worksheet, else None."""
        state = _SheetState()
        parser = pyexpat.ParserCreate(namespace_separator="}")
        parser.StartElementHandler = lambda name, attrs: self._start(state, name, attrs)
        parser.EndElementHandler = lambda name: state.end(name)
        parser.CharacterDataHandler = state.text
        parser.StartDoctypeDeclHandler = _no_doctype
        try:
            with archive.open(part) as stream:
                while chunk := stream.read(CHUNK):
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
        except (pyexpat.ExpatError, zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
            raise TableError("table.xlsx_unreadable", why=type(exc).__name__) from None
        return state.shape if state.worksheet else None

    def _start(self, state: _SheetState, name: str, attrs: dict[str, str]) -> None:
        self.elements += 1
        local = name.rpartition("}")[2]
        if local == "c":
            self.cells += 1
            if self.cells > self.caps.cells:
                raise TableError("table.too_many_cells", cap=self.caps.cells)
        elif self.elements > self.budget:
            raise TableError("table.too_many_cells", cap=self.caps.cells)
        state.start(local, attrs)


def _no_doctype(*_: object) -> None:
    raise TableError("table.xlsx_unreadable", why="DOCTYPE")  # an XLSX part never has one


class _SheetState:
    """Row and column bookkeeping of one part, mirroring how openpyxl numbers rows and cells."""

    def __init__(self) -> None:
        self.shape = Shape()
        self.worksheet = False
        self.depth = 0
        self.row = 0
        self.column = 0
        self.in_value = False
        self.has_value = False

    def start(self, local: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        if self.depth == 1:
            self.worksheet = local == "worksheet"
        if not self.worksheet:
            return
        if local == "row":
            self.row = _number(attrs.get("r"), self.row + 1)
            self.column = 0
            self.shape.rows = max(self.shape.rows, self.row)
        elif local == "c":
            ref = attrs.get("r")
            letters = _CELL_REF.match(ref) if ref else None
            self.column = _column(letters.group(1)) if letters else self.column + 1
            self.has_value = False
        elif local in ("v", "t"):
            self.in_value = True

    def end(self, name: str) -> None:
        self.depth -= 1
        local = name.rpartition("}")[2]
        if local in ("v", "t"):
            self.in_value = False
        elif local == "c" and self.has_value:
            self.shape.columns = max(self.shape.columns, self.column)

    def text(self, data: str) -> None:
        if self.in_value and not self.has_value and data.strip():
            self.has_value = True


def _number(text: str | None, default: int) -> int:
    return int(text) if text and text.isdigit() else default


def _column(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


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
