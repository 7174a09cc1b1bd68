"""Why a prompt was chosen (team focus), shown on the post.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("promptpost", schema=None) as batch_op:
        # server_default fills rows that existed before this revision.
        batch_op.add_column(
            sa.Column(
                "focus", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False, server_default=""
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("promptpost", schema=None) as batch_op:
        batch_op.drop_column("focus")
