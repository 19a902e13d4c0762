"""Uploaded tables (CSV with or without BOM, GB18030, Big5, XLSX) read with their line numbers, within
the import caps."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from handlers.core.uploads import Caps, TableError, read_table
from tests.support.sheets import ROSTER, rezip, sheet_bomb, xlsx


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


# Issue 16: imports read within caps, whatever the file declares or packs.

BOUNDED_READER = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1536 * 1024 * 1024, 1536 * 1024 * 1024))
from handlers.core.uploads import Caps, TableError, read_table
data = open(sys.argv[1], "rb").read()
try:
    rows = read_table(data, sys.argv[2])
except TableError as exc:
    print("refused:", exc)
else:
    print("rows:", [(r.line, r.values) for r in rows])
"""


def read_bounded(tmp_path: Path, data: bytes, name: str) -> str:
    """``read_table`` with default caps in a child process held to 1.5 GB and 60 s, so a reader that
    builds the declared grid or unpacks a bomb fails the test instead of taking the suite down."""
    path = tmp_path / name
    path.write_bytes(data)
    try:
        done = subprocess.run(
            [sys.executable, "-c", BOUNDED_READER, str(path), name],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=Path(__file__).resolve().parents[2],
        )
    except subprocess.TimeoutExpired:
        return "timed out"
    return done.stdout.strip() or done.stderr.strip().splitlines()[-1]


def test_a_sheet_declaring_a1_xfd200000_is_refused_by_its_rows_without_building_the_grid(tmp_path: Path) -> None:
    def rows_down_to_200000(xml: bytes) -> bytes:
        far = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (r, r) for r in range(1000, 200_001, 1000))
        return xml.replace(b"</sheetData>", far + b"</sheetData>", 1)

    data = rezip(xlsx(ROSTER, dimension="A1:XFD200000"), "xl/worksheets/sheet1.xml", rows_down_to_200000)
    assert len(data) < 20_000
    assert read_bounded(tmp_path, data, "roster.xlsx") == (
        "refused: more than 5000 rows after the header, blank rows included (policy import_max_rows)"
    )
    # Only declaring it is harmless: the sheet is read for what it holds.
    assert read_bounded(tmp_path, xlsx(ROSTER, dimension="A1:XFD200000"), "roster.xlsx") == (
        "rows: [(2, {'date': '2026-12-01', 'shift': '白班', 'staff': '@li'})]"
    )


def test_a_value_far_down_counts_every_blank_row_before_it(tmp_path: Path) -> None:
    data = xlsx([*ROSTER, *([[None]] * 5000), ["2026-12-02", "夜班", "@wang"]])
    assert read_bounded(tmp_path, data, "roster.xlsx") == (
        "refused: more than 5000 rows after the header, blank rows included (policy import_max_rows)"
    )


def test_blank_csv_lines_count_against_the_row_cap() -> None:
    data = ("date,shift,staff\n" + "2026-12-01,白班,@li\n" * 10 + "\n" * 4991).encode()
    with pytest.raises(TableError, match=r"more than 5000 rows.*import_max_rows"):
        read_table(data, "roster.csv")
    assert len(read_table(data[:-1], "roster.csv")) == 10  # 5000 rows: at the cap, not over it


def test_a_value_in_column_31_is_refused_naming_the_column_cap(tmp_path: Path) -> None:
    far = ["2026-12-01", "白班", "@li", *([None] * 27), "x"]
    assert read_bounded(tmp_path, xlsx([ROSTER[0], far]), "roster.xlsx") == (
        "refused: more than 30 columns hold values (policy import_max_columns)"
    )
    line = "2026-12-01,白班,@li" + "," * 27
    assert len(read_table(f"date,shift,staff\n{line}y\n".encode(), "r.csv")) == 1  # column 30: allowed
    with pytest.raises(TableError, match=r"more than 30 columns.*import_max_columns"):
        read_table(f"date,shift,staff\n{line},y\n".encode(), "r.csv")


def test_empty_formatted_cells_count_as_cells_not_as_columns() -> None:
    data = xlsx(ROSTER, styled=(40, 60))  # 2 400 cells stored, 3 columns hold values
    assert [r.values["staff"] for r in read_table(data, "roster.xlsx")] == ["@li"]
    with pytest.raises(TableError, match=r"more than 1000 cells.*import_max_cells"):
        read_table(data, "roster.xlsx", Caps(cells=1000))


def test_a_file_over_the_size_cap_is_refused_naming_it() -> None:
    data = ("date,shift,staff\n" + "2026-12-01,白班,@li\n" * 120_000).encode()
    assert len(data) > 2048 * 1024
    with pytest.raises(TableError, match=r"the file is \d+ KB, over the cap of 2048 KB \(policy import_max_kb\)"):
        read_table(data, "roster.csv")


def test_a_decompression_bomb_is_refused_while_unpacking(tmp_path: Path) -> None:
    small = sheet_bomb(3_000_000)  # 30 MB of XML: within the unpacked cap, over the cells cap
    huge = sheet_bomb(8_000_000)  # 80 MB of XML: over the unpacked cap (32 × 2 MB)
    assert len(small) < 200_000 and len(huge) < 400_000
    assert read_bounded(tmp_path, small, "a.xlsx") == (
        "refused: more than 200000 cells in the file, empty ones included (policy import_max_cells)"
    )
    assert read_bounded(tmp_path, huge, "b.xlsx") == (
        "refused: the XLSX file unpacks to more than 64 MB (32 × policy import_max_kb)"
    )


def test_big5_csv_from_a_hong_kong_site_is_read_as_traditional_text() -> None:
    text = "code,label,kind,location,copies\nJF-1,1座機房,機房,地庫,2\nA-101,A座101室,單元,,1\n"
    rows = read_table(text.encode("big5"), "keys.csv")
    assert [(r.values["label"], r.values["kind"], r.values["location"]) for r in rows] == [
        ("1座機房", "機房", "地庫"),
        ("A座101室", "單元", ""),
    ]


def test_gbk_csv_is_read_as_simplified_text() -> None:
    text = "code,label,kind,location,copies\nJF-1,1栋机房,机房,地下室,2\n"
    [row] = read_table(text.encode("gbk"), "keys.csv")
    assert (row.values["label"], row.values["kind"]) == ("1栋机房", "机房")


def test_a_csv_that_could_be_big5_or_gb18030_is_refused_naming_both() -> None:
    data = b"code,label\nA1,\xb0\xa2\n"  # 阿 in GB18030, 陝 in Big5: nothing tells them apart
    with pytest.raises(TableError, match="Big5 or GB18030"):
        read_table(data, "keys.csv")


def test_big5_with_bytes_that_are_not_big5_is_refused_naming_big5() -> None:
    good = "JF-1,1座機房,機房,地庫,2\n".encode("big5") * 4000  # past the sample the guess reads
    data = b"code,label,kind,location,copies\n" + good + b"X,\x81\x80,x,,1\n"
    with pytest.raises(TableError, match="reads as Big5 but has bytes that are not Big5"):
        read_table(data, "keys.csv")
