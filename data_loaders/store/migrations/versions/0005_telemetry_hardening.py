"""telemetry hardening: dead letters among the rejects, numbered streams for gaps

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("rejected_messages") as batch:
        batch.add_column(sa.Column("dead_letter", sa.Boolean(), server_default="0", nullable=False))
    op.create_table(
        "telemetry_streams",
        sa.Column("stream", sa.String(length=200), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("seen", sa.BigInteger(), nullable=False),
        sa.Column("missing", sa.BigInteger(), nullable=False),
        sa.Column("gaps", sa.Integer(), nullable=False),
        sa.Column("resets", sa.Integer(), nullable=False),
        sa.Column("last_gap_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("stream", name=op.f("pk_telemetry_streams")),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("telemetry_streams")
    with op.batch_alter_table("rejected_messages") as batch:
        batch.drop_column("dead_letter")
