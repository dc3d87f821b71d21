"""committee task events: who changed a committee task, when, to what

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "committee_task_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=50), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("evidence_url", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["committee_tasks.id"],
            name=op.f("fk_committee_task_events_task_id_committee_tasks"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committee_task_events")),
    )
    op.create_index(op.f("ix_committee_task_events_task_id"), "committee_task_events", ["task_id"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f("ix_committee_task_events_task_id"), table_name="committee_task_events")
    op.drop_table("committee_task_events")
