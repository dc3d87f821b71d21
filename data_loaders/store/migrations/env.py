"""Alembic environment: runs migrations on the engine handed over by init_db (or the URL)."""

from alembic import context
from sqlalchemy import create_engine, text

from data_loaders.store.schema import Base

config = context.config
target_metadata = Base.metadata
MIGRATE_LOCK_KEY = 0x6F6E656D61702D6D  # "onemap-m" (leader: -l, partitions: -p)


def run_migrations_online() -> None:
    """Run migrations on a live connection; batch mode lets SQLite alter tables."""
    engine = config.attributes.get("engine") or create_engine(
        config.get_main_option("sqlalchemy.url")
    )
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # two processes migrating at once (the ingest units start beside the migrate
            # unit) raced on the same tables: the second now waits for the first's commit,
            # then finds the schema at the head and has nothing to do
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATE_LOCK_KEY})
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        context.run_migrations()


run_migrations_online()
