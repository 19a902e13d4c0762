"""Patrol plans from the command line and from YAML or CSV files: bad rows reported by line,
nothing half-loaded; /plans lists them; the patrols export has its documented keys."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import select

from bot.cli import main
from bot.features import registry
from handlers.core.uploads import read_table
from handlers.patrols.exports import PATROL_FIELDS
from handlers.patrols.plans import specs_from_yaml
from storage.db import Database
from storage.models import PatrolPlan
from storage.repos import sites
from tests.support import SUPERVISOR, DeskHarness, button_data, rows_for, text_of
from tests.support.patrols import add_plan, data_of, group_since

GOOD_CSV = """plan,checkpoint,proof,lat,lon,radius,every,start,grace,role
消防巡查,地下车库,tap,,,,2h,00:00,10,staff
消防巡查,消防泵房,photo,,,,,,,
消防巡查,天台,location,22.5431,114.0579,30,,,,
主管巡查,大堂,,,,,3h,08:00,,supervisor
"""
BAD_CSV = """plan,checkpoint,proof,lat,lon,every,role
消防巡查,地下车库,tap,,,2h,staff
消防巡查,天台,location,,,,
夜巡,A座,tap,,,,staff
,B座,tap,,,2h,
巡楼,C座,scan,,,1h,boss
"""
PLANS_YAML = """\
plans:
  - name: 消防巡查
    every: 2h
    checkpoints: [地下车库, 消防泵房, 天台]
  - name: 空置房巡查
    at: ["09:00"]
    proof: photo
    checkpoints: 1栋1201, 2栋0802
  - name: 坏计划
    every: 2h
    checkpoints: []
