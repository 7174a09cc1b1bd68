"""Drop the indexes on space_id alone that a unique key leading with space_id already serves

member (unique space_id, external_id) and delivery (unique space_id, key) each had a
second index on space_id alone. A btree serves lookups by its leading column, so
every query by space (and the foreign key's checks) uses the unique key as well; the
second index only cost writes: one more insert for every member, and for every
delivery claimed (each command, click and message). Before PostgreSQL has statistics
for a freshly filled member table, it also let the planner find a voter by scanning
the space's members instead of the unique key.

Revision ID: 0019_key_indexes
Revises: 0018_sent_once
"""

from __future__ import annotations

from alembic import op

revision = "0019_key_indexes"
down_revision = "0018_sent_once"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_member_space_id", table_name="member")
    op.drop_index("ix_delivery_space_id", table_name="delivery")


def downgrade() -> None:
    op.create_index("ix_delivery_space_id", "delivery", ["space_id"], unique=False)
    op.create_index("ix_member_space_id", "member", ["space_id"], unique=False)
