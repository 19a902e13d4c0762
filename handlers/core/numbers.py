"""Record numbers as people see and type them (issue 19): each register has its own per-site
sequence and form (incident #12, resident ticket T12, standing order O3, leave/swap request R5),
one parser reads them for every command that takes one, and a number of another kind gets a reply
that says which record it is and how to act on it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.context import Context
from handlers.core.i18n import Translator
from handlers.core.messages import Outcome
from handlers.core.parsing import trim
from storage.codes import Register
from storage.models import require_id
from storage.repos import handovers, incidents, shift_requests, tickets

PREFIX: Final[dict[Register, str]] = {
    Register.INCIDENT: "#",
    Register.TICKET: "T",
    Register.ORDER: "O",
    Register.REQUEST: "R",
}
_BY_LETTER: Final[dict[str, Register]] = {"T": Register.TICKET, "O": Register.ORDER, "R": Register.REQUEST}

# One whole token: an optional mark (``#``/``＃``: the command's own register, the old form; ``T``,
# ``O``, ``R`` in either case or full width: that register), 1-9 digits (full width too), then a
# space, a comma or colon, or the end. ``T12abc`` and ``1.5`` name no record.
_REF = re.compile(r"^([#＃TtＴｔOoＯｏRrＲｒ]?)(\d{1,9})(?:[\s，,：:、]+(.*))?$", re.S)
_FOLD = str.maketrans("＃ＴｔＯｏＲｒ", "#TtOoRr")


def ref(register: Register, number: int | None) -> str:
    """How a record's number is shown everywhere (cards, lists, reports, exports): ``T12``."""
    return f"{PREFIX[register]}{number}" if number is not None else "-"


@dataclass(frozen=True, slots=True)
class RecordRef:
    """A number as typed: ``register`` is None for a bare number or ``#N`` (the command's own register)."""

    number: int
    register: Register | None

    def shown(self, own: Register) -> str:
        return ref(self.register or own, self.number)


def record_ref(args: str) -> tuple[RecordRef | None, str]:
    """``"T12 text"`` → (RecordRef(12, TICKET), "text"); ``"#12"``/``"１２"`` → (RecordRef(12, None), "");
    no number → (None, args trimmed)."""
    text = trim(args)
    match = _REF.match(text)
    if not match:
        return None, text
    mark = match.group(1).translate(_FOLD).upper()
    return RecordRef(int(match.group(2)), _BY_LETTER.get(mark)), trim(match.group(3) or "")


def _how(t: Translator, register: Register, number: int) -> str:
    return t(f"numbers.how.{register}", ref=ref(register, number))


def wrong_kind(t: Translator, found: RecordRef, own: Register) -> str:
    """ "T12 is a resident ticket, not an incident: /ticket T12 shows it or answers it." """
    assert found.register is not None
    return t(
        "numbers.wrong_kind",
        ref=ref(found.register, found.number),
        kind=t(f"numbers.kind.{found.register}"),
        wanted=t(f"numbers.kind.{own}"),
        how=_how(t, found.register, found.number),
    )


async def numbered(ctx: Context, args: str, own: Register, usage: str) -> tuple[int | None, str, Outcome | None]:
    """The number a command's arguments name in its own register and the rest of the text, or the
    reply to give instead: the usage when there is no number, "that is a ticket, use /ticket T12"
    when the number is marked as another register's."""
    found, rest = record_ref(args)
    if found is None:
        return None, rest, Outcome.say(ctx.t(usage))
    if found.register not in (None, own):
        return None, rest, Outcome.say(wrong_kind(ctx.t, found, own))
    return found.number, rest, None


async def elsewhere(session: AsyncSession, *, site_id: int, number: int, own: Register) -> list[Register]:
    """The other registers that hold a record with this number at this site (common for numbers
    given before each register counted on its own)."""
    finders = {
        Register.INCIDENT: incidents.by_number,
        Register.TICKET: tickets.by_number,
        Register.ORDER: handovers.order_by_number,
        Register.REQUEST: shift_requests.by_number,
    }
    found = []
    for register, find in finders.items():
        if register != own and await find(session, site_id=site_id, number=number) is not None:
            found.append(register)
    return found


async def not_found(ctx: Context, own: Register, number: int, key: str) -> Outcome:
    """The register's own "no such number" reply, and for each other register holding that number
    a line naming the record and how to act on it ("standing order O8 exists: /orders lists it")."""
    lines = [ctx.t(key, number=number)]
    if ctx.site is not None:
        for register in await elsewhere(ctx.session, site_id=require_id(ctx.site), number=number, own=own):
            kind, shown = ctx.t(f"numbers.kind.{register}"), ref(register, number)
            lines.append(ctx.t("numbers.exists", kind=kind, ref=shown, how=_how(ctx.t, register, number)))
    return Outcome.say("\n".join(lines))
