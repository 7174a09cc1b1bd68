"""Prompt, answer and vote tables: send leases, schedule start, answer lookup by message.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel", schema=None) as batch_op:
        batch_op.add_column(sa.Column("schedule_from", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    with op.batch_alter_table("promptpost", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        # server_default fills rows that existed before this revision.
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("answerpart", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_answerpart_message_id"), ["message_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("answerpart", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answerpart_message_id"))
    with op.batch_alter_table("promptpost", schema=None) as batch_op:
        batch_op.drop_column("attempts")
        batch_op.drop_column("lease_until")
    with op.batch_alter_table("channel", schema=None) as batch_op:
        batch_op.drop_column("schedule_from")
