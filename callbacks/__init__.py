"""Callbacks: one module per behaviour a user sees; each has register(app, deps)."""

from __future__ import annotations

from callbacks import (
    alarm_strip,
    alarms,
    chrome,
    clock,
    committee_tasks,
    incidents,
    map_state,
    panel,
    search,
    tables,
    trends,
)
from callbacks.deps import Deps

MODULES = (
    chrome,
    clock,
    map_state,
    panel,
    tables,
    committee_tasks,
    search,
    alarm_strip,
    alarms,
    incidents,
    trends,
)


def register_all(app, deps: Deps) -> None:  # type: ignore[no-untyped-def]
    """Register every callback module on this app (never on the global dash.callback)."""
    for module in MODULES:
        module.register(app, deps)
