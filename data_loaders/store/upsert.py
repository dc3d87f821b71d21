"""Insert-or-update on a natural key, on SQLite and PostgreSQL alike (INSERT … ON CONFLICT)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def upsert(
    session: Session, model: Any, rows: list[dict[str, Any]], keys: Sequence[str], chunk: int = 2000
) -> None:
    """Write rows; a row whose key exists updates it (every given column), never duplicates."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if insert is None:
        raise NotImplementedError(f"upsert is not implemented for {dialect}")
    # Group rows by their column set: one statement per shape.
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        shapes.setdefault(tuple(row), []).append(row)
    for columns, group in shapes.items():
        stmt = insert(model.__table__)
        updates = {c: stmt.excluded[c] for c in columns if c not in keys}
        stmt = (
            stmt.on_conflict_do_update(index_elements=list(keys), set_=updates)
            if updates
            else stmt.on_conflict_do_nothing(index_elements=list(keys))
        )
        for i in range(0, len(group), chunk):
            session.execute(stmt, group[i : i + chunk])
