"""The panels' read models kept per data version, so switching scope does not re-read the
ledger each time; the county and its towns are prepared in a background thread after the
data changes (like the map's payloads), so the first switch to a town is fast too.

Only the ledger's version keys the documents (the alarm version also keys the ranking, whose
alarm-handling part moves with alarms). A new version empties the cache.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Engine, select

from data_loaders.store import read_alarm_version, read_data_version, session_scope
from data_loaders.store.schema import Grid
from read_models.campaigns import load_campaign_progress
from read_models.committee import load_committee_panel, load_committee_tasks
from read_models.dangers import load_danger_closure, load_listed_dangers
from read_models.rankings import load_ledger_figures, load_rankings

Loader = Callable[..., Any]
LOADERS: dict[str, Loader] = {
    "closure": lambda s, grid, today, _arg, _cfg: load_danger_closure(s, grid, today),
    "listed": lambda s, grid, today, _arg, _cfg: load_listed_dangers(s, grid, today),
    "campaigns": lambda s, grid, today, _arg, _cfg: load_campaign_progress(s, grid, today),
    "campaign": lambda s, grid, today, arg, _cfg: load_campaign_progress(
        s, grid, today, campaign=arg
    ),
    "committee": lambda s, grid, today, _arg, _cfg: load_committee_panel(s, grid, today),
    "tasks": lambda s, grid, today, _arg, _cfg: load_committee_tasks(s, grid, today),
    # the bulletin is the county's whatever the scope; `ledger` gives its ledger part from
    # the cache (the part alarms do not move)
    "rankings": lambda s, _grid, today, arg, cfg, ledger=None: load_rankings(
        s, arg, today, cfg, ledger=ledger
    ),
    # the grids' ledger figures for a bulletin taken on a day (arg): kept per data version
    "ranking-ledger": lambda s, _grid, _today, end, _cfg: load_ledger_figures(s, end),
}
# what a scope switch reads, in the order the warm-up prepares it
WARM_KINDS = ("closure", "listed", "campaigns", "committee", "tasks")
MAX_ENTRIES = 600


def load_model(
    engine: Engine, kind: str, grid: str | None, today: date, arg: Any = None, ranking: Any = None
) -> Any:
    """One panel read model straight from the store (kind: a key of LOADERS)."""
    with session_scope(engine) as session:
        return LOADERS[kind](session, grid, today, arg, ranking)


class PanelCache:
    """Panel read models per (data version, kind, scope, day, argument)."""

    def __init__(
        self,
        engine: Engine,
        ranking: Any = None,
        warm: bool = False,
        versions: Callable[[], tuple[int, int]] | None = None,
    ) -> None:
        self.engine = engine
        self.ranking = ranking
        self.warm_enabled = warm
        # (data version, alarm version): the app passes the map cache's, which it already
        # reads at most once a second; alone (bench, tests) the store is asked each time
        self.versions = versions or self._read_versions
        self._docs: dict[tuple, Any] = {}
        self._lock = threading.Lock()
        self._warmed: tuple | None = None
        self._warming = threading.Event()  # set while the background warm-up runs

    def _read_versions(self) -> tuple[int, int]:
        with session_scope(self.engine) as session:
            return read_data_version(session), read_alarm_version(session)

    def get(self, kind: str, grid: str | None, today: date, arg: Any = None) -> Any:
        """The read model, from the cache or the store."""
        data, alarms = self.versions()
        county_wide = kind == "rankings"  # one bulletin for every scope, moved by alarms too
        key = (
            data,
            alarms if county_wide else None,
            kind,
            None if county_wide else grid,
            today,
            arg,
        )
        with self._lock:
            if key in self._docs:
                return self._docs[key]
        if kind == "rankings":
            # an alarm moves only the alarm part: the rest is the cache's, per data version
            with session_scope(self.engine) as session:
                doc = LOADERS[kind](
                    session,
                    grid,
                    today,
                    arg,
                    self.ranking,
                    ledger=lambda end: self.get("ranking-ledger", None, today, end),
                )
        else:
            doc = load_model(self.engine, kind, grid, today, arg, self.ranking)
        with self._lock:
            stale = [k for k in self._docs if k[0] != data or len(self._docs) > MAX_ENTRIES]
            for k in stale:
                del self._docs[k]
            self._docs[key] = doc
        if self.warm_enabled and self._warmed != (data, today):
            self._warmed = (data, today)
            self._warming.set()
            threading.Thread(target=self._warm, args=(today,), daemon=True).start()
        return doc

    def state(self) -> dict[str, Any]:
        """The cache's state for /health: documents held, warming or not."""
        return {"documents": len(self._docs), "warming": self._warming.is_set()}

    def clear(self, keep: tuple[str, ...] = ()) -> None:
        """Forget every document but those of the kinds in `keep`."""
        with self._lock:
            self._docs = {k: v for k, v in self._docs.items() if k[2] in keep}

    def _warm(self, today: date) -> None:
        """Prepare the county's and every town's panels (errors are logged, not raised)."""
        try:
            with session_scope(self.engine) as session:
                root = session.execute(
                    select(Grid.id, Grid.code)
                    .where(Grid.parent_id.is_(None))
                    .order_by(Grid.level, Grid.id)
                    .limit(1)
                ).first()
                if root is None:
                    return
                towns = session.scalars(
                    select(Grid.code).where(Grid.parent_id == root.id).order_by(Grid.code)
                ).all()
            # the panels ask by the scope's own code: the county's too
            for grid in (root.code, *towns):
                for kind in WARM_KINDS:
                    self.get(kind, grid, today)
        except Exception:  # a store being rebuilt under us: the next request reads directly
            logging.getLogger("onemap").exception("preparing the panels failed")
        finally:
            self._warming.clear()
