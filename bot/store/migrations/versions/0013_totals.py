"""Running totals per (space, member, UTC day) and all time, back-filled from the ledger and votes

Revision ID: 0013_totals
Revises: 0012_daily_claims
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_totals"
down_revision = "0012_daily_claims"
branch_labels = None
depends_on = None


def _day(column: str) -> str:
    """The UTC date of a stored time, as the dialect writes it into a DATE column."""
    if op.get_bind().dialect.name == "postgresql":
        return f"CAST(({column} AT TIME ZONE 'UTC') AS DATE)"
    # SQLite keeps UTC times as 'YYYY-MM-DD HH:MM:SS.ffffff' and dates as 'YYYY-MM-DD'.
    return f"date({column})"


def upgrade() -> None:
    op.create_table(
        "memberday",
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("awards", sa.Integer(), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["space_id"], ["space.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.PrimaryKeyConstraint("space_id", "member_id", "day"),
    )
    op.create_index("ix_memberday_space_day", "memberday", ["space_id", "day"], unique=False)
    op.create_table(
        "membertotal",
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("awards", sa.Integer(), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["space_id"], ["space.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.PrimaryKeyConstraint("space_id", "member_id"),
    )
    # One pass over each history: points and awards from the ledger, votes received from
    # the votes on each member's answers, summed per UTC day of the row.
    op.execute(
        "INSERT INTO memberday (space_id, member_id, day, points, awards, votes) "
        "SELECT space_id, member_id, day, SUM(points), SUM(awards), SUM(votes) FROM ("
        f"  SELECT space_id, member_id, {_day('created_at')} AS day,"
        "   SUM(points) AS points, COUNT(*) AS awards, 0 AS votes"
        "  FROM pointevent GROUP BY space_id, member_id, day"
        "  UNION ALL"
        f"  SELECT v.space_id, a.member_id, {_day('v.created_at')} AS day, 0, 0, COUNT(*)"
        "  FROM vote AS v JOIN answer AS a ON a.id = v.answer_id"
        "  GROUP BY v.space_id, a.member_id, day"
        ") AS parts GROUP BY space_id, member_id, day"
    )
    op.execute(
        "INSERT INTO membertotal (space_id, member_id, points, awards, votes) "
        "SELECT space_id, member_id, SUM(points), SUM(awards), SUM(votes) FROM memberday "
        "GROUP BY space_id, member_id"
    )


def downgrade() -> None:
    op.drop_table("membertotal")
    op.drop_index("ix_memberday_space_day", table_name="memberday")
    op.drop_table("memberday")
