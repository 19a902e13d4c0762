"""`dutydesk patrol add|import|list`: patrol plans from the command line or a YAML/CSV/XLSX file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bot import cli_db
from bot.cli_verbs import Subparsers, Verb, actions, add_database, add_site
from handlers.core.taxonomy import PROOFS, ROLES
from storage.codes import Proof, Role

if TYPE_CHECKING:
    from bot.config import Settings
    from handlers.core.uploads import Caps
    from handlers.patrols.plans import PlanSpec
    from storage.db import Database


def configure(sub: Subparsers) -> None:
    patrol = actions(sub, "patrol", "manage patrol plans")
    add = patrol.add_parser("add", help="add a patrol plan (or replace the plan of that name)")
    add.add_argument("name", help="plan name, e.g. 消防巡查")
    when = add.add_mutually_exclusive_group(required=True)
    when.add_argument("--every", help="a round every N hours or minutes from --start, e.g. 2h or 90m")
    when.add_argument("--at", help="fixed times of day, e.g. 08:00,20:00")
    when.add_argument("--per-day", dest="per_day", help="N rounds a day spread from --start to --until")
    add.add_argument("--start", help="first round of the day, HH:MM (default 00:00 for --every, 08:00 for --per-day)")
    add.add_argument("--until", help="end of the day's window for --per-day, HH:MM (default 20:00)")
    add.add_argument("--checkpoints", required=True, help='checkpoints in route order, e.g. "地下车库,消防泵房,天台"')
    add.add_argument("--grace", help="minutes before a round not started is late (default: the site's policy, 15)")
    # Plain strings as choices: argparse names a refused value's choices by their repr.
    roles, proofs = [role.value for role in ROLES], [proof.value for proof in PROOFS]
    add.add_argument(
        "--role", choices=roles, default=Role.STAFF, help="the lowest role that may patrol (default staff)"
    )
    add.add_argument("--proof", choices=proofs, default=Proof.TAP, help="what proves each checkpoint (default tap)")
    add_site(add)
    add_database(add)
    load = patrol.add_parser("import", help="load plans from a YAML, CSV or XLSX file (all or nothing)")
    load.add_argument("file", help="the plan file (.yaml/.yml, .csv or .xlsx)")
    add_site(load)
    add_database(load)
    show = patrol.add_parser("list", help="list the patrol plans of a site")
    add_site(show)
    add_database(show)
    stop = patrol.add_parser("remove", help="stop a plan: no more rounds (its past rounds stay for the records)")
    stop.add_argument("name", help="the plan's name")
    add_site(stop)
    add_database(stop)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from handlers.patrols.plans import PlanError, spec_of  # imported when the verb runs, not to build the parser

    specs: list[PlanSpec] = []
    if args.action == "add":  # checked before the database is opened
        values = {key: getattr(args, key) for key in ("every", "at", "per_day", "start", "until", "grace")}
        values |= {"name": args.name, "role": args.role, "proof": args.proof}
        names = [p.strip() for p in args.checkpoints.replace("，", ",").replace("、", ",").split(",") if p.strip()]
        try:
            specs = [spec_of(0, values, names)]
        except PlanError as exc:
            return cli_db.refuse(exc)
    return cli_db.run(args, settings, lambda db: _patrol(db, args, specs), refusals=(PlanError,))


async def _patrol(db: Database, args: argparse.Namespace, specs: list[PlanSpec]) -> int:
    from handlers.core.operator import import_caps
    from handlers.patrols import operator

    t = cli_db.translator()
    if args.action == "list":
        for line in await operator.list_plans(db, args.site, t):
            print(line)
        return 0
    if args.action == "remove":
        print(await operator.stop_plan(db, args.site, args.name, t))
        return 0
    if args.action == "import":  # the file is read within the site's import caps, as in the chat
        specs = read_plans(Path(args.file), await import_caps(db, args.site))
    print(await operator.save_plans(db, args.site, specs, t))
    return 0


def read_plans(path: Path, caps: Caps) -> list[PlanSpec]:
    """Every plan of the file, or AdminError naming each bad line (nothing is saved then). The file
    is read within the site's import caps, as in the chat; its size is checked before reading."""
    from handlers.core.operator import AdminError
    from handlers.core.uploads import TableError, read_table, too_big
    from handlers.patrols.plans import specs_from_rows, specs_from_yaml

    try:
        if (refused := too_big(path.stat().st_size, caps)) is not None:
            raise AdminError("cli.file_refused", name=path.name, why=refused)
        data = path.read_bytes()
    except OSError as exc:
        raise AdminError("cli.cannot_read", path=path, why=exc.strerror or exc) from exc
    if path.suffix.lower() in (".yaml", ".yml"):
        specs, problems = specs_from_yaml(data)
    else:
        try:
            specs, problems = specs_from_rows(read_table(data, path.name, caps))
        except TableError as exc:
            raise AdminError("cli.file_refused", name=path.name, why=exc) from exc
    if problems:
        t = cli_db.translator()
        lines = "; ".join(t("cli.bad_line", line=line, what=what.text(t)) for line, what in sorted(problems, key=_line))
        raise AdminError("cli.patrols.bad_file", name=path.name, lines=lines)
    if not specs:
        raise AdminError("cli.patrols.no_plans", name=path.name)
    return specs


def _line(problem: tuple[int, object]) -> int:
    return problem[0]


VERBS = [Verb("patrol", configure, run)]
