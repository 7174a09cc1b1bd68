"""The daily loop, second part: one stored plan per member and day, pairing round numbers per
channel, check-in answers on seats, and interviewers' written notes to candidates

Revision ID: 0014_loop2
Revises: 0013_totals
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0014_loop2"
down_revision = "0013_totals"
branch_labels = None
depends_on = None


def _indexes(name: str, *columns: str) -> None:
    with op.batch_alter_table(name, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{name}_{column}"), [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "memberplan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("weakest", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("story_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("ask_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("reviews", sa.Text(), nullable=False),
        sa.Column("due", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["space_id"], ["space.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("member_id", "day", name="uq_memberplan_member_day"),
    )
    _indexes("memberplan", "space_id", "member_id")
    op.create_table(
        "pairingnote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["space_id"], ["space.id"]),
        sa.ForeignKeyConstraint(["round_id"], ["pairinground.id"]),
        sa.ForeignKeyConstraint(["candidate_id"], ["member.id"]),
        sa.ForeignKeyConstraint(["reviewer_id"], ["member.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "candidate_id", "reviewer_id", name="uq_pairing_note"),
    )
    _indexes("pairingnote", "space_id", "round_id", "candidate_id")
    # In place (never a rebuild): seats and feedback point at pairinground.
    with op.batch_alter_table("pairinground", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("number", sa.Integer(), nullable=True))
    # Rounds drawn before numbering get their place in their channel (1, 2, 3…).
    op.execute(
        "UPDATE pairinground SET number = (SELECT count(*) FROM pairinground AS earlier "
        "WHERE earlier.channel_id = pairinground.channel_id AND earlier.id <= pairinground.id)"
    )
    with op.batch_alter_table("pairingseat", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("met", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("pairingseat", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("met")
    with op.batch_alter_table("pairinground", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("number")
    for name, columns in (
        ("pairingnote", ("candidate_id", "round_id", "space_id")),
        ("memberplan", ("member_id", "space_id")),
    ):
        with op.batch_alter_table(name, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_index(batch_op.f(f"ix_{name}_{column}"))
        op.drop_table(name)
