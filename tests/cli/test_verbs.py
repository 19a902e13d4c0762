"""Issue 19 (point 7): the command line takes the same options everywhere. Every verb that works on
the database takes ``--database`` (the README tells users to add it to `chat` and `export` "to
both" to keep a trial apart, and so every other verb must follow); `export -h` lists the kinds."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.cli import EXPORT_KINDS, _parser, main
from bot.features import registry
from storage.db import Database
from storage.repos import sites
from tests.support.cli import verbs

NO_DATABASE = {("classify",)}  # classifies the text given: reads no database


def actions(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every verb and action the command line has (``staff add``, ``policy show`` …), with its parser."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path, parser
    for sub in subs:
        for name, child in sub.choices.items():
            yield from actions(child, (*path, name))


def test_every_verb_takes_database() -> None:
    found = dict(actions(_parser()))
    assert ("policy", "set") in found and ("roster", "import") in found and ("patrol", "remove") in found
    lacking = [
        " ".join(path)
        for path, parser in found.items()
        if path not in NO_DATABASE and not any("--database" in a.option_strings for a in parser._actions)
    ]
    assert lacking == []


def test_database_names_the_database_of_every_verb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each verb opens the database --database names, not DATABASE_URL's (here a good one)."""
    monkeypatch.setenv("DUTYDESK_LANGUAGE", "en")
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/unused.db")
    for argv in verbs(tmp_path):
        assert main([*argv, "--database", "nonsense"]) == 2, argv
        assert "bad database URL (--database)" in capsys.readouterr().err, argv
    assert not (tmp_path / "unused.db").exists()


def test_database_picks_the_site(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    migrated_file: Callable[[Path], str],
) -> None:
    """Two trials side by side: a shift, a policy and a patrol plan go to the database named."""
    first, second = migrated_file(tmp_path / "a.db"), migrated_file(tmp_path / "b.db")

    async def site(url: str, code: str) -> None:
        db = Database(url)
        async with db.session() as session:
            await sites.create(session, code=code, name=f"{code} 花园", language="zh-Hans", timezone="Asia/Shanghai")
        await db.dispose()

    asyncio.run(site(first, "HG"))
    asyncio.run(site(second, "KL"))
    monkeypatch.setenv("DATABASE_URL", first)
    other = ["--database", second]
    assert main(["shift", "set", "M", "--name", "中班", "--start", "12:00", "--end", "21:00", *other]) == 0
    assert main(["policy", "set", "daylog_hour", "7", *other]) == 0
    assert main(["patrol", "add", "夜巡", "--at", "22:00", "--checkpoints", "大堂,天台", *other]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "KL：班次 M 中班 12:00-21:00"
    assert main(["shift", "list"]) == 0
    assert "12:00-21:00" not in capsys.readouterr().out  # HG keeps the defaults
    assert main(["policy", "show"]) == 0 and main(["patrol", "list"]) == 0
    shown = capsys.readouterr().out
    assert "HG（HG 花园）" in shown and "7（默认 8）" not in shown and "HG 没有生效的巡查计划" in shown
    assert main(["policy", "show", *other]) == 0 and main(["patrol", "list", *other]) == 0
    shown = capsys.readouterr().out
    assert "KL（KL 花园）" in shown and "7（默认 8）" in shown and "夜巡\t每天 22:00" in shown


def test_export_help_lists_every_kind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/d.db")
    monkeypatch.delenv("DUTYDESK_LANGUAGE", raising=False)
    # The list is kept in bot/cli.py so that --help loads no database layer: a feature that adds an
    # export adds it there too, with a line saying what it holds.
    assert list(EXPORT_KINDS) == list(registry().exports)
    with pytest.raises(SystemExit):
        main(["export", "-h"])
    shown = capsys.readouterr().out
    for kind, what in EXPORT_KINDS.items():
        assert f"  {kind:<16}{what}\n" in shown
    # an unknown kind is refused in the operator's language (zh-Hans by default), naming the kinds
    assert main(["export", "incident"]) == 2
    assert capsys.readouterr().err == f"dutydesk: 无法导出 incident；可导出：{', '.join(EXPORT_KINDS)}\n"
