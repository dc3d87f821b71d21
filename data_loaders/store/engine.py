"""Engine creation (SQLite in WAL mode or PostgreSQL), migrations and the data version."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, Integer, Text, cast, create_engine, event, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from data_loaders.store.schema import Meta

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str, **kwargs: object) -> Engine:
    """Create an engine; for SQLite make the folder, turn on WAL and foreign keys."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            # WAL lets the web workers read while the ingest process writes.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def alembic_config(engine: Engine) -> Config:
    """An Alembic config pointing at our migrations and the given engine."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # configparser interpolates "%": a URL with a %-escaped password or option (Alembic's
    # documented escape) was a ValueError in `onemap init-db`
    url = engine.url.render_as_string(hide_password=False).replace("%", "%%")
    cfg.set_main_option("sqlalchemy.url", url)
    cfg.attributes["engine"] = engine
    return cfg


def init_db(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration."""
    command.upgrade(alembic_config(engine), "head")


def schema_mismatch(engine: Engine) -> str | None:
    """None when the store's schema is at this code's newest migration, else a sentence
    saying where it is and what to do: a served deployment checks, and leaves migrating to
    `onemap init-db` (several workers migrating at once would race)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(engine))
    heads = set(script.get_heads())
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current == heads:
        return None
    known = {r.revision for r in script.walk_revisions()}
    at, newest = ", ".join(sorted(current)) or "empty", ", ".join(sorted(heads))
    if current - known:
        # a newer release migrated it: init-db cannot help, and downgrading loses data
        return (
            f"the store's schema is at {at}, which this code does not know (it has up to "
            f"{newest}): a newer version migrated it; deploy that version again"
        )
    return f"the store's schema is at {at}, behind this code's {newest}: run `onemap init-db`"


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def get_meta(session: Session, key: str, default: str = "") -> str:
    """Read one meta value."""
    value = session.scalar(select(Meta.value).where(Meta.key == key))
    return default if value is None else value


def set_meta(session: Session, key: str, value: str) -> None:
    """Write one meta value (an upsert: two processes writing a new key at once both succeed,
    where a read-then-insert made one of them a unique violation)."""
    from data_loaders.store.upsert import upsert

    upsert(session, Meta, [{"key": key, "value": value}], ["key"])


def read_data_version(session: Session) -> int:
    """The data version screens poll: it changes whenever the data does."""
    return int(get_meta(session, "data_version", "0") or 0)


def increment_meta(session: Session, key: str, by: int = 1) -> int:
    """Add to an integer meta value atomically (on both databases) and return the new value."""
    result = session.execute(
        update(Meta).where(Meta.key == key).values(value=cast(cast(Meta.value, Integer) + by, Text))
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        # a new key: inserted, or (another process made it meanwhile) added to
        insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[
            session.get_bind().dialect.name
        ]
        stmt = insert(Meta).values(key=key, value=str(by))
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=["key"],
                set_={"value": cast(cast(Meta.value, Integer) + by, Text)},
            )
        )
    return int(get_meta(session, key, "0") or 0)


def bump_data_version(session: Session) -> int:
    """Advance the data version by one and return it."""
    return increment_meta(session, "data_version")


def read_alarm_version(session: Session) -> int:
    """The alarm version: it changes whenever an alarm opens, changes or closes."""
    return int(get_meta(session, "alarm_version", "0") or 0)


def bump_alarm_version(session: Session) -> int:
    """Advance the alarm version by one and return it."""
    return increment_meta(session, "alarm_version")
