"""``/digest on|off``: a manager takes the shift digest (the default) or the pings one by one."""

from __future__ import annotations

from handlers.core.commands import Command
from handlers.core.context import Context
from handlers.core.feature import Feature
from handlers.core.messages import Outcome
from storage.codes import Role
from storage.repos import digest

ON, OFF = ("on", "开", "開", "1"), ("off", "关", "關", "0")


async def digest_command(ctx: Context, args: str) -> Outcome:
    """No argument: says which is chosen; ``on`` / ``off`` chooses (for all the sender's sites)."""
    me, word = ctx.msg.user.id, args.strip().lower()
    if word in ON or word in OFF:
        enabled = word in ON
        await digest.set_choice(ctx.session, telegram_id=me, enabled=enabled)
        return Outcome.say("\n".join([ctx.t("digest.now_on" if enabled else "digest.now_off"), ctx.t("digest.rule")]))
    if word:
        return Outcome.say(ctx.t("digest.usage"))
    enabled = await digest.takes_digest(ctx.session, telegram_id=me)
    return Outcome.say("\n".join([ctx.t("digest.is_on" if enabled else "digest.is_off"), ctx.t("digest.usage")]))


PART = Feature(
    "digest_choice",
    commands=[Command("digest", digest_command, min_role=Role.MANAGER, where="any", needs_site=False)],
)
