"""Issue 17 (point 4): every verb that works on the database opens it one way (bot/cli_db.py): a URL
that is not one, or a database that cannot be reached, is one line on stderr and exit status 2,
never a traceback; the line says where the URL came from (--database or DATABASE_URL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from tests.support.cli import verbs

UNREACHABLE = "postgresql://postgres@127.0.0.1:1/nowhere"  # nothing listens on port 1


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """The refusals below are asserted in English (tests/cli/test_language.py: the other languages)."""
    monkeypatch.setenv("DUTYDESK_LANGUAGE", "en")


def one_line(capsys: pytest.CaptureFixture[str], *words: str) -> None:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("dutydesk: ") and "Traceback" not in err, err
    assert all(word in err for word in words), err
    assert "secret" not in err  # a password in the URL is never repeated


@pytest.mark.parametrize("url", ["nonsense", "foo://bar", "postgresql://u:secret@db:port/x"])
def test_a_bad_url_is_one_line_and_exit_2(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    for argv in verbs(tmp_path):
        assert main(argv) == 2, argv
        one_line(capsys, "bad database URL (DATABASE_URL)")
    assert main(["staff", "list", "--database", url]) == 2
    one_line(capsys, "bad database URL (--database)")


def test_an_unreachable_database_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/unused.db")
    assert main(["outbox", "--database", UNREACHABLE]) == 2
    one_line(capsys, "cannot open the database", "Connect call failed", "check --database")
    monkeypatch.setenv("DATABASE_URL", UNREACHABLE)
    assert main(["shift", "list"]) == 2
    one_line(capsys, "cannot open the database", "check DATABASE_URL")
    output = tmp_path / "incidents.jsonl"
    assert main(["export", "incidents", "-o", str(output)]) == 2
    one_line(capsys, "cannot open the database", "check DATABASE_URL")
    assert not output.exists()  # no empty file left behind to be taken for the export
