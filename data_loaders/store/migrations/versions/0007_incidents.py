"""incidents and drills: emergency resources, sensitive targets, incidents, their tasks and
timeline

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def _place() -> list[sa.Column]:
    """The columns resources and targets share: code, name, type, grid, position, contact."""
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("contact", sa.String(length=50), nullable=True),
        sa.Column("phone", sa.String(length=30), nullable=True),
    ]


def _keys(table: str) -> list[sa.Constraint]:
    """Their keys: the grid, the id, the code."""
    return [
        sa.ForeignKeyConstraint(["grid_id"], ["grids.id"], name=op.f(f"fk_{table}_grid_id_grids")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("code", name=op.f(f"uq_{table}_code")),
    ]


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "resources",
        *_place(),
        sa.Column("members", sa.Integer(), nullable=True),
        sa.Column("speciality", sa.String(length=100), nullable=True),
        sa.Column("equipment", sa.Text(), nullable=True),
        sa.Column("items", sa.Text(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("is_open", sa.Boolean(), nullable=True),
        sa.Column("beds", sa.Integer(), nullable=True),
        sa.Column("ambulances", sa.Integer(), nullable=True),
        *_keys("resources"),
    )
    op.create_table(
        "targets",
        *_place(),
        sa.Column("people", sa.Integer(), nullable=False),
        *_keys("targets"),
    )
    for table in ("resources", "targets"):
        op.create_index(op.f(f"ix_{table}_type"), table, ["type"])
        op.create_index(op.f(f"ix_{table}_grid_id"), table, ["grid_id"])
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("is_drill", sa.Boolean(), nullable=False),
        sa.Column("drill_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("alarm_id", sa.Integer(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("radii_m", sa.String(length=100), nullable=False),
        sa.Column("release", sa.Text(), nullable=True),
        sa.Column("opened_at", TZ, nullable=False),
        sa.Column("opened_by", sa.String(length=50), nullable=False),
        sa.Column("closed_at", TZ, nullable=True),
        sa.Column("closed_by", sa.String(length=50), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["drill_id"], ["drills.id"], name=op.f("fk_incidents_drill_id_drills")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_incidents_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["alarm_id"], ["alarms.id"], name=op.f("fk_incidents_alarm_id_alarms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    op.create_index(op.f("ix_incidents_is_drill"), "incidents", ["is_drill"])
    op.create_index(op.f("ix_incidents_state"), "incidents", ["state"])
    op.create_table(
        "incident_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("sent_at", TZ, nullable=False),
        sa.Column("arrived_at", TZ, nullable=True),
        sa.Column("done_at", TZ, nullable=True),
        sa.Column("created_by", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_tasks_incident_id_incidents"),
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resources.id"],
            name=op.f("fk_incident_tasks_resource_id_resources"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_tasks")),
    )
    op.create_index(op.f("ix_incident_tasks_incident_id"), "incident_tasks", ["incident_id"])
    op.create_table(
        "incident_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor", sa.String(length=50), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_events_incident_id_incidents"),
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["incident_tasks.id"],
            name=op.f("fk_incident_events_task_id_incident_tasks"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_events")),
    )
    op.create_index(op.f("ix_incident_events_incident_id"), "incident_events", ["incident_id"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f("ix_incident_events_incident_id"), table_name="incident_events")
    op.drop_table("incident_events")
    op.drop_index(op.f("ix_incident_tasks_incident_id"), table_name="incident_tasks")
    op.drop_table("incident_tasks")
    op.drop_index(op.f("ix_incidents_state"), table_name="incidents")
    op.drop_index(op.f("ix_incidents_is_drill"), table_name="incidents")
    op.drop_table("incidents")
    for table in ("targets", "resources"):
        op.drop_index(op.f(f"ix_{table}_grid_id"), table_name=table)
        op.drop_index(op.f(f"ix_{table}_type"), table_name=table)
        op.drop_table(table)
