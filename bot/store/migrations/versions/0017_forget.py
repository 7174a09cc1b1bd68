"""A space whose data was deleted after its uninstall retention window says when (space.purged_at)

The daily job (``bot.services.retention``) deletes an uninstalled space's data once the
window has passed and marks the space, so it does not look at it again until the app is
installed and removed once more. The row itself stays: ids the router remembers never
point at nothing.

Revision ID: 0017_forget
Revises: 0016_oauth
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0017_forget"
down_revision = "0016_oauth"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("space", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purged_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    # Not a batch: on SQLite a batch re-creates ``space``, and dropping the old table fails its
    # foreign keys as soon as any row points at a space. SQLite 3.35+ drops a plain column in place.
    op.drop_column("space", "purged_at")
