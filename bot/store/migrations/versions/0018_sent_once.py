"""A daily claim that is a message is also its send lease (dailyclaim.sent_at, lease_until, attempts, failure)

A scheduled direct message (the morning plan, the lonely-pairing note) and the weekly
readiness report used to be claimed and then sent: a failed send lost that period's
message. The claim now records whether it arrived, so a transient failure is retried
and a permanent one is recorded once. Claims made before this revision were sent, or
given up, under the old rule: they are marked sent so nothing is sent twice.

Revision ID: 0018_sent_once
Revises: 0017_forget
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0018_sent_once"
down_revision = "0017_forget"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTERs: nothing points at dailyclaim, and SQLite adds a column in place.
    op.add_column("dailyclaim", sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.add_column("dailyclaim", sa.Column("lease_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    # server_default fills rows that existed before this revision.
    op.add_column("dailyclaim", sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
    op.add_column(
        "dailyclaim",
        sa.Column("failure", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False, server_default=""),
    )
    op.execute("UPDATE dailyclaim SET sent_at = created_at, attempts = 1")


def downgrade() -> None:
    # SQLite 3.35+ drops a plain (unindexed) column in place.
    for column in ("failure", "attempts", "lease_until", "sent_at"):
        op.drop_column("dailyclaim", column)
