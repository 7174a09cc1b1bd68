"""Delivery state: who set a schedule and whether it paused itself; per-member pairing scripts.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel", schema=None) as batch_op:
        batch_op.add_column(sa.Column("schedule_set_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("paused_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        # server_default fills rows that existed before this revision.
        batch_op.add_column(
            sa.Column(
                "paused_reason",
                sqlmodel.sql.sqltypes.AutoString(length=32),
                nullable=False,
                server_default="",
            )
        )
        batch_op.create_foreign_key("fk_channel_schedule_set_by", "member", ["schedule_set_by"], ["id"])

    with op.batch_alter_table("pairingseat", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "failure", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False, server_default=""
            )
        )
        batch_op.add_column(sa.Column("lease_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    # Scripts of rounds drawn before this revision were sent when the round was drawn:
    # without this, the first `/prep pair now` would send them all a second time.
    op.execute(
        "UPDATE pairingseat SET delivered_at = "
        "(SELECT created_at FROM pairinground WHERE pairinground.id = pairingseat.round_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("pairingseat", schema=None) as batch_op:
        batch_op.drop_column("lease_until")
        batch_op.drop_column("failure")
        batch_op.drop_column("delivered_at")

    with op.batch_alter_table("channel", schema=None) as batch_op:
        batch_op.drop_constraint("fk_channel_schedule_set_by", type_="foreignkey")
        batch_op.drop_column("paused_reason")
        batch_op.drop_column("paused_at")
        batch_op.drop_column("schedule_set_by")
