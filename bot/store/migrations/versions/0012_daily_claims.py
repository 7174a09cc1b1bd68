"""Daily claims: scheduled once-a-period work (plans, weekly reports) keyed apart from deliveries

Revision ID: 0012_daily_claims
Revises: 0011_loop
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0012_daily_claims"
down_revision = "0011_loop"
branch_labels = None
depends_on = None

# Kinds whose claims lived in ``delivery`` as ``<kind>:<key>`` until this revision.
KINDS = ("plan", "readiness", "pair-lonely")


def upgrade() -> None:
    op.create_table(
        "dailyclaim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["space_id"], ["space.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("space_id", "kind", "key", name="uq_dailyclaim_space_kind_key"),
    )
    with op.batch_alter_table("dailyclaim", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dailyclaim_space_id"), ["space_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dailyclaim_created_at"), ["created_at"], unique=False)
    # Today's plans and this week's reports already sent stay sent across the upgrade.
    for kind in KINDS:
        op.execute(
            sa.text(
                "INSERT INTO dailyclaim (space_id, kind, key, created_at) "
                "SELECT space_id, :kind, substr(key, :start), created_at FROM delivery "
                "WHERE key LIKE :prefix"
            ).bindparams(kind=kind, start=len(kind) + 2, prefix=f"{kind}:%")
        )


def downgrade() -> None:
    # The other way too, so the older code does not send again what this one sent.
    op.execute(
        "INSERT INTO delivery (space_id, key, created_at) "
        "SELECT space_id, kind || ':' || key, created_at FROM dailyclaim "
        "WHERE NOT EXISTS (SELECT 1 FROM delivery AS d "
        "WHERE d.space_id = dailyclaim.space_id AND d.key = dailyclaim.kind || ':' || dailyclaim.key)"
    )
    with op.batch_alter_table("dailyclaim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dailyclaim_created_at"))
        batch_op.drop_index(batch_op.f("ix_dailyclaim_space_id"))
    op.drop_table("dailyclaim")
