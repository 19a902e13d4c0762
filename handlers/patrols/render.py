"""How patrol plans and rounds look in a chat: the round card (checkpoints ticked as they are
signed), its buttons, the /plans and /patrols lists."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from handlers.core.callback_data import Position
from handlers.core.i18n import Translator
from handlers.core.messages import Button, Keyboard
from handlers.core.render import clip
from handlers.core.taxonomy import PROOFS as PROOFS  # re-exported: the patrol modules take it from here
from handlers.patrols.buttons import FinishRound, SignCheckpoint, StartRound
from storage.codes import Proof
from storage.models import PatrolCheck, PatrolFinding, PatrolPlan, PatrolRound
from storage.models.patrols import CLOSED_ROUND, RoundStatus

# What a round is shown as in lists and exports: its status, or late (due, not started in time).
ShownStatus = RoundStatus | Literal["late"]
MARKS: Final[dict[Proof, str]] = {Proof.TAP: "☑", Proof.PHOTO: "📷", Proof.LOCATION: "📍"}


def proof_of(checkpoint: Mapping[str, Any]) -> Proof:
    """What proves a checkpoint of a plan (stored in the plan's JSON): a tap unless it says. Plans
    are checked when saved (handlers.patrols.plans.checkpoint_of), so only a hand-edited plan could
    name another proof; it reads as a tap, as the card's mark always did."""
    try:
        return Proof(str(checkpoint.get("proof", Proof.TAP)))
    except ValueError:
        return Proof.TAP


@dataclass(frozen=True, slots=True)
class RoundView:
    """A round with what its card shows: the plan, the signed checkpoints, the findings."""

    plan: PatrolPlan
    round: PatrolRound
    checks: Sequence[PatrolCheck]
    findings: Sequence[PatrolFinding]
    incident_numbers: dict[int, int]

    def signed(self) -> dict[int, PatrolCheck]:
        return {c.position: c for c in self.checks}

    def pending(self) -> list[tuple[int, dict[str, Any]]]:
        done = self.signed()
        return [(i, cp) for i, cp in enumerate(self.plan.checkpoints) if i not in done]


def status_of(patrol_round: PatrolRound) -> ShownStatus:
    """The export and list status: due, running, done, late (not started in time), missed."""
    if patrol_round.status == RoundStatus.DUE and patrol_round.late_at is not None:
        return "late"
    return patrol_round.status


def hm(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M") if moment else "-"


def route(plan: PatrolPlan) -> str:
    return " → ".join(str(cp["name"]) for cp in plan.checkpoints)


def card_text(t: Translator, zone: ZoneInfo, view: RoundView) -> str:
    plan, rnd = view.plan, view.round
    lines = [t("patrol.card", plan=plan.name, due=hm(rnd.due_at, zone), status=t(f"patrol.status.{status_of(rnd)}"))]
    if rnd.started_at is not None:
        lines.append(t("patrol.started_line", name=rnd.started_name or "?", at=hm(rnd.started_at, zone)))
    signed = view.signed()
    for position, checkpoint in enumerate(plan.checkpoints):
        check = signed.get(position)
        if check is None:
            proof = proof_of(checkpoint)
            lines.append(t("patrol.cp_pending", name=checkpoint["name"], proof=t(f"patrol.proof.{proof}")))
        else:
            lines.append(
                t(
                    "patrol.cp_done",
                    name=check.name,
                    who=check.done_name,
                    at=hm(check.done_at, zone),
                    proof=t(f"patrol.proof.{check.proof}"),
                )
            )
    for finding in view.findings:
        lines.append(finding_line(t, finding, view.incident_numbers))
    if rnd.status == RoundStatus.DONE:
        lines.append(t("patrol.done_line", name=rnd.done_name or "?", at=hm(rnd.done_at, zone)))
    elif rnd.status == RoundStatus.RUNNING:
        lines.append(t("patrol.how_to"))
    return "\n".join(lines)


def finding_line(t: Translator, finding: PatrolFinding, numbers: dict[int, int]) -> str:
    number = numbers.get(finding.incident_id or 0)
    text = clip(finding.text, 60) or t("patrol.photo_only")
    if number is not None:
        return t("patrol.finding_incident", text=text, number=number)
    return t("patrol.finding_line", text=text)


def card_buttons(t: Translator, view: RoundView) -> Keyboard:
    rnd = view.round
    round_id = rnd.id
    if round_id is None or rnd.status in CLOSED_ROUND:
        return []
    if rnd.status == RoundStatus.DUE:
        return [[Button(t("patrol.btn.start"), StartRound(round=round_id).pack())]]
    buttons = [
        Button(
            f"{MARKS[proof_of(cp)]} {cp['name']}", SignCheckpoint(round=round_id, position=Position(position)).pack()
        )
        for position, cp in view.pending()
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([Button(t("patrol.btn.finish"), FinishRound(round=round_id).pack())])
    return rows


_EVERY = re.compile(r"^every (\d+)(h|m) from (\d\d:\d\d)$")
_PER_DAY = re.compile(r"^(\d+)x a day (\d\d:\d\d)-(\d\d:\d\d)$")


def schedule_text(t: Translator, label: str) -> str:
    """The stored schedule label (handlers.patrols.schedule) in the chat's language."""
    if match := _EVERY.match(label):
        unit = t("patrol.sched.hours" if match.group(2) == "h" else "patrol.sched.minutes", n=match.group(1))
        return t("patrol.sched.every", interval=unit, start=match.group(3))
    if match := _PER_DAY.match(label):
        return t("patrol.sched.per_day", n=match.group(1), start=match.group(2), until=match.group(3))
    if label.startswith("at "):
        return t("patrol.sched.at", times=label.removeprefix("at "))
    return label


def plan_line(t: Translator, plan: PatrolPlan, grace: int) -> str:
    return t(
        "patrol.plan_line",
        name=plan.name,
        schedule=schedule_text(t, plan.schedule),
        count=len(plan.checkpoints),
        route=route(plan),
        role=t(f"role.{plan.role}"),
        grace=grace,
    )


def round_line(t: Translator, zone: ZoneInfo, view: RoundView) -> str:
    rnd = view.round
    status = status_of(rnd)
    parts = [t("patrol.round_line", due=hm(rnd.due_at, zone), status=t(f"patrol.status.{status}"))]
    if rnd.status == RoundStatus.DONE:
        parts.append(t("patrol.round_by", name=rnd.done_name or "?", at=hm(rnd.done_at, zone)))
    elif rnd.status == RoundStatus.RUNNING:
        parts.append(t("patrol.round_by", name=rnd.started_name or "?", at=hm(rnd.started_at, zone)))
    parts.append(f"{len(view.checks)}/{len(view.plan.checkpoints)}")
    if view.findings:
        numbers = [
            view.incident_numbers[f.incident_id] for f in view.findings if f.incident_id in view.incident_numbers
        ]
        parts.append(t("patrol.round_findings", count=len(view.findings), numbers=" ".join(f"#{n}" for n in numbers)))
    return " ".join(p for p in parts if p)
