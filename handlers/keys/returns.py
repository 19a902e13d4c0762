"""A key coming back (归还): who returned it and who received it, when and in what condition, and
why a key still out is late (000 L514, L571)."""

from __future__ import annotations

import handlers.keys.render as render
from handlers.core.context import Context
from handlers.core.messages import Outcome, Reply
from handlers.keys.loans import OVERDUE
from storage.models import Key, KeyLoan, require_id
from storage.models.keys import LoanStatus
from storage.repos import sites, timers


async def give_back(ctx: Context, loan: KeyLoan, key: Key, condition: str | None) -> Outcome:
    """Close an out loan: who received the key back, when, and its condition."""
    t = ctx.t
    if loan.status != LoanStatus.OUT:
        return ctx.answer(t("keys.not_out", code=key.code))
    loan.status, loan.returned_at = LoanStatus.RETURNED, ctx.now
    loan.returned_to, loan.returned_to_name = await receiver(ctx, loan)
    loan.condition = condition or None
    ctx.session.add(loan)
    await timers.cancel_for(ctx.session, kind=OVERDUE, ref_id=require_id(loan))
    text = render.returned_text(t, loan, key, ctx.zone())
    if ctx.msg.is_button:
        return Outcome(
            replies=[Reply(text, edit=True, link=("key_loan", require_id(loan)))], toast=t("keys.returned_toast")
        )
    return Outcome(replies=[Reply(text, link=("key_loan", require_id(loan)))])


async def receiver(ctx: Context, loan: KeyLoan) -> tuple[int | None, str | None]:
    """Who receives the key back: the staff member who records the return; when the borrower records
    it themself they are the returner (the loan's borrower), not the receiver, and the receiver is the
    staff member on duty now; nobody when nobody else is (the record then says so)."""
    user = ctx.msg.user
    if loan.borrower_id is None or user.id != loan.borrower_id:
        return user.id, user.name
    import handlers.shifts.interface as shifts  # at call time: as the duty log does

    site = await sites.get(ctx.session, site_id=loan.site_id)
    on_duty = sorted(await shifts.rostered_now(ctx.session, site, ctx.now) - {user.id}) if site else []
    if not on_duty:
        return None, None
    people = await sites.people(ctx.session, ids=on_duty)
    staff = [i for i in on_duty if i in people] or on_duty
    person = people.get(staff[0])
    return staff[0], person.name if person and person.name else str(staff[0])


async def late_reason(ctx: Context, loan: KeyLoan, key: Key, reason: str) -> Outcome:
    """Why a key out is not back (000 L514, L571: 对未收回的钥匙要查明原因并做好记录): kept on the
    loan for the daily key report and the supervisors' morning chase."""
    t = ctx.t
    if loan.status != LoanStatus.OUT:
        return ctx.answer(t("keys.not_out", code=key.code))
    loan.late_reason = reason[:500]
    loan.late_reason_by, loan.late_reason_at = ctx.msg.user.name, ctx.now
    ctx.session.add(loan)
    return Outcome.say(t("keys.reason_recorded", item=render.loan_item(loan, key), reason=loan.late_reason))
