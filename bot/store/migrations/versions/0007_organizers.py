"""channel organizers, and where a member's time zone came from

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organizer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["space_id"], ["space.id"]),
        sa.ForeignKeyConstraint(["channel_id"], ["channel.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.ForeignKeyConstraint(["added_by"], ["member.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel_id", "member_id", name="uq_organizer_channel_member"),
    )
    with op.batch_alter_table("organizer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organizer_space_id"), ["space_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_organizer_channel_id"), ["channel_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_organizer_member_id"), ["member_id"], unique=False)
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("timezone_source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True)
        )
    # A zone stored before this revision could only have come from a member's own choice.
    op.execute("UPDATE member SET timezone_source = 'member' WHERE timezone IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("timezone_source")
    with op.batch_alter_table("organizer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organizer_member_id"))
        batch_op.drop_index(batch_op.f("ix_organizer_channel_id"))
        batch_op.drop_index(batch_op.f("ix_organizer_space_id"))
    op.drop_table("organizer")
