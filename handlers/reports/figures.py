"""The figures of one site over a report period (a month, a quarter, a year), read in the transaction
as plain values (then drawn and written outside it). Every rate is a numerator over a denominator
from the stored records; the README ("Monthly statistics") defines each and cites its clause."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.reports.periods import Kind, Period
from storage.models import Site, require_id
from storage.repos import incidents, keys, patrols, tickets

RATINGS = ("satisfied", "basic", "unsatisfied")


@dataclass(frozen=True, slots=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    def percent(self) -> str:
        """``87.5%``, or ``—`` when nothing was counted (a rate of nothing is no rate)."""
        value = self.value
        return "—" if value is None else f"{value * 100:.1f}%"


@dataclass(frozen=True, slots=True)
class PlanRounds:
    plan: str
    rounds: int  # settled scheduled rounds due in the period
    on_time: int
    late: int
    missed: int


@dataclass(frozen=True, slots=True)
class Figures:
    """One site's period (or period so far), as numbers only."""

    site_code: str
    site_name: str
    language: str
    timezone: str
    month: str  # the period's label: YYYY-MM, YYYY-Qn or YYYY
    as_of: datetime
    kind: Kind = "month"
    incidents: list[tuple[str, str, int, int]] = field(default_factory=list)  # category, severity, n, closed
    incident_median_close_s: float | None = None
    tickets: dict[str, int] = field(default_factory=dict)
    parts: list[tuple[int, int, int]] = field(
        default_factory=list
    )  # per week (month) or month: received, timed, on time
    part_numbers: list[int] = field(default_factory=list)  # each part's week number or month number
    ticket_median_resolve_s: float | None = None
    callbacks_due: int = 0
    callbacks_done: int = 0
    ratings: dict[str, int] = field(default_factory=dict)
    loans: dict[str, int] = field(default_factory=dict)
    plans: list[PlanRounds] = field(default_factory=list)
    problems: int = 0
    rechecked: int = 0

    # -- counts ------------------------------------------------------------------------------------

    @property
    def incident_total(self) -> int:
        return sum(n for _, _, n, _ in self.incidents)

    @property
    def incident_closed(self) -> int:
        return sum(closed for *_, closed in self.incidents)

    @property
    def by_category(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for category, _, n, _ in self.incidents:
            counts[category] += n
        return dict(counts.most_common())

    @property
    def by_severity(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for _, severity, n, _ in self.incidents:
            counts[severity] += n
        return dict(counts)

    @property
    def majors(self) -> int:
        return self.by_severity.get("major", 0)

    @property
    def received(self) -> int:
        return self.tickets.get("received", 0)

    @property
    def sla_breaches(self) -> int:
        """Tickets received this month that missed their promised deadline (处理时限, 001 L901)."""
        return self.tickets.get("timed", 0) - self.tickets.get("on_time", 0)

    @property
    def key_overdue(self) -> int:
        return self.loans.get("overdue", 0)

    @property
    def is_empty(self) -> bool:
        return not (self.incident_total or self.received or self.callbacks_due or self.loans.get("lent") or self.plans)

    # -- rates (README "Monthly statistics") --------------------------------------------------------

    @property
    def complaint_validity(self) -> Rate:
        """投诉有效率 (003 L23): complaints handled to effect / complaints received."""
        return Rate(self.tickets.get("complaints_valid", 0), self.tickets.get("complaints", 0))

    @property
    def timeliness(self) -> Rate:
        """处理及时率 (003 L23): tickets done by their deadline / tickets whose deadline is decided."""
        return Rate(self.tickets.get("on_time", 0), self.tickets.get("timed", 0))

    @property
    def callback_rate(self) -> Rate:
        """回访率 (003 L63): callbacks made / callbacks due (asked this month, not voided)."""
        return Rate(self.callbacks_done, self.callbacks_due)

    @property
    def satisfaction(self) -> Rate:
        """满意率 (003 L63, L101): satisfied or basically satisfied / callbacks rated this month."""
        rated = sum(self.ratings.get(r, 0) for r in RATINGS)
        return Rate(self.ratings.get("satisfied", 0) + self.ratings.get("basic", 0), rated)

    @property
    def patrol_on_time(self) -> Rate:
        """Patrol rounds done without a late reminder / scheduled rounds settled (000 L451; 001 L813)."""
        return Rate(sum(p.on_time for p in self.plans), sum(p.rounds for p in self.plans))


async def read(session: AsyncSession, site: Site, period: Period, as_of: datetime) -> Figures:
    """The site's figures for ``period``, as of ``as_of`` (deadlines and overdue loans are judged then).
    Every figure is an aggregate computed by the database: memory does not grow with the records."""
    zone, site_id = ZoneInfo(site.timezone), require_id(site)
    start, end = period.start(zone), period.end(zone)
    bounds: dict[str, Any] = {"site_id": site_id, "start": start, "end": end}
    due, done, ratings = await tickets.callback_figures_between(session, **bounds)
    problems, rechecked = await patrols.finding_figures_between(session, **bounds)
    return Figures(
        site_code=site.code,
        site_name=site.name,
        language=site.language,
        timezone=site.timezone,
        month=period.label,
        as_of=as_of,
        kind=period.kind,
        incidents=await incidents.counts_between(session, **bounds),
        incident_median_close_s=await incidents.median_close_seconds(session, **bounds),
        tickets=await tickets.figures_between(session, **bounds, as_of=as_of),
        parts=await tickets.weekly_between(session, site_id=site_id, bounds=period.parts(zone), as_of=as_of),
        part_numbers=period.part_numbers(),
        ticket_median_resolve_s=await tickets.median_resolve_seconds(session, **bounds),
        callbacks_due=due,
        callbacks_done=done,
        ratings=ratings,
        loans=await keys.loan_figures_between(session, **bounds, as_of=as_of),
        plans=[PlanRounds(*row) for row in await patrols.round_figures_between(session, **bounds)],
        problems=problems,
        rechecked=rechecked,
    )
