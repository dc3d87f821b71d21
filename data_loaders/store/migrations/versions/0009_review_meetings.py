"""review meetings: committee review meetings, their decisions and committees; task events
say what a task was before, how the change came (panel, meeting, import) and from which file

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "review_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("attendees", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=50), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_meetings")),
    )
    with op.batch_alter_table("review_meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_meetings_held_on"), ["held_on"], unique=False)

    op.create_table(
        "review_meeting_committees",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["committees.id"],
            name=op.f("fk_review_meeting_committees_committee_id_committees"),
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["review_meetings.id"],
            name=op.f("fk_review_meeting_committees_meeting_id_review_meetings"),
        ),
        sa.PrimaryKeyConstraint(
            "meeting_id", "committee_id", name=op.f("pk_review_meeting_committees")
        ),
    )
    with op.batch_alter_table("review_meeting_committees", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_meeting_committees_committee_id"), ["committee_id"], unique=False
        )

    op.create_table(
        "review_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["review_meetings.id"],
            name=op.f("fk_review_decisions_meeting_id_review_meetings"),
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["committee_tasks.id"],
            name=op.f("fk_review_decisions_task_id_committee_tasks"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_decisions")),
    )
    with op.batch_alter_table("review_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_decisions_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_review_decisions_task_id"), ["task_id"], unique=False)

    with op.batch_alter_table("committee_activities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("meeting_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_committee_activities_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_committee_activities_meeting_id_review_meetings"),
            "review_meetings",
            ["meeting_id"],
            ["id"],
        )

    with op.batch_alter_table("committee_task_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("from_status", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("from_progress", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("source", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("meeting_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("file_name", sa.String(length=255), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_committee_task_events_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_committee_task_events_meeting_id_review_meetings"),
            "review_meetings",
            ["meeting_id"],
            ["id"],
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("committee_task_events", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_committee_task_events_meeting_id_review_meetings"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_committee_task_events_meeting_id"))
        batch_op.drop_column("file_name")
        batch_op.drop_column("meeting_id")
        batch_op.drop_column("source")
        batch_op.drop_column("from_progress")
        batch_op.drop_column("from_status")

    with op.batch_alter_table("committee_activities", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_committee_activities_meeting_id_review_meetings"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_committee_activities_meeting_id"))
        batch_op.drop_column("meeting_id")

    with op.batch_alter_table("review_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_decisions_task_id"))
        batch_op.drop_index(batch_op.f("ix_review_decisions_meeting_id"))

    op.drop_table("review_decisions")
    with op.batch_alter_table("review_meeting_committees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_meeting_committees_committee_id"))

    op.drop_table("review_meeting_committees")
    with op.batch_alter_table("review_meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_meetings_held_on"))

    op.drop_table("review_meetings")
