"""Clean failures at start: an unreachable or malformed Bot API URL, an unreachable
PostgreSQL, an unwritable data folder — a few tries, then one clear line and a non-zero exit, no
traceback and never the token. The SQLite file and folder are readable by the owner only."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from storage.db import Database

TOKEN = "123456789:AAHsecretSecretSecretSecretSecret123"


def run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DUTYDESK_", "LLM_", "DATABASE_", "TELEGRAM_"))}
    clean.update({"BOT_TOKEN": TOKEN, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/d.db", **env})
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"], cwd=tmp_path, env=clean, capture_output=True, text=True, timeout=120
    )


def one_clear_line(done: subprocess.CompletedProcess[str], code: int, words: str) -> None:
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr and TOKEN not in done.stderr + done.stdout
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("dutydesk: ") and words in last, done.stderr


@pytest.mark.parametrize(
    ("url", "code", "words"),
    [
        ("http://127.0.0.1:1", 1, "cannot reach the Bot API at http://127.0.0.1:1"),
        # said in DUTYDESK_LANGUAGE, zh-Hans by default
        ("htp//api.telegram", 2, "设置 TELEGRAM_API_URL 有误"),
        # aiohttp's error for these quoted the request URL, token and all, on stderr
        ("http://127.0.0.1:99999", 2, "设置 TELEGRAM_API_URL 有误"),
        ("http://127.0.0.1:1/bot api", 2, "设置 TELEGRAM_API_URL 有误"),
    ],
)
def test_bot_api_unreachable_or_malformed(
    tmp_path: Path, migrated_file: Callable[[Path], str], url: str, code: int, words: str
) -> None:
    migrated_file(tmp_path / "d.db")  # run()'s database, current: the start goes on to the Bot API at once
    one_clear_line(run(tmp_path, TELEGRAM_API_URL=url), code, words)


@pytest.mark.parametrize(
    "database",
    ["postgresql://postgres@127.0.0.1:1/nowhere", "sqlite+aiosqlite:////proc/dutydesk/cannot.db"],
    ids=["postgres-down", "unwritable-folder"],
)
def test_database_unreachable_or_unwritable(tmp_path: Path, database: str) -> None:
    one_clear_line(run(tmp_path, DATABASE_URL=database), 1, "cannot open the database")


def test_sqlite_file_and_folder_are_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dutydesk.db"
    Database(f"sqlite+aiosqlite:///{path}")
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_start_up_error_quoting_a_request_url_never_shows_the_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Whatever the HTTP library says (its messages carry the URL, which carries the token), the one
    line the operator reads is redacted."""
    import bot.launch
    import bot.logs
    import bot.runner
    from bot.cli import main

    async def failing(settings: object) -> None:
        raise bot.runner.StartupError(f"cannot reach the Bot API (InvalidUrl: http://x/bot{TOKEN}/getMe)")

    monkeypatch.setattr(bot.launch, "run_bot", failing)
    monkeypatch.setattr(bot.logs, "configure", lambda settings: None)  # keep the suite's logging as it is
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/d.db")
    assert main(["run"]) == 1
    err = capsys.readouterr().err
    assert TOKEN not in err and "/bot***/getMe" in err
