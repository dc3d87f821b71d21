"""What callbacks receive from the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from caches.map_payloads import MapData
from caches.panel_documents import PanelCache
from data_loaders.rules.rankings import RankingConfig
from data_loaders.users import Identity
from views.labels import Label


@dataclass(frozen=True)
class Deps:
    """The engine, the default language, a label function and the title, from dashboard."""

    engine: Engine
    lang: str
    label: Label
    title: Callable[[str], str]
    map_data: MapData | None = None  # cached layer payloads and URLs
    js_labels: Callable[[str], dict[str, str]] = lambda _lang: {}
    # the Identity of the request (name, role, may(role)), or None
    current_user: Callable[[], Identity | None] = lambda: None
    ranking: RankingConfig | None = None  # None: the defaults
    panels: PanelCache | None = None  # None: read the store each time
    tile_url: str = ""  # the raster basemap's URL template ("": none, the grids are the basemap)
    briefing_dir: str = ""  # the monthly briefings' folder ("": none made)

    def may(self, role: str) -> bool:
        """Whether the request's user is signed in by name and holds this role."""
        who = self.current_user()
        return bool(who and who.name and who.may(role))
