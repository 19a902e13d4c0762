"""The key register from the duty group: ``/key_add`` and ``/keys_import`` (a supervisor registers
keys; only a manager changes a registered key's kind, 000 L506-508), and the note said once when a
site registers its first sealed key."""

from __future__ import annotations

import handlers.keys.loans as key_loans
from handlers.core.commands import Command
from handlers.core.context import Context
from handlers.core.feature import Feature
from handlers.core.messages import Outcome
from handlers.core.uploads import Caps, TableError
from handlers.keys.register import KINDS, check_row, import_rows, kind_of, load
from storage.codes import Role
from storage.models import Site, require_id
from storage.models.keys import KeyKind
from storage.repos import keys


async def key_add_command(ctx: Context, args: str) -> Outcome:
    """``/key_add CODE label kind`` (the kind last; 机房, 封存… also read). A supervisor registers keys;
    only a manager changes a registered key's kind, since the kind decides who approves and who
    witnesses (000 L506-508: a sealed key made common would be lent at once)."""
    words = args.split()
    if len(words) < 3 or kind_of(words[-1]) is None:
        return Outcome.say(ctx.t("keys.usage.key_add", kinds=", ".join(KINDS)))
    values, problem = check_row({"code": words[0], "label": " ".join(words[1:-1]), "kind": words[-1]})
    if values is None:
        return Outcome.say(ctx.t(f"keys.bad.{problem}") + "\n" + ctx.t("keys.usage.key_add", kinds=", ".join(KINDS)))
    assert ctx.site is not None
    site_id = require_id(ctx.site)
    known = await keys.by_code(ctx.session, site_id=site_id, code=values["code"])
    if known is not None and known.kind != values["kind"] and not ctx.may(site_id, Role.MANAGER):
        kind = ctx.t(f"keys.kind.{known.kind}")
        return Outcome.say(ctx.t("keys.kind_change_denied", code=known.code, kind=kind))
    had_sealed = await keys.has_kind(ctx.session, site_id=site_id, kind=KeyKind.SEALED)
    new = await keys.upsert(ctx.session, site_id=site_id, values=values)
    header = "keys.added" if new else "keys.updated"
    lines = [ctx.t(header, code=values["code"], label=values["label"], kind=ctx.t(f"keys.kind.{values['kind']}"))]
    if values["kind"] == KeyKind.SEALED and not had_sealed:
        lines += await sealed_setup_lines(ctx, ctx.site)
    return Outcome.say("\n".join(lines))


async def sealed_setup_lines(ctx: Context, site: Site) -> list[str]:
    """Said once, when a site's first sealed key is registered: who approves its use (000 L506), and
    that a site without a general manager falls back to the manager, recorded on each loan."""
    policy = ctx.policy(site)
    if not policy.key_sealed_gm_approval:
        return []
    counts = {"staff": policy.key_sealed_witnesses, "guards": policy.key_sealed_guards}
    return [ctx.t("keys.setup.gm" if await key_loans.has_gm(ctx, site) else "keys.setup.no_gm", **counts)]


async def import_command(ctx: Context, args: str) -> Outcome:
    """A CSV or XLSX file sent to the duty group with the caption ``/keys_import``."""
    t = ctx.t
    if not ctx.msg.document_file_id or ctx.site is None:
        return Outcome.say(t("keys.usage.import"))
    try:
        rows = await ctx.attached_table(Caps.of(ctx.policy()), "keys.csv")
    except LookupError:
        return Outcome.say(t("keys.import.no_files"))
    except TableError as exc:
        return Outcome.say(t("keys.import.unreadable", why=exc.text(t)))
    site_id = require_id(ctx.site)
    had_sealed = await keys.has_kind(ctx.session, site_id=site_id, kind=KeyKind.SEALED)
    problems = await load(ctx.session, ctx.site, rows, kinds_may_change=ctx.may(site_id, Role.MANAGER))
    if problems:
        lines = [t("keys.import.refused", count=len(problems))]
        lines.extend(t("keys.import.bad_line", line=line, what=t(f"keys.bad.{what}")) for line, what in problems[:20])
        return Outcome.say("\n".join(lines))
    total = await keys.count_for_site(ctx.session, site_id=site_id)
    lines = [t("keys.import.done", count=len(rows), total=total)]
    if not had_sealed and await keys.has_kind(ctx.session, site_id=site_id, kind=KeyKind.SEALED):
        lines += await sealed_setup_lines(ctx, ctx.site)
    return Outcome.say("\n".join(lines))


PART = Feature(
    "key_register",
    commands=[
        Command("key_add", key_add_command, min_role=Role.SUPERVISOR),
        Command("keys_import", import_command, min_role=Role.SUPERVISOR),
    ],
    imports={"keys": import_rows},
)
