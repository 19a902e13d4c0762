"""Patrol plans from the command line or a file (YAML or CSV): every row is checked first, bad
rows are reported by line, and nothing is written unless the whole file is good.

A plan: a name, checkpoints in route order (001 L813 route map and sign-in sheet), each proven by a
tap, a photo or a location (with latitude, longitude and an optional radius in metres); a schedule
(``every: 2h`` with ``start``, ``at: 08:00,20:00``, or ``per_day: 2`` with ``start``/``until``); who
patrols (``role``, default staff); a grace in minutes (default: the site's policy)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.context import ROLES
from handlers.core.operator import AdminError, site_for_cli
from handlers.core.uploads import TableRow
from handlers.patrols.render import PROOFS
from handlers.patrols.schedule import Schedule, ScheduleError, at, every, per_day
from storage.clock import utcnow
from storage.codes import Proof, Role, role_or_none
from storage.models import PatrolPlan, Site, require_id
from storage.repos import patrols

MAX_CHECKPOINTS = 30
NAME_LIMIT = 100
PLAN_KEYS = ("every", "start", "at", "per_day", "until", "grace", "role")


class PlanError(ValueError):
    """A plan that cannot be added; the message says what to fix."""


@dataclass(frozen=True, slots=True)
class PlanSpec:
    line: int
    name: str
    schedule: Schedule
    checkpoints: list[dict[str, Any]]
    role: Role
    grace: int | None


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def schedule_of(values: Mapping[str, object]) -> Schedule:
    """Exactly one of every / at / per_day."""
    given = [key for key in ("every", "at", "per_day") if _text(values.get(key))]
    if len(given) != 1:
        raise ScheduleError("give exactly one schedule: every (e.g. 2h), at (e.g. 08:00,20:00) or per_day (e.g. 2)")
    start = _text(values.get("start"))
    if given[0] == "every":
        return every(_text(values["every"]), start or "00:00")
    if given[0] == "at":
        raw = values["at"]
        return at([_text(v) for v in raw] if isinstance(raw, list) else _text(raw))
    return per_day(_text(values["per_day"]), start or "08:00", _text(values.get("until")) or "20:00")


def proof_or_none(text: str) -> Proof | None:
    """The proof a typed or stored string names, or None when it names none."""
    try:
        return Proof(text)
    except ValueError:
        return None


def checkpoint_of(raw: object, default_proof: str) -> dict[str, Any]:
    """``"天台"`` or ``{"name", "proof", "lat", "lon", "radius"}``; ``default_proof`` is the plan's
    proof as written (a checkpoint that names none takes it, and it is checked here)."""
    values: Mapping[str, object] = raw if isinstance(raw, Mapping) else {"name": raw}
    name = _text(values.get("checkpoint") or values.get("name"))
    if not name or len(name) > NAME_LIMIT:
        raise PlanError(f"a checkpoint needs a name of at most {NAME_LIMIT} characters")
    proof = proof_or_none(_text(values.get("proof")).lower() or default_proof)
    if proof is None:
        raise PlanError(f"checkpoint {name}: proof must be one of {', '.join(PROOFS)}")
    out: dict[str, Any] = {"name": name, "proof": proof}
    lat, lon, radius = (_text(values.get(k)) for k in ("lat", "lon", "radius"))
    if lat or lon:
        try:
            out["lat"], out["lon"] = float(lat), float(lon)
        except ValueError as exc:
            raise PlanError(f"checkpoint {name}: lat and lon must both be numbers") from exc
        if not (-90 <= out["lat"] <= 90 and -180 <= out["lon"] <= 180):
            raise PlanError(f"checkpoint {name}: lat/lon out of range")
    if radius:
        try:
            out["radius"] = float(radius)
        except ValueError as exc:
            raise PlanError(f"checkpoint {name}: radius must be metres, a number") from exc
        if out["radius"] <= 0:
            raise PlanError(f"checkpoint {name}: radius must be more than 0")
    if proof == Proof.LOCATION and "lat" not in out:
        raise PlanError(f"checkpoint {name}: a location proof needs lat and lon")
    return out


def spec_of(line: int, values: Mapping[str, object], raw_checkpoints: Sequence[object]) -> PlanSpec:
    name = _text(values.get("name") or values.get("plan"))
    if not name or len(name) > NAME_LIMIT:
        raise PlanError(f"a plan needs a name of at most {NAME_LIMIT} characters")
    role = role_or_none(_text(values.get("role")).lower() or Role.STAFF)
    if role is None:
        raise PlanError(f"role must be one of {', '.join(ROLES)}")
    proof = proof_or_none(_text(values.get("proof")).lower() or Proof.TAP)
    if proof is None:
        raise PlanError(f"proof must be one of {', '.join(PROOFS)}")
    grace_text = _text(values.get("grace"))
    grace = None
    if grace_text:
        if not grace_text.isdigit() or not 1 <= int(grace_text) <= 24 * 60:
            raise PlanError("grace must be whole minutes between 1 and 1440")
        grace = int(grace_text)
    checkpoints = [checkpoint_of(raw, proof) for raw in raw_checkpoints]
    if not checkpoints or len(checkpoints) > MAX_CHECKPOINTS:
        raise PlanError(f"a plan needs 1 to {MAX_CHECKPOINTS} checkpoints")
    names = [c["name"] for c in checkpoints]
    if len(set(names)) != len(names):
        raise PlanError("checkpoint names repeat")
    try:
        schedule = schedule_of(values)
    except ScheduleError as exc:
        raise PlanError(str(exc)) from exc
    return PlanSpec(line, name, schedule, checkpoints, role, grace)


def split_names(text: str) -> list[str]:
    return [p.strip() for p in text.replace("，", ",").replace("、", ",").split(",") if p.strip()]


def specs_from_yaml(data: bytes) -> tuple[list[PlanSpec], list[tuple[int, str]]]:
    """A list of plans (or ``plans:`` holding one); each plan's line is where its mapping starts."""
    import yaml  # only for an import of plans (the CLI): not kept in the running bot's memory

    try:
        text = data.decode("utf-8-sig")
        root = yaml.compose(text)
        loaded = yaml.safe_load(text)
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        return [], [(getattr(getattr(exc, "problem_mark", None), "line", -1) + 1, f"not valid YAML: {exc}")]
    node, items = root, loaded
    if isinstance(loaded, dict) and "plans" in loaded and isinstance(root, yaml.MappingNode):
        node = next(v for k, v in root.value if k.value == "plans")
        items = loaded["plans"]
    if not isinstance(items, list) or not isinstance(node, yaml.SequenceNode):
        return [], [(1, "the file must be a list of plans (or plans: followed by a list)")]
    specs, problems = [], []
    for item, item_node in zip(items, node.value, strict=True):
        line = item_node.start_mark.line + 1
        try:
            if not isinstance(item, dict):
                raise PlanError("each plan is a mapping with name, checkpoints and a schedule")
            raw = item.get("checkpoints")
            checkpoints = split_names(raw) if isinstance(raw, str) else list(raw or [])
            specs.append(spec_of(line, item, checkpoints))
        except PlanError as exc:
            problems.append((line, str(exc)))
    return specs, problems


