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
from handlers.core.i18n import Said, SaidError, Translator
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


class PlanError(SaidError):
    """A plan that cannot be added: a ``patrol.bad.*`` key and its values say what to fix, in the
    reader's language; ``line`` is the file's line it is about, when another than the plan's first."""

    line: int | None = None

    def at_line(self, line: int) -> PlanError:
        self.line = line
        return self


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
        raise ScheduleError("patrol.bad.one_schedule")
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
        raise PlanError("patrol.bad.checkpoint_name", limit=NAME_LIMIT)
    proof = proof_or_none(_text(values.get("proof")).lower() or default_proof)
    if proof is None:
        raise PlanError("patrol.bad.checkpoint_proof", name=name, allowed=", ".join(PROOFS))
    out: dict[str, Any] = {"name": name, "proof": proof}
    lat, lon, radius = (_text(values.get(k)) for k in ("lat", "lon", "radius"))
    if lat or lon:
        try:
            out["lat"], out["lon"] = float(lat), float(lon)
        except ValueError as exc:
            raise PlanError("patrol.bad.latlon_numbers", name=name) from exc
        if not (-90 <= out["lat"] <= 90 and -180 <= out["lon"] <= 180):
            raise PlanError("patrol.bad.latlon_range", name=name)
    if radius:
        try:
            out["radius"] = float(radius)
        except ValueError as exc:
            raise PlanError("patrol.bad.radius_number", name=name) from exc
        if out["radius"] <= 0:
            raise PlanError("patrol.bad.radius_positive", name=name)
    if proof == Proof.LOCATION and "lat" not in out:
        raise PlanError("patrol.bad.location_needs", name=name)
    return out


def spec_of(line: int, values: Mapping[str, object], raw_checkpoints: Sequence[object]) -> PlanSpec:
    name = _text(values.get("name") or values.get("plan"))
    if not name or len(name) > NAME_LIMIT:
        raise PlanError("patrol.bad.plan_name", limit=NAME_LIMIT)
    role = role_or_none(_text(values.get("role")).lower() or Role.STAFF)
    if role is None:
        raise PlanError("patrol.bad.role", allowed=", ".join(ROLES))
    proof = proof_or_none(_text(values.get("proof")).lower() or Proof.TAP)
    if proof is None:
        raise PlanError("patrol.bad.proof", allowed=", ".join(PROOFS))
    grace_text = _text(values.get("grace"))
    grace = None
    if grace_text:
        if not grace_text.isdigit() or not 1 <= int(grace_text) <= 24 * 60:
            raise PlanError("patrol.bad.grace", low=1, high=24 * 60)
        grace = int(grace_text)
    checkpoints = [checkpoint_of(raw, proof) for raw in raw_checkpoints]
    if not checkpoints or len(checkpoints) > MAX_CHECKPOINTS:
        raise PlanError("patrol.bad.checkpoint_count", limit=MAX_CHECKPOINTS)
    names = [c["name"] for c in checkpoints]
    if len(set(names)) != len(names):
        raise PlanError("patrol.bad.checkpoint_repeat")
    try:
        schedule = schedule_of(values)
    except ScheduleError as exc:
        raise PlanError(exc.said.key, **exc.said.params) from exc
    return PlanSpec(line, name, schedule, checkpoints, role, grace)


def split_names(text: str) -> list[str]:
    return [p.strip() for p in text.replace("，", ",").replace("、", ",").split(",") if p.strip()]


def specs_from_yaml(data: bytes) -> tuple[list[PlanSpec], list[tuple[int, Said]]]:
    """A list of plans (or ``plans:`` holding one); each plan's line is where its mapping starts."""
    import yaml  # only for an import of plans (the CLI): not kept in the running bot's memory

    try:
        text = data.decode("utf-8-sig")
        root = yaml.compose(text)
        loaded = yaml.safe_load(text)
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", -1) + 1
        return [], [(line, Said("patrol.bad.not_yaml", why=getattr(exc, "problem", None) or exc))]
    node, items = root, loaded
    if isinstance(loaded, dict) and "plans" in loaded and isinstance(root, yaml.MappingNode):
        node = next(v for k, v in root.value if k.value == "plans")
        items = loaded["plans"]
    if not isinstance(items, list) or not isinstance(node, yaml.SequenceNode):
        return [], [(1, Said("patrol.bad.yaml_list"))]
    specs, problems = [], []
    for item, item_node in zip(items, node.value, strict=True):
        line = item_node.start_mark.line + 1
        try:
            if not isinstance(item, dict):
                raise PlanError("patrol.bad.yaml_mapping")
            raw = item.get("checkpoints")
            checkpoints = split_names(raw) if isinstance(raw, str) else list(raw or [])
            specs.append(spec_of(line, item, checkpoints))
        except PlanError as exc:
            problems.append((line, exc.said))
    return specs, problems


def specs_from_rows(rows: Sequence[TableRow]) -> tuple[list[PlanSpec], list[tuple[int, Said]]]:
    """CSV/XLSX: one row per checkpoint (columns plan, checkpoint, proof, lat, lon, radius) with the
    plan's own columns (every/start/at/per_day/until, grace, role) on its first row; or one row per
    plan with a ``checkpoints`` column (names separated by commas)."""
    groups: dict[str, list[TableRow]] = {}
    problems: list[tuple[int, Said]] = []
    for row in rows:
        name = _text(row.values.get("plan") or row.values.get("name"))
        if not name:
            problems.append((row.line, Said("patrol.bad.plan_empty")))
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
                        raise PlanError("patrol.bad.differs", key=key, first=first.line).at_line(row.line)
            checkpoints: list[object] = []
            default_proof = _text(plan_values.get("proof")).lower() or Proof.TAP
            for row in group:
                listed = _text(row.values.get("checkpoints"))
                try:
                    checkpoints.extend(split_names(listed) if listed else [checkpoint_of(row.values, default_proof)])
                except PlanError as exc:
                    raise exc.at_line(row.line) from None
            specs.append(spec_of(first.line, plan_values, checkpoints))
        except PlanError as exc:
            problems.append((exc.line or first.line, exc.said))
    return specs, problems


async def resolve_site(session: AsyncSession, code: str | None) -> Site:
    try:
        return await site_for_cli(session, code)
    except AdminError as exc:
        raise PlanError(exc.key, **exc.params) from None


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
    """``Feature.imports["patrols"]``: all rows good → every plan saved; else nothing, the problems
    in the site's language."""
    specs, problems = specs_from_rows(rows)
    if problems:
        t = Translator(site.language)
        return sorted((line, what.text(t)) for line, what in problems)
    await save(session, site, specs)
    return []
