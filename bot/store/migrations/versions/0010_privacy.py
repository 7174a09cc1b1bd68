"""Privacy and bounds: notices told once per answer, and slots for member-triggered public posts.

Revision ID: 0010_privacy
Revises: 0009_fsrs
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0010_privacy"
down_revision = "0009_fsrs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("frozen_told_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("capped_told_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))

    op.create_table(
        "postslot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["space_id"], ["space.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("space_id", "key", name="uq_postslot_space_key"),
    )
    with op.batch_alter_table("postslot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_postslot_space_id"), ["space_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_postslot_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("postslot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_postslot_created_at"))
        batch_op.drop_index(batch_op.f("ix_postslot_space_id"))
    op.drop_table("postslot")

    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_column("capped_told_at")
        batch_op.drop_column("frozen_told_at")
