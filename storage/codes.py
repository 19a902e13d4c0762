"""Domain values shared by every layer: roles (SPEC §1), severities (SPEC §3), patrol proofs and the
registers whose records are numbered.

They are ``StrEnum``s: stored and exported as the same plain strings as before (no migration), but
mypy checks every use, so a misspelt role or severity is a type error where it is written. This
module imports nothing, so ``dutydesk --help`` can list the choices without loading the database.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final, Literal


class Role(StrEnum):
    """A person's role at one site (SPEC §1), lowest first: a higher role may do what a lower may."""

    STAFF = "staff"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def covers(self, needed: Role) -> bool:
        """Whether this role may do what ``needed`` may (the same or a higher role)."""
        return self.rank >= needed.rank


_RANK: Final[dict[Role, int]] = {role: rank for rank, role in enumerate(Role, start=1)}

# Who may use a command or press a button: a role, or anyone at all (/help, /start, /my).
Anyone = Literal["anyone"]
ANYONE: Final[Anyone] = "anyone"
Access = Role | Anyone

# Every role above staff: those told of escalations, approvals and overdue chases.
SUPERVISORS_UP: Final[tuple[Role, ...]] = (Role.SUPERVISOR, Role.MANAGER, Role.ADMIN)
MANAGERS_UP: Final[tuple[Role, ...]] = (Role.MANAGER, Role.ADMIN)


class Severity(StrEnum):
    """How serious an event is (SPEC §3); major ones come before all else (000 L151)."""

    NORMAL = "normal"
    URGENT = "urgent"
    MAJOR = "major"

    @property
    def order(self) -> int:
        """Listing order: major first."""
        return {Severity.MAJOR: 0, Severity.URGENT: 1, Severity.NORMAL: 2}[self]


class Proof(StrEnum):
    """What proves a patrol checkpoint was visited."""

    TAP = "tap"
    PHOTO = "photo"
    LOCATION = "location"


class Register(StrEnum):
    """A kind of numbered record: each has its own per-site sequence and visible form (#12, T12, O3,
    R5), so a number can no longer name two records (issue 19)."""

    INCIDENT = "incident"
    TICKET = "ticket"
    ORDER = "order"
    REQUEST = "request"


def role_or_none(text: str | None) -> Role | None:
    """The role a stored or typed string names, or None when it names none."""
    try:
        return Role(text) if text is not None else None
    except ValueError:
        return None
