"""key loans: the kind asked under, quantity, the outsider beside the responsible staff member, the GM
fallback, the reason a key is late; witnesses' kind (issue 18 points 7-10)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 07:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('keyloan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key_kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True))
        batch_op.add_column(sa.Column('quantity', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('outsider_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column('gm_fallback', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('late_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
        batch_op.add_column(sa.Column('late_reason_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column('late_reason_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    # Old loans were asked for under their key's present kind; an old outside loan named the outsider
    # as its borrower and the staff member who wrote it answers for it (000 L516).
    op.execute('UPDATE keyloan SET key_kind = (SELECT key.kind FROM key WHERE key.id = keyloan.key_id)')
    op.execute(
        'UPDATE keyloan SET outsider_name = borrower_name, borrower_id = lent_by, borrower_name = lent_by_name '
        'WHERE external AND borrower_id IS NULL'
    )
    with op.batch_alter_table('keyloan', schema=None) as batch_op:
        batch_op.alter_column('key_kind', existing_type=sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False)
    with op.batch_alter_table('keywitness', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), server_default='staff', nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('keywitness', schema=None) as batch_op:
        batch_op.drop_column('kind')
    op.execute(
        'UPDATE keyloan SET borrower_id = NULL, borrower_name = outsider_name '
        'WHERE external AND outsider_name IS NOT NULL'
    )
    with op.batch_alter_table('keyloan', schema=None) as batch_op:
        batch_op.drop_column('late_reason_at')
        batch_op.drop_column('late_reason_by')
        batch_op.drop_column('late_reason')
        batch_op.drop_column('gm_fallback')
        batch_op.drop_column('outsider_name')
        batch_op.drop_column('quantity')
        batch_op.drop_column('key_kind')