def specs_from_rows(rows: Sequence[TableRow]) -> tuple[list[PlanSpec], list[tuple[int, str]]]:
    """CSV/XLSX: one row per checkpoint (columns plan, checkpoint, proof, lat, lon, radius) with the
    plan's own columns (every/start/at/per_day/until, grace, role) on its first row; or one row per
    plan with a ``checkpoints`` column (names separated by commas)."""
    groups: dict[str, list[TableRow]] = {}
    problems: list[tuple[int, str]] = []
    for row in rows:
        name = _text(row.values.get("plan") or row.values.get("name"))
        if not name:
            problems.append((row.line, "the plan column is empty"))
            continue
        groups.setdefault(name, []).append(row)
    specs = []
    for group in groups.values():
        first = group[0]
        try:
            plan_values = dict(first.values)
            for row in group[1:]:
                for key in PLAN_KEYS:
                    value = _text(row.values.get(key))
                    if value and value != _text(plan_values.get(key)):
                        raise PlanError(f"line {row.line}: {key} differs from the plan's first row, line {first.line}")
            checkpoints: list[object] = []
            default_proof = _text(plan_values.get("proof")).lower() or Proof.TAP
            for row in group:
                listed = _text(row.values.get("checkpoints"))
                try:
                    checkpoints.extend(split_names(listed) if listed else [checkpoint_of(row.values, default_proof)])
                except PlanError as exc:
                    raise PlanError(f"line {row.line}: {exc}") from exc
            specs.append(spec_of(first.line, plan_values, checkpoints))
        except PlanError as exc:
            line, text = first.line, str(exc)
            if text.startswith("line "):
                head, _, text = text.partition(": ")
                line = int(head.removeprefix("line "))
            problems.append((line, text))
    return specs, problems


async def resolve_site(session: AsyncSession, code: str | None) -> Site:
    try:
        return await site_for_cli(session, code)
    except AdminError as exc:
        raise PlanError(str(exc)) from None


async def save(session: AsyncSession, site: Site, specs: Sequence[PlanSpec], *, now: datetime | None = None) -> None:
    for spec in specs:
        await patrols.save_plan(
            session,
            PatrolPlan(
                site_id=require_id(site),
                name=spec.name,
                checkpoints=spec.checkpoints,
                schedule=spec.schedule.label,
                times=list(spec.schedule.times),
                role=spec.role,
                grace_minutes=spec.grace,
                created_at=now or utcnow(),
            ),
        )


async def import_rows(session: AsyncSession, site: Site, rows: Sequence[TableRow]) -> list[tuple[int, str]]:
    """``Feature.imports["patrols"]``: all rows good → every plan saved; else nothing, the problems."""
    specs, problems = specs_from_rows(rows)
    if problems:
        return sorted(problems)
    await save(session, site, specs)
    return []
