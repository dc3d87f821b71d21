"""The panels' read models kept per data version, so switching scope does not re-read the
ledger each time; the county and its towns are prepared in a background thread after the
data changes (like the map's payloads), so the first switch to a town is fast too.

Only the ledger's version keys the documents (the alarm version also keys the ranking, whose
alarm-handling part moves with alarms). A new version empties the cache.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Engine, select

from caches.versioned import VersionedStore, Versions, WarmUp
from data_loaders.rules.rankings import RankingConfig
from data_loaders.store import session_scope
from data_loaders.store.schema import Grid
from read_models.campaigns import load_campaign_progress
from read_models.committee import load_committee_panel, load_committee_tasks
from read_models.dangers import load_danger_closure, load_listed_dangers
from read_models.rankings import load_rankings, load_town_ledger

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
    # the towns' ledger part of a bulletin taken on a day (arg): kept per data version
    "ranking-ledger": lambda s, _grid, _today, end, _cfg: load_town_ledger(s, end),
}
# what a scope switch reads, in the order the warm-up prepares it
WARM_KINDS = ("closure", "listed", "campaigns", "committee", "tasks")
MAX_ENTRIES = 600


def load_model(
    engine: Engine,
    kind: str,
    grid: str | None,
    today: date,
    arg: Any = None,
    ranking: RankingConfig | None = None,
) -> Any:
    """One panel read model straight from the store (kind: a key of LOADERS)."""
    with session_scope(engine) as session:
        return LOADERS[kind](session, grid, today, arg, ranking)


class PanelCache:
    """Panel read models per (data version, kind, scope, day, argument)."""

    def __init__(
        self,
        engine: Engine,
        ranking: RankingConfig | None = None,
        warm: bool = False,
        versions: Versions | None = None,
    ) -> None:
        self.engine = engine
        self.ranking = ranking
        self.warm_enabled = warm
        # (data version, alarm version): the app passes the map cache's watcher, which reads
        # them at most once a second; alone (bench, tests) the store is asked each time
        self.versions = versions or Versions(engine, max_age=0)
        self._docs: VersionedStore[Any] = VersionedStore(self.versions, MAX_ENTRIES)
        self._warmup = WarmUp(
            self._warm, logging.getLogger("onemap"), "preparing the panels failed", overlap=True
        )

    def get(self, kind: str, grid: str | None, today: date, arg: Any = None) -> Any:
        """The read model, from the cache or the store."""
        county_wide = kind == "rankings"  # one bulletin for every scope, moved by alarms too

        def make() -> Any:
            if kind == "rankings":
                # an alarm moves only the alarm part: the rest is the cache's, per data version
                with session_scope(self.engine) as session:
                    return LOADERS[kind](
                        session,
                        grid,
                        today,
                        arg,
                        self.ranking,
                        ledger=lambda end: self.get("ranking-ledger", None, today, end),
                    )
            return load_model(self.engine, kind, grid, today, arg, self.ranking)

        doc = self._docs.get(
            (kind, None if county_wide else grid, today, arg), make, live=county_wide
        )
        if self.warm_enabled:
            self._warmup.start((self.versions.seen()[0], today), today)
        return doc

    def state(self) -> dict[str, Any]:
        """The cache's state for /health: documents held, warming or not."""
        return {"documents": len(self._docs), "warming": self._warmup.running}

    def clear(self, keep: tuple[str, ...] = ()) -> None:
        """Forget every document but those of the kinds in `keep`."""
        self._docs.clear(keep=lambda key: key[0] in keep)

    def _warm(self, today: date) -> None:
        """Prepare the county's and every town's panels (errors are logged, not raised: a
        store being rebuilt under us, and the next request reads directly)."""
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
