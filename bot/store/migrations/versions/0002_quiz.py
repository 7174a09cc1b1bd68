"""Quiz and review tables: the questions shown to each member.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quizpresentation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("item_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("mode", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.ForeignKeyConstraint(["space_id"], ["space.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("member_id", "token", name="uq_presentation_member_token"),
    )
    with op.batch_alter_table("quizpresentation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quizpresentation_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quizpresentation_space_id"), ["space_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("quizpresentation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quizpresentation_space_id"))
        batch_op.drop_index(batch_op.f("ix_quizpresentation_member_id"))
    op.drop_table("quizpresentation")
