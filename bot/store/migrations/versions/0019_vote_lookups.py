"""Drop member's index on space_id alone: the unique (space_id, external_id) index serves it

The unique index leads with space_id, so every lookup by space alone (and the
foreign key's checks) uses it as well. The second index only cost writes, and
before PostgreSQL has statistics for a freshly filled member table it let the
planner find a voter by scanning the space's members instead of the unique key.

Revision ID: 0019_vote_lookups
Revises: 0018_sent_once
"""

from __future__ import annotations

from alembic import op

revision = "0019_vote_lookups"
down_revision = "0018_sent_once"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_member_space_id", table_name="member")


def downgrade() -> None:
    op.create_index("ix_member_space_id", "member", ["space_id"], unique=False)
