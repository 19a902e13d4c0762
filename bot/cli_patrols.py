"""`dutydesk patrol add|import|list`: patrol plans from the command line or a YAML/CSV/XLSX file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli_verbs import Verb
from handlers.core.taxonomy import PROOFS, ROLES

if TYPE_CHECKING:
    from bot.config import Settings
    from handlers.core.uploads import Caps
    from handlers.patrols.plans import PlanSpec


def configure(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    patrol = sub.add_parser("patrol", help="manage patrol plans")
    actions = patrol.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add a patrol plan (or replace the plan of that name)")
    add.add_argument("name", help="plan name, e.g. 消防巡查")
    when = add.add_mutually_exclusive_group(required=True)
    when.add_argument("--every", help="a round every N hours or minutes from --start, e.g. 2h or 90m")
    when.add_argument("--at", help="fixed times of day, e.g. 08:00,20:00")
    when.add_argument("--per-day", dest="per_day", help="N rounds a day spread from --start to --until")
    add.add_argument("--start", help="first round of the day, HH:MM (default 00:00 for --every, 08:00 for --per-day)")
    add.add_argument("--until", help="end of the day's window for --per-day, HH:MM (default 20:00)")
    add.add_argument("--checkpoints", required=True, help='checkpoints in route order, e.g. "地下车库,消防泵房,天台"')
    add.add_argument("--grace", help="minutes before a round not started is late (default: the site's policy, 15)")
    add.add_argument("--role", choices=ROLES, default="staff", help="the lowest role that may patrol (default staff)")
    add.add_argument("--proof", choices=PROOFS, default="tap", help="what proves each checkpoint (default tap)")
    add.add_argument("--site", help="site code (may be omitted while there is only one site)")
    load = actions.add_parser("import", help="load plans from a YAML, CSV or XLSX file (all or nothing)")
    load.add_argument("file", help="the plan file (.yaml/.yml, .csv or .xlsx)")
    load.add_argument("--site", help="site code (may be omitted while there is only one site)")
    show = actions.add_parser("list", help="list the patrol plans of a site")
    show.add_argument("--site", help="site code (may be omitted while there is only one site)")
    stop = actions.add_parser("remove", help="stop a plan: no more rounds (its past rounds stay for the records)")
    stop.add_argument("name", help="the plan's name")
    stop.add_argument("--site", help="site code (may be omitted while there is only one site)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio  # imported here, not at the top: `dutydesk --version` stays quick

    from handlers.patrols.plans import PlanError, spec_of  # imported when the verb runs, not to build the parser

    try:
        if args.action == "add":
            values = {key: getattr(args, key) for key in ("every", "at", "per_day", "start", "until", "grace")}
            values |= {"name": args.name, "role": args.role, "proof": args.proof}
            names = [p.strip() for p in args.checkpoints.replace("，", ",").replace("、", ",").split(",") if p.strip()]
            specs = [spec_of(0, values, names)]
        elif args.action == "import":
            specs = read_plans(Path(args.file), asyncio.run(_caps(settings, args.site)))
        elif args.action == "remove":
            return asyncio.run(_remove(settings, args.site, args.name))
        else:
            return asyncio.run(_list(settings, args.site))
    except PlanError as exc:
        print(f"dutydesk: {exc}", file=sys.stderr)
        return 2
    try:
        site_name = asyncio.run(_save(settings, args.site, specs))
    except PlanError as exc:
        print(f"dutydesk: {exc}", file=sys.stderr)
        return 2
    print(f"{len(specs)} patrol plan(s) saved at {site_name}: {', '.join(s.name for s in specs)}")
    return 0


def read_plans(path: Path, caps: Caps) -> list[PlanSpec]:
    """Every plan of the file, or PlanError naming each bad line (nothing is saved then). The file
    is read within the site's import caps, as in the chat; its size is checked before reading."""
    from handlers.core.uploads import TableError, read_table, too_big
    from handlers.patrols.plans import PlanError, specs_from_rows, specs_from_yaml

    try:
        if (refused := too_big(path.stat().st_size, caps)) is not None:
            raise PlanError(f"{path.name}: {refused}")
        data = path.read_bytes()
    except OSError as exc:
        raise PlanError(f"cannot read {path}: {exc.strerror}") from exc
    if path.suffix.lower() in (".yaml", ".yml"):
        specs, problems = specs_from_yaml(data)
    else:
        try:
            specs, problems = specs_from_rows(read_table(data, path.name, caps))
        except TableError as exc:
            raise PlanError(f"{path.name}: {exc}") from exc
    if problems:
        lines = "; ".join(f"line {line}: {what}" for line, what in sorted(problems))
        raise PlanError(f"{path.name} not loaded, nothing saved — {lines}")
    if not specs:
        raise PlanError(f"{path.name} has no plans")
    return specs


async def _caps(settings: Settings, site_code: str | None) -> Caps:
    """The import caps of the site the plans are for."""
    from handlers.core.operator import AdminError, import_caps
    from handlers.patrols.plans import PlanError
    from storage.db import Database

    db = Database(settings.database_url)
    try:
        await db.migrate()
        return await import_caps(db, site_code)
    except AdminError as exc:
        raise PlanError(str(exc)) from None
    finally:
        await db.dispose()


async def _save(settings: Settings, site_code: str | None, specs: list[PlanSpec]) -> str:
    from handlers.patrols.plans import resolve_site, save
    from storage.db import Database

    db = Database(settings.database_url)
    try:
        await db.migrate()
        async with db.session() as session:
            site = await resolve_site(session, site_code)
            await save(session, site, specs)
            return site.name
    finally:
        await db.dispose()


async def _list(settings: Settings, site_code: str | None) -> int:
    from handlers.patrols.plans import PlanError, resolve_site
    from storage.db import Database
    from storage.models import require_id
    from storage.repos import patrols

    db = Database(settings.database_url)
    try:
        await db.migrate()
        async with db.session() as session:
            site = await resolve_site(session, site_code)
            for plan in await patrols.plans_for_site(session, site_id=require_id(site)):
                route = " > ".join(str(c["name"]) for c in plan.checkpoints)
                print(f"{plan.name}\t{plan.schedule}\t{plan.role}\t{route}")
    except PlanError as exc:
        print(f"dutydesk: {exc}", file=sys.stderr)
        return 2
    finally:
        await db.dispose()
    return 0


async def _remove(settings: Settings, site_code: str | None, name: str) -> int:
    from handlers.patrols.plans import PlanError, resolve_site
    from storage.db import Database
    from storage.models import require_id
    from storage.repos import patrols

    db = Database(settings.database_url)
    try:
        await db.migrate()
        async with db.session() as session:
            site = await resolve_site(session, site_code)
            plan = await patrols.plan_by_name(session, site_id=require_id(site), name=name)
            if plan is None or not plan.active:
                raise PlanError(f"no active patrol plan {name!r} at {site.code}")
            plan.active = False
            session.add(plan)
    except PlanError as exc:
        print(f"dutydesk: {exc}", file=sys.stderr)
        return 2
    finally:
        await db.dispose()
    print(f"patrol plan {name} stopped")
    return 0


VERBS = [Verb("patrol", configure, run)]
