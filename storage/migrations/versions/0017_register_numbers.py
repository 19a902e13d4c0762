"""register numbers: one counter per site and register (incident #N, ticket TN, order ON, request RN)

The shared sites.next_number made /note 8 on an order answer "no incident #8" and left gaps in the
daily log (issue 19). Each register now counts on its own: its counter is seeded from the highest
number it holds, so old records keep their numbers and nothing collides within a register.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 09:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# register → the table whose ``number`` column it counts
TABLES = {"incident": "incident", "ticket": "ticket", "order": "standingorder", "request": "shift_request"}


def upgrade() -> None:
    op.create_table('register_counter',
    sa.Column('site_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('register', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('next_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], ),
    sa.PrimaryKeyConstraint('site_id', 'register')
    )
    for register, table in TABLES.items():
        op.execute(
            f"INSERT INTO register_counter (site_id, register, next_number) "
            f"SELECT site.id, '{register}', COALESCE((SELECT MAX(number) FROM {table} "
            f"WHERE {table}.site_id = site.id), 0) + 1 FROM site"
        )
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_column('next_number')


def downgrade() -> None:
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_number', sa.Integer(), nullable=False, server_default='1'))
    # the shared counter goes on from the highest of the registers', so no number is handed out twice
    op.execute(
        "UPDATE site SET next_number = COALESCE((SELECT MAX(next_number) FROM register_counter "
        "WHERE register_counter.site_id = site.id), 1)"
    )
    op.drop_table('register_counter')