"""


def make_site_db(url: str) -> str:
    """A site HG in the migrated database at ``url``."""

    async def create() -> None:
        db = Database(url)
        async with db.session() as session:
            await sites.create(session, code="HG", name="华庭花园", language="zh-Hans", timezone="Asia/Shanghai")
        await db.dispose()

    asyncio.run(create())
    return url


def plan_names(url: str, *, active: bool = False) -> list[str]:
    async def read() -> list[str]:
        db = Database(url)
        async with db.session() as session:
            plans = (await session.exec(select(PatrolPlan).order_by(PatrolPlan.id))).all()  # type: ignore[arg-type]
            names = [p.name for p in plans if p.active or not active]
        await db.dispose()
        return names

    return asyncio.run(read())


def test_yaml_plans_with_lines_of_bad_ones() -> None:
    specs, problems = specs_from_yaml(PLANS_YAML.encode())
    assert [s.name for s in specs] == ["消防巡查", "空置房巡查"]
    assert specs[1].checkpoints == [{"name": "1栋1201", "proof": "photo"}, {"name": "2栋0802", "proof": "photo"}]
    assert [(line, str(what)) for line, what in problems] == [(9, "a plan needs 1 to 30 checkpoints")]
    assert str(specs_from_yaml(b"name: [unclosed")[1][0][1]).startswith("not valid YAML")
    assert [(n, str(w)) for n, w in specs_from_yaml(b"just text")[1]] == [
        (1, "the file must be a list of plans (or plans: followed by a list)")
    ]


def test_cli_import_is_all_or_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, migrated_file: Callable[[Path], str]
) -> None:
    url = make_site_db(migrated_file(tmp_path / "plans.db"))
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DUTYDESK_LANGUAGE", "en")  # the messages below are the English ones
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_CSV, encoding="utf-8")
    assert main(["patrol", "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "nothing saved" in err and err.count("\n") == 1
    assert "line 3: checkpoint 天台: a location proof needs lat and lon" in err
    assert "line 4: give exactly one schedule" in err and "line 5: the plan column is empty" in err
    assert "line 6: checkpoint C座: proof must be one of tap, photo, location" in err
    assert plan_names(url) == []
    good = tmp_path / "good.csv"
    good.write_text(GOOD_CSV, encoding="utf-8-sig")
    assert main(["patrol", "import", str(good), "--site", "hg"]) == 0
    assert "2 patrol plan(s) saved at 华庭花园" in capsys.readouterr().out
    yaml_file = tmp_path / "plans.yml"
    yaml_file.write_text(PLANS_YAML.replace("checkpoints: []", "checkpoints: [x]"), encoding="utf-8")
    assert main(["patrol", "import", str(yaml_file)]) == 0
    assert plan_names(url) == ["消防巡查", "主管巡查", "空置房巡查", "坏计划"]  # 消防巡查 replaced, not doubled
    assert main(["patrol", "add", "夜巡", "--at", "22:00,02:00", "--checkpoints", "A座，B座", "--grace", "10"]) == 0
    assert main(["patrol", "add", "夜巡2", "--every", "2h", "--checkpoints", "A", "--site", "NOPE"]) == 2
    assert "no site with code 'NOPE'" in capsys.readouterr().err
    assert main(["patrol", "add", "夜巡3", "--every", "3x", "--checkpoints", "A"]) == 2
    assert main(["patrol", "import", str(tmp_path / "missing.yaml")]) == 2
    assert main(["patrol", "list"]) == 0
    listed = capsys.readouterr().out
    assert "夜巡\tdaily at 02:00,22:00\tduty staff\tproof: tap\tlate after 10 min\tA座 > B座" in listed
    assert "消防巡查\tevery 2 h from 00:00" in listed
    assert main(["patrol", "remove", "夜巡"]) == 0 and main(["patrol", "remove", "夜巡"]) == 2
    assert "no active patrol plan '夜巡' at HG" in capsys.readouterr().err
    assert "夜巡" not in plan_names(url, active=True)


def test_bad_csv_rows_are_reported_by_line_and_nothing_else() -> None:
    from handlers.patrols.plans import specs_from_rows

    specs, problems = specs_from_rows(read_table(BAD_CSV.encode(), "plans.csv"))
    assert not specs
    assert {line for line, _ in problems} == {3, 4, 5, 6}
    assert any("give exactly one schedule" in str(what) for line, what in problems if line == 4)


async def test_importer_in_the_feature_writes_nothing_on_bad_rows(harness: DeskHarness) -> None:
    await harness.setup_site()
    importer = registry().imports["patrols"]
    async with harness.desk.db.session() as session:
        site = await sites.by_code(session, code="HG")
        assert site is not None
        problems = await importer(session, site, read_table(BAD_CSV.encode(), "p.csv"))
        assert problems and not (await session.exec(select(PatrolPlan))).all()
        assert await importer(session, site, read_table(GOOD_CSV.encode(), "p.csv")) == []
    out = text_of(await harness.send("/plans"))
    assert "消防巡查：每2小时一次（自 00:00 起），3 个点（地下车库 → 消防泵房 → 天台），值班员，宽限 10 分钟" in out
    assert "主管巡查" in out and "宽限 15 分钟" in out


async def test_supervisor_plan_refuses_staff_and_export_rows(harness: DeskHarness) -> None:
    h = harness
    await h.setup_site()
    assert "还没有巡查计划" in text_of(await h.send("/plans"))
    assert "今天还没有巡查" in text_of(await h.send("/patrols"))
    h.clock.advance(minutes=5)
    await add_plan(h, ["大堂"], name="主管巡查", role="supervisor", every="2h")
    seen = len(await h.outbox())
    await h.desk.sweep(h.clock.advance(hours=1, minutes=55))
    [ping] = await group_since(h, seen)
    denied = await h.press(data_of(ping, "开始巡查"))
    assert denied.alert and "主管" in (denied.toast or "")
    card = await h.press(data_of(ping, "开始巡查"), user=SUPERVISOR)
    assert (await h.press(button_data(card, "大堂"))).alert  # staff sign no point of a supervisor's round
    await h.press(button_data(card, "大堂"), user=SUPERVISOR)
    assert "需要：主管" in text_of(await h.send("/patrol 主管巡查"))
    today = text_of(await h.send("/patrols"))
    assert "【主管巡查】" in today and "12:00 进行中 主管陈姐 12:00 1/1" in today and "14:00 待巡" in today
    async with h.desk.db.session() as session:
        rows = await rows_for(session, "patrols")
    assert list(rows[0]) == list(PATROL_FIELDS)
    assert rows[0]["status"] == "running" and rows[0]["checkpoints_done"] == 1 and rows[0]["plan"] == "主管巡查"
    assert rows[0]["due_at"] == "2026-11-23T12:00:00+08:00" and rows[1]["status"] == "due"
    json.dumps(rows, ensure_ascii=False)
    buffer = io.StringIO()
    csv.DictWriter(buffer, fieldnames=list(PATROL_FIELDS)).writerows(rows)


@pytest.mark.parametrize(
    ("option", "choices"),
    [("--role", "'staff', 'supervisor', 'manager', 'admin'"), ("--proof", "'tap', 'photo', 'location'")],
)
def test_cli_refusal_names_the_choices_as_typed(capsys, option: str, choices: str) -> None:
    """A mistyped role or proof is refused before the database is opened, naming what may be typed
    (not the enum members' reprs)."""
    with pytest.raises(SystemExit) as refused:
        main(["patrol", "add", "夜巡", "--at", "22:00", "--checkpoints", "A", option, "boss"])
    assert refused.value.code == 2
    assert f"invalid choice: 'boss' (choose from {choices})" in capsys.readouterr().err
