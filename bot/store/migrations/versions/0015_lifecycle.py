"""A space's life: when the app was removed from it (uninstalled, tokens revoked, bot left the guild)

A space with ``uninstalled_at`` set gets no scheduled work, and its data is deleted once
the uninstall retention window has passed, unless the app is installed again first.

Revision ID: 0015_lifecycle
Revises: 0014_loop2
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0015_lifecycle"
down_revision = "0014_loop2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("space", schema=None) as batch_op:
        batch_op.add_column(sa.Column("uninstalled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    # Not a batch: on SQLite a batch re-creates ``space``, and dropping the old table fails its
    # foreign keys as soon as any row points at a space. SQLite 3.35+ drops a plain column in place.
    op.drop_column("space", "uninstalled_at")
