"""How the drill-down panels list rows: a list is cut to its first SHOWN rows and carries its
full length (read_models.exports gives every row, as a file); a campaign or committee task is
one row of the same shape."""

from __future__ import annotations

from datetime import date
from typing import Any

from data_loaders.rules.metrics import days_overdue

SHOWN = 200  # rows a panel list shows; its export has them all


def task_item(t: Any, today: date) -> dict[str, Any]:
    """A campaign or committee task as the panels list it."""
    return {
        "code": t.code,
        "title": t.title,
        "owner_unit": t.owner_unit,
        "due_on": t.due_on.isoformat() if t.due_on else None,
        "days_overdue": days_overdue(t.due_on, today),
        "progress": t.progress,
        "status": t.status,
    }
