"""The command line as an operator uses it: token checks, staff add, export, and the console."""

from __future__ import annotations

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

from bot.cli import main
from bot.config import Settings
from bot.engines.console import run_console

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("token", "says"),
    [("", "BOT_TOKEN is not set"), ("not-a-token", "BOT_TOKEN is malformed")],
)
def test_run_refuses_a_missing_or_malformed_token_in_one_line(tmp_path: Path, token: str, says: str) -> None:
    done = run_cli("run", env={"BOT_TOKEN": token, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}, cwd=tmp_path)
    assert done.returncode == 2
    assert says in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.db").exists()


def test_console_session_then_staff_add_and_export(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    migrated_file: Callable[[Path], str],
) -> None:
    url = migrated_file(tmp_path / "console.db")
    script = "\n".join(
        [
            "/setup HG 华庭花园",
            "/log 3栋大堂漏水，已通知维修",
            "/note 1 维修到场",
            "/log 5栋起火，浓烟很大，有人被困",
            ":press 1",  # 改类别 on the newest card: the category picker replaces its buttons
            ":as 5001 业户刘先生",
            ":private",
            "我家空调坏了，请派人维修",
            ":quit",
        ]
    )
    out = io.StringIO()
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert asyncio.run(run_console(settings, database=url, stdin=io.StringIO(script + "\n"), out=out)) == 0
    shown = out.getvalue()
    assert "华庭花园" in shown and "#1" in shown and "#2" in shown and "已补充 #1" in shown
    assert "请选择类别" in shown
    assert "T1" in shown and "报修" in shown  # the resident's ticket: the tickets' own first number

    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    assert main(["staff", "add", "4242", "--role", "supervisor"]) == 0
    assert "4242 现为 华庭花园 的主管" in capsys.readouterr().out  # DUTYDESK_LANGUAGE: zh-Hans by default
    assert main(["staff", "add", "4242", "--role", "staff", "--site", "NOPE"]) == 2
    assert "没有代码为 NOPE 的场所" in capsys.readouterr().err

    assert main(["export", "incidents", "--format", "jsonl"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["number"] for r in rows] == [1, 2]
    assert rows[0]["category"] == "water" and "维修到场" in rows[0]["handling"] and rows[0]["site"] == "HG"
    assert rows[1]["severity"] == "major" and rows[1]["escalation"] == "pending"
    target = tmp_path / "incidents.csv"
    assert main(["export", "incidents", "--format", "csv", "-o", str(target)]) == 0
    table = list(csv.DictReader(target.open(encoding="utf-8")))
    assert len(table) == 2 and table[0]["situation"] == "3栋大堂漏水，已通知维修"
    assert main(["export", "tickets"]) == 0
    tickets = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert tickets[0]["kind"] == "repair" and tickets[0]["number"] == "T1"
    assert main(["export", "nonsense"]) == 2
    assert "无法导出 nonsense；可导出：incidents, roster," in capsys.readouterr().err
