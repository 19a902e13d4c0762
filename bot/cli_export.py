"""``dutydesk export KIND``: records as JSON lines, CSV or an XLSX workbook, streamed from the database
to the output.

Rows are read in chunks and written as they come, so memory does not grow with the number of rows
(XLSX: openpyxl's write-only mode keeps them in a temporary file until the workbook is zipped).
CSV cells that a spreadsheet would run as a formula are written as text (``handlers.core.exports.
spreadsheet_cell``), XLSX cells as text cells with Excel's quote prefix (``handlers.core.export_xlsx``);
JSONL stays raw. XLSX needs ``-o FILE``. ``--month``/``--from``/``--to`` (and ``--site``) export the records
of a period on each site's calendar, picked by the database (``ExportKind.in_period``). ``-o FILE`` is created
owner-only (0600, like the database), never through a symbolic link, and an existing file is only replaced
with ``--force``.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import errno
import json
import os
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import IO, TYPE_CHECKING, Any, cast

from bot import cli_db
from handlers.core.i18n import Translator

if TYPE_CHECKING:
    from handlers.core.feature import ExportKind

Write = Callable[[dict[str, Any]], None]
BUFFER = 1 << 16


@dataclass(frozen=True, slots=True)
class Span:
    """The records an export is limited to: the days [first, end) on each site's calendar (None:
    every day), of one site (``site``) or of every site."""

    first: date | None = None
    end: date | None = None
    site: str | None = None

    @property
    def dated(self) -> bool:
        return self.first is not None and self.end is not None


def span_of(month: str | None, start: str | None, end: str | None, site: str | None) -> Span | str:
    """The span the options ask for, or the refusal to say (one line)."""
    if month and (start or end):
        return cli_db.say("cli.export.period_both")
    if month:
        from handlers.reports.periods import Month

        found = Month.parse(month)
        if found is None:
            return cli_db.say("cli.export.bad_month", value=month)
        return Span(found.first, found.next.first, site)
    days: list[date | None] = []
    for option, text in (("--from", start), ("--to", end)):
        try:
            days.append(date.fromisoformat(text) if text else None)
        except ValueError:
            return cli_db.say("cli.export.bad_day", option=option, value=text)
    first, last = days
    if first and last and last < first:
        return cli_db.say("cli.export.period_order", to=end, start=start)
    if first is None and last is None:
        return Span(site=site)
    return Span(first or date(2000, 1, 1), (last or date(2999, 12, 31)) + timedelta(days=1), site)


class OutputRefused(Exception):
    """The output path cannot or may not be written; ``key`` (``cli.output.*``) and ``path`` say why, in one line."""

    def __init__(self, key: str, path: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = {"path": path, **values}

    def text(self, t: Translator) -> str:
        return t(self.key, **self.values)

    def __str__(self) -> str:
        return self.text(Translator("en"))


def run_export(
    database_url: str,
    kind: str,
    fmt: str,
    output: str | None,
    *,
    force: bool = False,
    source: str = "DATABASE_URL",
    language: str = "zh-Hans",
    span: Span | None = None,
) -> int:
    """Export every record of ``kind`` (of ``span``); 0 when written, 2 for a bad kind or output path,
    or a database that cannot be opened (``source`` names where its URL came from). ``language``: the
    second header row of an XLSX workbook (handlers.core.export_xlsx)."""
    from bot.features import registry

    kinds = registry().exports
    span = span or Span()
    if kind not in kinds:
        return cli_db.refuse(cli_db.say("cli.export.bad_kind", kind=kind, kinds=", ".join(kinds)))
    if span.dated and kinds[kind].in_period is None:
        return cli_db.refuse(cli_db.say("cli.export.no_period", kind=kind))
    if fmt == "xlsx" and not output:
        return cli_db.refuse(cli_db.say("cli.export.xlsx_needs_file"))
    # CSV gets a BOM so that Excel reads it as UTF-8 (Chinese would show as garbage); JSONL stays plain.
    encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
    out: IO[Any]
    try:
        if fmt == "xlsx" and output:
            out = open_binary_output(output, force=force)
        else:
            out = open_output(output, encoding=encoding, force=force) if output else sys.stdout
    except OutputRefused as exc:
        return cli_db.refuse(exc)
    try:
        if fmt == "csv" and not output:
            sys.stdout.write("\ufeff")  # no -o: the output is standard output
        if fmt == "xlsx":
            count = _workbook(database_url, source, kind, kinds[kind], cast(IO[bytes], out), language, span)
        else:
            write = _writer(cast(IO[str], out), fmt, kinds[kind].fields)
            count = asyncio.run(_stream(database_url, source, kinds[kind], write, span))
        _finish(out, closing=bool(output))
    except BrokenPipeError:  # `dutydesk export … | head`: the reader has had enough
        _drop_stdout()
        return 0
    except BaseException as exc:
        if output:  # no half-written file left behind to be taken for the whole export
            with contextlib.suppress(OSError):
                out.close()
            os.unlink(output)
        if isinstance(exc, OutputFailed):  # the disk filled up, the file system went away…
            if not output:
                _drop_stdout()
            where = output or cli_db.say("cli.export.the_output")
            print(f"dutydesk: {cli_db.say('cli.export.failed', path=where, why=exc)}", file=sys.stderr)
            return 1
        from handlers.core.operator import AdminError

        if isinstance(exc, cli_db.Refused | AdminError):  # a database that cannot be opened, no such --site
            return cli_db.refuse(exc)
        raise
    print(f"dutydesk: {cli_db.say('cli.export.done', count=count, kind=kind)}", file=sys.stderr)
    return 0


class OutputFailed(Exception):
    """Writing the output failed half-way (not a closed pipe); the message is the system's reason."""


