"""The command line a new team meets first: one database for chat and export, CSV that
opens in Excel, a quiet end in a pipe, --version, help for everything, a console that takes typos."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import _parser, main
from bot.config import Settings
from bot.engines.console import run_console

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = "\n".join(
    ["/setup HG 华庭花园", "/log 上午8点半 3栋大堂漏水，已通知维修", ":wait abc", ":wait 1e300", ":wait 1", ":quit"]
)


@pytest.fixture
def console_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_file: Callable[[Path], str]) -> str:
    """A console session run with the default database (DATABASE_URL), as `dutydesk chat` does."""
    url = migrated_file(tmp_path / "dutydesk.db")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    monkeypatch.setenv("DATABASE_URL", url)
    out = io.StringIO()
    assert asyncio.run(run_console(Settings(_env_file=None), stdin=io.StringIO(SCRIPT + "\n"), out=out)) == 0  # type: ignore[call-arg]
    shown = out.getvalue()
    assert shown.count("用法：:wait 分钟数") == 2 and "个定时任务" in shown  # the console speaks DUTYDESK_LANGUAGE
    return url


def test_chat_and_export_share_the_database_and_csv_opens_in_excel(
    console_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], migrated_file: Callable[[Path], str]
) -> None:
    assert main(["export", "incidents"]) == 0
    [row] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert row["situation"].endswith("3栋大堂漏水，已通知维修")
    # Times in the site's zone (Asia/Shanghai), to the second.
    assert row["occurred_at"].endswith("T08:30:00+08:00")
    assert "." not in row["logged_at"] and row["logged_at"].endswith("+08:00")
    target = tmp_path / "out.csv"
    assert main(["export", "incidents", "--format", "csv", "-o", str(target)]) == 0
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    [table] = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table["category"] == "water" and "漏水" in table["situation"]
    capsys.readouterr()
    assert main(["export", "incidents", "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("\ufeffnumber,")
    assert main(["export", "incidents", "--database", migrated_file(tmp_path / "empty.db")]) == 0
    assert capsys.readouterr().out == ""


def test_export_into_a_closed_pipe_exits_quietly(console_db: str, tmp_path: Path) -> None:
    async def many() -> None:
        from datetime import UTC, datetime

        from storage.codes import Severity
        from storage.db import Database
        from storage.models import Incident
        from storage.repos import incidents

        db = Database(console_db)
        async with db.session() as session:
            for number in range(2, 1500):
                at = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
                await incidents.add(
                    session,
                    Incident(
                        site_id=1, number=number, occurred_at=at, logged_at=at, reporter_id=1, category="other",
                        severity=Severity.NORMAL, situation="巡查正常" * 20,
                    ),
                )  # fmt: skip
        await db.dispose()

    asyncio.run(many())
    done = subprocess.run(
        f"{sys.executable} -m bot.cli export incidents | head -n 1",
        shell=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and json.loads(done.stdout)["number"] == 1
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0 and capsys.readouterr().out.startswith("dutydesk 0.")


def test_every_option_and_argument_has_help() -> None:
    missing = []

    def walk(parser: argparse.ArgumentParser, path: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    walk(child, f"{path} {name}")
            elif not isinstance(action, argparse._HelpAction) and not action.help:
                missing.append(f"{path} {action.dest}")

    walk(_parser(), "dutydesk")
    assert missing == []
