"""Rows of an uploaded table (CSV or XLSX), with their line numbers, for the file imports (roster,
keys, patrol plans). A file is read as a stream with its caps (size, rows, columns, cells: policy
settings) checked while reading, so no file can take the bot's memory or time; a file over a cap or
unreadable is a :class:`TableError` naming why. Checking the rows is the importer's job.

Chat imports read in a worker process (:func:`read_in_worker`), outside the update's transaction."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import logging
import multiprocessing
import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from handlers.core.upload_caps import Caps as Caps  # re-exported: importers take them from here
from handlers.core.upload_caps import TableError as TableError

log = logging.getLogger(__name__)

DEFAULT_CAPS = Caps()  # the policy's defaults


@dataclass(frozen=True, slots=True)
class TableRow:
    line: int  # 1 is the header line; the first data row is line 2, as a spreadsheet shows it
    values: dict[str, str]


def too_big(size: int, caps: Caps) -> TableError | None:
    """The refusal of a file of ``size`` bytes, if over the cap (checked before a download too)."""
    if size <= caps.max_bytes:
        return None
    return TableError("table.too_big", size=-(-size // 1024), cap=caps.max_bytes // 1024)


def read_table(data: bytes, filename: str, caps: Caps = DEFAULT_CAPS) -> list[TableRow]:
    """The data rows of a CSV (UTF-8 with or without BOM, GB18030 or Big5) or XLSX file (its first
    sheet), keyed by the header's lower-cased column names; blank rows are skipped, but counted."""
    if (refused := too_big(len(data), caps)) is not None:
        raise refused
    name = filename.lower()
    if name.endswith(".xlsx"):
        from handlers.core.upload_xlsx import xlsx_rows  # imported on use: only XLSX imports need openpyxl

        return _table(xlsx_rows(data, caps), caps, count_cells=False)  # the scan counted what is stored
    if name.endswith((".csv", ".txt")):
        return _table(_csv_rows(data), caps, count_cells=True)
    raise TableError("table.unsupported", name=filename)


def _table(grid: Iterable[Sequence[str]], caps: Caps, *, count_cells: bool) -> list[TableRow]:
    """Rows keyed by the header, the caps checked row by row as the grid is read."""
    lines = iter(grid)
    first = next(lines, None)
    if first is None:
        raise TableError("table.empty")
    _check_width(first, caps)
    header = [h.strip().lower() for h in first]
    if not any(header):
        raise TableError("table.no_header")
    cells = len(first)
    rows: list[TableRow] = []
    for number, values in enumerate(lines, start=2):
        if number - 1 > caps.rows:
            raise TableError("table.too_many_rows", cap=caps.rows)
        cells += len(values)
        if count_cells and cells > caps.cells:
            raise TableError("table.too_many_cells", cap=caps.cells)
        if not _check_width(values, caps):
            continue
        cells_of = {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header) if h}
        rows.append(TableRow(number, cells_of))
    return rows


def _check_width(values: Sequence[str], caps: Caps) -> int:
    """How many columns the row uses (to its last value); refused over the cap."""
    used = next((i + 1 for i in range(len(values) - 1, -1, -1) if values[i].strip()), 0)
    if used > caps.columns:
        raise TableError("table.too_many_columns", cap=caps.columns)
    return used


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    from handlers.core.upload_csv import decode_csv  # imported on use: opencc only for CSV imports

    reader = csv.reader(io.StringIO(decode_csv(data), newline=""))
    try:
        yield from reader  # one record at a time: the caps are checked before the next is read
    except csv.Error as exc:
        raise TableError("table.csv_unreadable", why=str(exc)) from None


# The worker: one process (spawned: no copy of the bot's threads or connections), started on the first
# import, at a lower CPU priority. A parse there cannot hold the bot's event loop or interpreter lock,
# and its memory is not the bot's. One at a time: a second file waits its turn.
_worker: Executor | None = None


def _pool() -> Executor:
    global _worker
    if _worker is None:
        _worker = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_lower_priority
        )
    return _worker


def _lower_priority() -> None:
    """The worker yields the CPU to the bot: on a small host a long parse must not slow the replies."""
    with contextlib.suppress(OSError, AttributeError):  # no nice() on some platforms
        os.nice(10)


async def read_in_worker(data: bytes, filename: str, caps: Caps) -> list[TableRow]:
    """:func:`read_table` in the worker process; a worker that died (killed, out of memory) is
    replaced and the file refused as unreadable."""
    global _worker
    pool = _pool()
    try:
        return await asyncio.get_running_loop().run_in_executor(pool, read_table, data, filename, caps)
    except BrokenProcessPool:
        if _worker is pool:
            _worker = None
        log.error("the import worker died reading %s; a new one starts with the next import", filename)
        raise TableError("table.worker_died") from None
    except TableError:
        raise
    except Exception:  # a bug in the reader: the sender is told, the update is done
        log.exception("reading %s failed", filename)
        raise TableError("table.worker_died") from None