def _drop_stdout() -> None:
    """Point standard output at /dev/null, so Python's own flush at exit fails no more."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _workbook(
    database_url: str, source: str, kind: str, export: ExportKind, out: IO[bytes], language: str, span: Span
) -> int:
    """The rows as one workbook: streamed into openpyxl's write-only sheet, then zipped into ``out``."""
    from handlers.core.export_xlsx import RegisterBook

    book = RegisterBook(kind, export.fields, language=language)
    count = asyncio.run(_stream(database_url, source, export, _guarded(book.append), span))
    try:
        book.save(out)
    except OSError as exc:
        raise OutputFailed(exc.strerror or str(exc)) from exc
    return count


def _finish(out: IO[Any], *, closing: bool) -> None:
    try:
        if closing:
            out.close()
        else:
            out.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputFailed(exc.strerror or str(exc)) from exc


async def _stream(database_url: str, source: str, export: ExportKind, write: Write, span: Span) -> int:
    """Read the rows in one read-only transaction (one consistent snapshot) and write each as it comes:
    a span's rows site by site, each site's period picked by the database."""
    from handlers.core.exports import window_of
    from handlers.core.operator import site_for_cli
    from storage.repos import sites

    count = 0
    async with cli_db.opened(database_url, source=source, read_only=True) as db, db.session() as session:
        if span.site:
            chosen = [await site_for_cli(session, span.site)]
        elif span.dated:
            chosen = list(await sites.all_sites(session))
        else:
            chosen = []
        if span.dated and export.in_period and span.first and span.end:
            for site in chosen:
                async for row in export.in_period(session, window_of(site, span.first, span.end)):
                    write(row)
                    count += 1
            return count
        codes = {s.code for s in chosen}
        async for row in export.rows(session):
            if codes and row.get("site") not in codes:
                continue
            write(row)
            count += 1
    return count


def _writer(out: IO[str], fmt: str, fields: tuple[str, ...]) -> Write:
    """A function writing one row to ``out``: a JSON line, or a CSV line after the header."""
    if fmt == "jsonl":
        encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(row, ensure_ascii=False), built once

        def write_json(row: dict[str, Any]) -> None:
            out.write(encode(row) + "\n")

        return _guarded(write_json)
    from handlers.core.exports import spreadsheet_cell

    writer = csv.writer(out)
    writer.writerow(fields)

    def write_csv(row: dict[str, Any]) -> None:
        writer.writerow([spreadsheet_cell(row.get(name, "")) for name in fields])

    return _guarded(write_csv)


def _guarded(write: Write) -> Write:
    """``write`` with a failed write (other than a closed pipe) raised as :class:`OutputFailed`, so
    it is told apart from a database error."""

    def guarded(row: dict[str, Any]) -> None:
        try:
            write(row)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OutputFailed(exc.strerror or str(exc)) from exc

    return guarded


def open_output(path: str, *, encoding: str, force: bool) -> IO[str]:
    """``path`` opened for writing, owner-only (0600). Refused (:class:`OutputRefused`): a symbolic
    link, a folder, something not a plain file, an existing file without ``force``, a missing folder,
    a path this user may not write."""
    return open(_open_fd(path, force=force), "w", encoding=encoding, newline="", buffering=BUFFER)


def open_binary_output(path: str, *, force: bool) -> IO[bytes]:
    """:func:`open_output` for a binary file (a workbook), refused alike."""
    return open(_open_fd(path, force=force), "wb", buffering=BUFFER)


def _open_fd(path: str, *, force: bool) -> int:
    try:
        existing = os.lstat(path)
    except FileNotFoundError:
        existing = None
    except OSError as exc:
        raise _why(path, exc) from exc
    if existing is not None:
        _may_replace(path, existing.st_mode, force=force)
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | (os.O_EXCL if existing is None else 0)
    try:
        fd = os.open(path, flags, 0o600)
    except OSError as exc:
        raise _why(path, exc) from exc
    try:
        if existing is not None:  # private first, then emptied: a refusal leaves the old file as it was
            os.fchmod(fd, 0o600)
            os.ftruncate(fd, 0)
    except OSError as exc:
        os.close(fd)
        raise _why(path, exc) from exc
    return fd


def _may_replace(path: str, mode: int, *, force: bool) -> None:
    if stat.S_ISLNK(mode):
        raise OutputRefused("cli.output.symlink", path)
    if stat.S_ISDIR(mode):
        raise OutputRefused("cli.output.folder", path)
    if not stat.S_ISREG(mode):
        raise OutputRefused("cli.output.not_plain", path)
    if not force:
        raise OutputRefused("cli.output.exists", path)


def _why(path: str, exc: OSError) -> OutputRefused:
    """The refusal for an OSError opening ``path``."""
    if isinstance(exc, FileNotFoundError | NotADirectoryError):
        return OutputRefused("cli.output.no_folder", path, folder=os.path.dirname(os.path.abspath(path)))
    if isinstance(exc, FileExistsError):  # made by someone else since we looked
        return OutputRefused("cli.output.exists", path)
    if isinstance(exc, IsADirectoryError):
        return OutputRefused("cli.output.folder", path)
    if exc.errno == errno.ELOOP:  # it became a symbolic link since we looked
        return OutputRefused("cli.output.symlink", path)
    if isinstance(exc, PermissionError):
        return OutputRefused("cli.output.denied", path)
    return OutputRefused("cli.output.cannot_write", path, why=exc.strerror or exc)
