"""alarm loop: sensor states, hourly rollups, login failures, alarm lifecycle columns

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "sensor_states",
        sa.Column("sensor_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pending", sa.Integer(), nullable=False),
        sa.Column("last_ts", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_value", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["sensor_id"], ["sensors.id"], name=op.f("fk_sensor_states_sensor_id_sensors")
        ),
        sa.PrimaryKeyConstraint("sensor_id", name=op.f("pk_sensor_states")),
    )
    op.create_index(op.f("ix_sensor_states_last_ts"), "sensor_states", ["last_ts"])
    op.create_table(
        "reading_rollups",
        sa.Column("sensor_id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("min_value", sa.Float(), nullable=False),
        sa.Column("max_value", sa.Float(), nullable=False),
        sa.Column("mean_value", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sensor_id"], ["sensors.id"], name=op.f("fk_reading_rollups_sensor_id_sensors")
        ),
        sa.PrimaryKeyConstraint("sensor_id", "hour", name=op.f("pk_reading_rollups")),
    )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index(op.f("ix_login_failures_key"), "login_failures", ["key"])
    op.create_index(op.f("ix_login_failures_at"), "login_failures", ["at"])
    with op.batch_alter_table("alarms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("acknowledged_at", sa.DateTime(timezone=True)))
        batch_op.add_column(sa.Column("feedback", sa.Text()))
        batch_op.add_column(sa.Column("last_value", sa.Float()))
    op.create_index(
        "uq_alarms_open_per_rule",
        "alarms",
        ["sensor_id", "rule"],
        unique=True,
        sqlite_where=sa.text("state != 'closed'"),
        postgresql_where=sa.text("state != 'closed'"),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("uq_alarms_open_per_rule", table_name="alarms")
    with op.batch_alter_table("alarms", schema=None) as batch_op:
        batch_op.drop_column("last_value")
        batch_op.drop_column("feedback")
        batch_op.drop_column("acknowledged_at")
    op.drop_index(op.f("ix_login_failures_at"), table_name="login_failures")
    op.drop_index(op.f("ix_login_failures_key"), table_name="login_failures")
    op.drop_table("login_failures")
    op.drop_table("reading_rollups")
    op.drop_index(op.f("ix_sensor_states_last_ts"), table_name="sensor_states")
    op.drop_table("sensor_states")
