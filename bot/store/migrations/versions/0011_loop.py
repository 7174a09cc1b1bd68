"""The daily loop: vote budgets, crowned answers, once-only notices, late answers, member reminders

Revision ID: 0011_loop
Revises: 0010_privacy
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0011_loop"
down_revision = "0010_privacy"
branch_labels = None
depends_on = None


def _per_prompt_member(name: str, *extra: sa.Column) -> None:  # type: ignore[type-arg]
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("prompt_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        *extra,
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["space_id"], ["space.id"]),
        sa.ForeignKeyConstraint(["prompt_id"], ["promptpost.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        for column in ("space_id", "prompt_id", "member_id"):
            batch_op.create_index(batch_op.f(f"ix_{name}_{column}"), [column], unique=False)


def upgrade() -> None:
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.add_column(sa.Column("slot", sa.Integer(), nullable=False, server_default="1"))
    # Votes cast before budgets existed get distinct slots (1, 2, 3…) per voter and prompt,
    # so the new unique key holds; a voter who had more than the budget keeps those votes.
    op.execute(
        "UPDATE vote SET slot = (SELECT count(*) FROM vote AS earlier "
        "WHERE earlier.prompt_id = vote.prompt_id AND earlier.voter_id = vote.voter_id "
        "AND earlier.id <= vote.id)"
    )
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_vote_prompt_voter_slot", ["prompt_id", "voter_id", "slot"])
    # In place (never a rebuild): other tables' foreign keys point at answer and member.
    with op.batch_alter_table("answer", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("crowned", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("member", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("prompt_reminders", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    _per_prompt_member(
        "promptnotice",
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    )
    with op.batch_alter_table("promptnotice", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_notice_prompt_member_kind", ["prompt_id", "member_id", "kind"])
    _per_prompt_member(
        "lateanswer",
        sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
    )
    with op.batch_alter_table("lateanswer", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_late_prompt_message", ["prompt_id", "message_id"])


def downgrade() -> None:
    for name in ("lateanswer", "promptnotice"):
        with op.batch_alter_table(name, schema=None) as batch_op:
            for column in ("member_id", "prompt_id", "space_id"):
                batch_op.drop_index(batch_op.f(f"ix_{name}_{column}"))
        op.drop_table(name)
    # Other tables reference member and answer: rebuilding them (SQLite's batch default) would
    # trip their foreign keys, so drop the columns in place (SQLite 3.35+ and PostgreSQL can).
    with op.batch_alter_table("member", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("prompt_reminders")
    with op.batch_alter_table("answer", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("crowned")
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_constraint("uq_vote_prompt_voter_slot", type_="unique")
        batch_op.drop_column("slot")
