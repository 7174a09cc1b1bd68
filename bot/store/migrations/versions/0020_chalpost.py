"""A challenge round's question is posted under a lease (challengeround.posted_at, post_lease_until, …)

A round used to be stored and then posted: when the post failed, the round stood
open with nobody having seen its question, and the clock timed it out as unanswered.
The round now records when its question arrived (its clock starts then) and holds a
short lease while one process posts it, so a failed post is retried by one tick and
given up after a few attempts. Rounds stored before this revision were posted (or
lost) under the old rule: they are marked posted so none is posted twice.

Revision ID: 0020_chalpost
Revises: 0019_key_indexes
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0020_chalpost"
down_revision = "0019_key_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTERs: SQLite adds a column in place; server_default fills the existing rows.
    op.add_column(
        "challengeround", sa.Column("posted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
    )
    op.add_column(
        "challengeround", sa.Column("post_lease_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
    )
    op.add_column(
        "challengeround", sa.Column("post_attempts", sa.Integer(), nullable=False, server_default="0")
    )
    op.execute("UPDATE challengeround SET posted_at = started_at, post_attempts = 1")


def downgrade() -> None:
    # SQLite 3.35+ drops a plain (unindexed) column in place.
    for column in ("post_attempts", "post_lease_until", "posted_at"):
        op.drop_column("challengeround", column)
