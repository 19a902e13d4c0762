"""sites keep their two 12-hour shifts; arrival minutes are their own setting

The default shifts became three (早班 08:00-16:00, 中班 16:00-00:00, 夜班 00:00-08:00; 000 L474).
A site that existed before, with no shifts of its own, ran on the old default (白班 D 08:00-20:00,
夜班 N 20:00-08:00): its roster entries, files and people use those codes and hours, so it gets them
as its own shifts and nothing changes for it. New sites get the three.

``incoming_reminder_minutes`` was both the arrival time (002 L23: arrive 15 minutes early) and the
reminder's lead; the arrival is now ``arrive_early_minutes`` and the reminder comes that long before
the arrival. A site that had set it keeps its arrival time under the new key.

Data only; the schema does not change.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 07:30:00
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_DEFAULTS = (("D", "白班", "08:00", "20:00"), ("N", "夜班", "20:00", "08:00"))

site = sa.table("site", sa.column("id", sa.Integer), sa.column("policy", sa.JSON))
shift = sa.table(
    "shift",
    sa.column("site_id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("start", sa.String),
    sa.column("end", sa.String),
)


def _policy(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        value = json.loads(value)
    return dict(value or {})


def upgrade() -> None:
    bind = op.get_bind()
    with_shifts = {row[0] for row in bind.execute(sa.select(shift.c.site_id).distinct())}
    for site_id, raw in bind.execute(sa.select(site.c.id, site.c.policy)).all():
        if site_id not in with_shifts:
            for code, name, start, end in OLD_DEFAULTS:
                bind.execute(shift.insert().values(site_id=site_id, code=code, name=name, start=start, end=end))
        policy = _policy(raw)
        if "incoming_reminder_minutes" in policy and "arrive_early_minutes" not in policy:
            policy["arrive_early_minutes"] = policy.pop("incoming_reminder_minutes")
            bind.execute(site.update().where(site.c.id == site_id).values(policy=policy))


def downgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(shift.c.site_id, shift.c.code, shift.c.name, shift.c.start, shift.c.end)).all()
    by_site: dict[int, set[tuple[str, str, str, str]]] = {}
    for site_id, *fields in rows:
        by_site.setdefault(site_id, set()).add((fields[0], fields[1], fields[2], fields[3]))
    for site_id, shifts in by_site.items():
        if shifts == set(OLD_DEFAULTS):  # exactly what the upgrade gave it: the old default again
            bind.execute(shift.delete().where(shift.c.site_id == site_id))
    for site_id, raw in bind.execute(sa.select(site.c.id, site.c.policy)).all():
        policy = _policy(raw)
        if "arrive_early_minutes" in policy and "incoming_reminder_minutes" not in policy:
            policy["incoming_reminder_minutes"] = policy.pop("arrive_early_minutes")
            bind.execute(site.update().where(site.c.id == site_id).values(policy=policy))
