"""The SQL store: schema, engine, migrations, data version."""

from data_loaders.store.engine import (
    bump_alarm_version,
    bump_data_version,
    get_meta,
    increment_meta,
    init_db,
    make_engine,
    read_alarm_version,
    read_data_version,
    session_scope,
    set_meta,
)

__all__ = [
    "bump_alarm_version",
    "bump_data_version",
    "get_meta",
    "increment_meta",
    "init_db",
    "make_engine",
    "read_alarm_version",
    "read_data_version",
    "session_scope",
    "set_meta",
]
