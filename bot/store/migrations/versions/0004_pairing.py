"""pairing plans and saved questions

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pairinground",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("round_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("check_in_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("checked_in_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channel.id"],
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["space.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel_id", "round_key", name="uq_pairing_round_key"),
    )
    with op.batch_alter_table("pairinground", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pairinground_channel_id"), ["channel_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pairinground_space_id"), ["space_id"], unique=False)

    op.create_table(
        "pairingfeedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("question", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["member.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["member.id"],
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["pairinground.id"],
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["space.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "round_id", "candidate_id", "reviewer_id", "question", name="uq_pairing_feedback"
        ),
    )
    with op.batch_alter_table("pairingfeedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pairingfeedback_candidate_id"), ["candidate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pairingfeedback_round_id"), ["round_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pairingfeedback_space_id"), ["space_id"], unique=False)

    op.create_table(
        "pairingseat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("group_no", sa.Integer(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["pairinground.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "member_id", name="uq_pairing_seat_member"),
    )
    with op.batch_alter_table("pairingseat", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pairingseat_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pairingseat_round_id"), ["round_id"], unique=False)

    op.create_table(
        "savedquestion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["space.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("member_id", "item_id", name="uq_saved_question_member_item"),
    )
    with op.batch_alter_table("savedquestion", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_savedquestion_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_savedquestion_space_id"), ["space_id"], unique=False)

    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan_channel_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_member_plan_channel", "channel", ["plan_channel_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_constraint("fk_member_plan_channel", type_="foreignkey")
        batch_op.drop_column("plan_channel_id")

    with op.batch_alter_table("savedquestion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_savedquestion_space_id"))
        batch_op.drop_index(batch_op.f("ix_savedquestion_member_id"))

    op.drop_table("savedquestion")
    with op.batch_alter_table("pairingseat", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pairingseat_round_id"))
        batch_op.drop_index(batch_op.f("ix_pairingseat_member_id"))

    op.drop_table("pairingseat")
    with op.batch_alter_table("pairingfeedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pairingfeedback_space_id"))
        batch_op.drop_index(batch_op.f("ix_pairingfeedback_round_id"))
        batch_op.drop_index(batch_op.f("ix_pairingfeedback_candidate_id"))

    op.drop_table("pairingfeedback")
    with op.batch_alter_table("pairinground", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pairinground_space_id"))
        batch_op.drop_index(batch_op.f("ix_pairinground_channel_id"))

    op.drop_table("pairinground")
