"""readings partitioned by day on PostgreSQL (PARTITION BY RANGE (ts)), existing rows moved
into their days' partitions; SQLite is left exactly as it was

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

"""

from collections.abc import Sequence
from datetime import UTC, datetime

from alembic import op

from data_loaders.store.partitions import partition_readings, unpartition_readings

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema (PostgreSQL only; see data_loaders/store/partitions.py for the design)."""
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    # the wall clock: the days made ahead are the days the ingest is about to write
    partition_readings(conn, datetime.now(UTC))


def downgrade() -> None:
    """Downgrade schema."""
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    unpartition_readings(conn)
