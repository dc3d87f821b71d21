"""Map data for the routes and callbacks: read models turned into GeoJSON bytes, cached by
data version (and by filter), so a warm request is a dictionary lookup."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

import orjson
from sqlalchemy import Engine

from caches.payload import Payload
from caches.versioned import VersionedStore, Versions, WarmUp
from data_loaders.store import session_scope
from data_loaders.store.frames import load_grid_frame
from data_loaders.times import china_today
from read_models.alarms import load_open_alarm_points
from read_models.geojson import (
    alarms,
    enterprises,
    grids,
    incident,
    listed_dangers,
    major_hazards,
    resources,
    targets,
)
from read_models.geojson.common import dumps
from read_models.grids import UnknownGrid, load_grid_alarm_counts, load_grid_metrics, resolve_scope
from read_models.incidents import load_incident
from read_models.places import (
    load_enterprise_points,
    load_listed_danger_points,
    load_major_hazard_points,
)
from read_models.resources import load_resource_points, load_target_points
from read_models.stats import load_alarm_counts, load_ledger_stats, with_alarms

FIGURES_ENTRIES = 4096  # two KPI documents per grid: the 1,875 grids' with room
FILTER_KEYS = ("class", "industry", "tag", "grid", "q")
# The last feature of a map layer's answer (`end=1`): invisible anywhere (no geometry to draw)
END = {
    "type": "Feature",
    "geometry": {"type": "GeometryCollection", "geometries": []},
    "properties": {"onemap": "end"},
}
log = logging.getLogger("onemap.map_data")  # the name logging settings know


def split(value: str | None) -> list[str]:
    """A comma-separated query value as a clean list."""
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def filter_key(args: dict[str, str]) -> tuple[str, ...]:
    """The enterprise filters of a query, in a canonical form (cache keys)."""
    return tuple(",".join(sorted(split(args.get(k)))) for k in FILTER_KEYS)


def zoom_and_cells(args: dict[str, str]) -> tuple[int, tuple[int, int, int, int] | None]:
    """The zoom ("z", 0 to 22) and range of squares ("cells") of a clusters query; ValueError
    for a bad zoom or range."""
    zoom = int(args.get("z", ""))
    if not 0 <= zoom <= 22:
        raise ValueError("z")
    return zoom, enterprises.parse_cells(args.get("cells"), zoom)


class MapData:
    """Precomputed map payloads; everything is recomputed when the data version moves."""

    def __init__(
        self,
        engine: Engine,
        today: Callable[[], date] = china_today,
        max_entries: int = 256,
        warm: bool = False,
        max_bytes: int = 256 * 1024 * 1024,
        versions: Versions | None = None,
    ) -> None:
        self.engine = engine
        self.today = today
        # the store's versions, read at most once a second (the app shares them with the
        # panels' cache: one watcher for both)
        self.versions = versions or Versions(engine)
        self.max_entries = max_entries
        # Bounded by bytes too: each new search text made a multi-megabyte payload (256 of
        # them were about 1 GB per process).
        self.max_bytes = max_bytes
        self._payloads: VersionedStore[Payload] = VersionedStore(
            self.versions, max_entries, max_bytes, size=lambda p: p.size
        )
        # the enterprises' arrays, a few per data version
        self._point_sets: VersionedStore[enterprises.PointSet] = VersionedStore(self.versions, 16)
        # the grid frame and the ledger's metrics per data version, with the open alarms per
        # alarm version
        self._frames: VersionedStore[Any] = VersionedStore(self.versions, 8)
        # the KPI documents apart: two small ones per grid (ledger part, with alarms) for
        # every grid someone opened, which the layers' churn must not push out (under load,
        # 135 towns' and communities' figures in the 256 payloads were built again and again)
        self._figures: VersionedStore[Payload] = VersionedStore(
            self.versions, FIGURES_ENTRIES, size=lambda p: p.size
        )
        self._warm = warm
        self._warmup = WarmUp(self._warm_all, log, "warming the map cache failed", "onemap-warm")
        self.versions.subscribe(self._moved)

    # --- versioning ------------------------------------------------------------------------
    def version(self) -> int:
        """The store's data version, read at most once a second (one tiny query)."""
        return self.versions()[0]

    def _moved(self, data_moved: bool, _alarms_moved: bool) -> None:
        if data_moved and self._warm:
            self._warmup.start(self.versions.seen()[0])

    def alarm_version(self) -> int:
        """The store's alarm version (read together with the data version)."""
        return self.versions()[1]

    def token(self, live: bool = False) -> str:
        """What a URL carries to name its content: the data version, and the alarm version
        for payloads that show alarms."""
        data, alarms = self.versions()
        return f"{data}.{alarms}" if live else str(data)

    def state(self) -> dict[str, Any]:
        """The cache's state for /health: data version, payloads held, warming or not."""
        return {
            "version": self.versions.seen()[0],
            "payloads": len(self._payloads) + len(self._figures),
            "bytes": self.cached_bytes(),
            "warming": self._warmup.running,
        }

    def warm(self) -> None:
        """Build the payloads the first view and a town drill-down need, so nobody waits.

        Runs once per data version in a background thread (at most one at a time); a failure
        only means the first request builds its payload itself.
        """
        self._warmup.run()

    def _warm_all(self) -> None:
        self.warm_first_view()
        self.resources_geojson()  # off at first, ready for when they are switched on
        self.targets_geojson()
        frame = self.grid_frame()
        self.stats_json(None)
        for code in frame[frame.level == 2].code:
            self.grids_geojson(None, code)
            self.point_set({"grid": code})
            self.stats_json(code)
        # a community's KPI strip too: its ledger part costs ~20 ms, its alarms ~3 ms
        for code in frame[frame.level == 3].code:
            self.stats_json(code)

    def warm_first_view(self) -> None:
        """Build what the county view fetches (the server calls this before it listens, so
        even its first visitor finds the 200,000-point payload of a big city ready)."""
        self.point_set({})  # the enterprises the first view clusters
        frame = self.grid_frame()
        for code in frame[frame.parent_id.isna()].code:
            self.grids_geojson(None, code)
        self.major_hazards_geojson()
        self.listed_dangers_geojson()
        self.alarms_geojson()

    def _cached(
        self,
        key: tuple,
        make: Callable[[], bytes],
        live: bool = False,
        store: VersionedStore[Payload] | None = None,
    ) -> Payload:
        """The payload for a key, built once: concurrent askers (a request and the warming
        thread, say) wait for the first builder instead of building it again."""
        # (not `store or …`: an empty store is falsy)
        store = self._payloads if store is None else store
        return store.get(key, lambda: Payload(make()), live=live)

    def cached_bytes(self) -> int:
        """Bytes the payload cache holds now (for /health)."""
        return self._payloads.held_bytes() + self._figures.held_bytes()

    # --- grids -----------------------------------------------------------------------------
    def grid_frame(self) -> Any:
        """All grids, each level simplified as one coverage (shared borders kept)."""

        def make() -> Any:
            with session_scope(self.engine) as s:
                frame = load_grid_frame(s)
            return grids.simplify_level(frame)

        return self._frames.get(("grid_frame",), make)

    def metrics(self) -> dict[str, dict[str, float]]:
        """Choropleth metrics of every grid: the ledger's (kept per data version) with the
        open alarms (counted again per alarm version)."""

        def ledger() -> dict[str, dict[str, float]]:
            with session_scope(self.engine) as s:
                return load_grid_metrics(s, self.today())

        def make() -> dict[str, dict[str, float]]:
            metrics = self._frames.get(("metrics",), ledger)
            with session_scope(self.engine) as s:
                alarms = load_grid_alarm_counts(s)
            return {code: {**m, "open_alarms": alarms.get(code, 0)} for code, m in metrics.items()}

        return self._frames.get(("with_alarms",), make, live=True)

    def _children(self, level: int | None, parent: str | None) -> Any:
        frame = self.grid_frame()
        if parent:
            parent_rows = frame[frame.code == parent]
            if parent_rows.empty:
                raise UnknownGrid(parent)
            pid = int(parent_rows.iloc[0].id)
            return frame[frame.parent_id == pid]
        return frame[frame.level == (level or 2)]

    def grids_geojson(self, level: int | None, parent: str | None) -> Payload:
        """The grids of a level, or the children of a parent grid."""
        return self._cached(
            ("grids", level, parent),
            lambda: dumps(grids.features(self._children(level, parent), self.metrics())),
            live=True,  # the open-alarm metric rides along
        )

    def grid_breaks(self, level: int | None, parent: str | None, metric: str) -> list[float]:
        """Choropleth class breaks for the grids a view shows."""
        if metric not in grids.METRICS or metric == "none":
            return []
        codes = list(self._children(level, parent).code)
        m = self.metrics()
        return grids.breaks([m.get(c, {}).get(metric, 0) for c in codes], metric)

    # --- points ----------------------------------------------------------------------------
    def _enterprise_rows(self, args: dict[str, str]) -> list[tuple[str, str, str, float, float]]:
        with session_scope(self.engine) as s:
            return load_enterprise_points(
                s,
                classes=split(args.get("class")),
                industries=split(args.get("industry")),
                tags=split(args.get("tag")),
                grid_code=args.get("grid") or None,
                text=(args.get("q") or "").strip() or None,
            )

    def enterprises_geojson(self, args: dict[str, str]) -> Payload:
        """Enterprises that the filters keep (class, industry, tag, grid, q)."""
        return self._cached(
            ("enterprises", *filter_key(args)),
            lambda: dumps(enterprises.features(self._enterprise_rows(args))),
        )

    def point_set(self, args: dict[str, str]) -> enterprises.PointSet:
        """The enterprises the filters keep, as arrays (a few kept per data version)."""
        return self._point_sets.get(
            filter_key(args), lambda: enterprises.point_set(self._enterprise_rows(args))
        )

    def enterprise_clusters_json(self, args: dict[str, str]) -> Payload:
        """The clusters and single enterprises the filters keep, at a zoom ("z") in a range
        of squares ("cells"); ValueError for a bad zoom or range."""
        zoom, cells = zoom_and_cells(args)
        return self._cached(
            ("enterprise_clusters", *filter_key(args), zoom, cells),
            lambda: dumps(enterprises.clusters(self.point_set(args), zoom, cells)),
        )

    def enterprise_clusters_geojson(self, args: dict[str, str]) -> Payload:
        """The same clusters and single enterprises as GeoJSON, for the map's layer."""
        zoom, cells = zoom_and_cells(args)
        return self._cached(
            ("enterprise_clusters_geojson", *filter_key(args), zoom, cells),
            lambda: dumps(
                enterprises.clusters_geojson(
                    enterprises.clusters(self.point_set(args), zoom, cells)
                )
            ),
        )

    def ended(self, payload: Payload, live: bool = False) -> Payload:
        """A layer payload for the map: its collection ends with one feature of empty geometry
        whose properties are {"onemap": "end"} (END), so the map's layer can tell it has drawn
        an answer, even one with nothing in it (assets/onemap.js). Made once per payload."""

        def make() -> bytes:
            doc = orjson.loads(payload.raw)
            doc["features"] = [*doc.get("features", []), END]
            return dumps(doc)

        return self._cached(("ended", payload.etag), make, live=live)

    def major_hazards_geojson(self) -> Payload:
        """Every major hazard installation."""

        def make() -> bytes:
            with session_scope(self.engine) as s:
                return dumps(major_hazards.features(load_major_hazard_points(s)))

        return self._cached(("major_hazards",), make)

    def listed_dangers_geojson(self) -> Payload:
        """Every listed major hidden danger."""

        def make() -> bytes:
            with session_scope(self.engine) as s:
                return dumps(listed_dangers.features(load_listed_danger_points(s, self.today())))

        return self._cached(("listed_dangers", self.today()), make)

    def incident_geojson(self, incident_id: int, minute: str = "") -> Payload:
        """One incident's zones, kept per alarm version (every incident change moves it) and
        per minute the browser names (a plume on a station's wind follows its readings)."""

        def make() -> bytes:
            with session_scope(self.engine) as s:
                doc = load_incident(s, incident_id, datetime.now(UTC))
            if doc is None:
                raise LookupError(incident_id)
            return dumps(incident.features(doc))

        return self._cached(("incident", incident_id, minute[:12]), make, live=True)

    def resources_geojson(self) -> Payload:
        """Every emergency resource (off on the first view: not warmed)."""

        def make() -> bytes:
            with session_scope(self.engine) as s:
                return dumps(resources.features(load_resource_points(s)))

        return self._cached(("resources",), make)

    def targets_geojson(self) -> Payload:
        """Every sensitive target (off on the first view: not warmed)."""

        def make() -> bytes:
            with session_scope(self.engine) as s:
                return dumps(targets.features(load_target_points(s)))

        return self._cached(("targets",), make)

    def alarms_geojson(self) -> Payload:
        """The open alarms: real ones, and a running drill's marked as drill (operators
        practise on the real map; no figure counts them)."""

        def make() -> bytes:
            with session_scope(self.engine) as s:
                return dumps(alarms.features(load_open_alarm_points(s, screens=True)))

        return self._cached(("alarms",), make, live=True)

    # --- figures ---------------------------------------------------------------------------
    def stats_json(self, grid: str | None) -> Payload:
        """The KPI document of the county or a grid (UnknownGrid for a wrong code): the
        ledger's part kept per data version, the open alarms counted per alarm version."""
        today = self.today()

        def ledger() -> bytes:
            with session_scope(self.engine) as s:
                doc = load_ledger_stats(s, resolve_scope(s, grid), today)
            return orjson.dumps(doc, option=orjson.OPT_NON_STR_KEYS)

        def make() -> bytes:
            kept = self._cached(("stats-ledger", grid, today), ledger, store=self._figures)
            with session_scope(self.engine) as s:
                alarms = load_alarm_counts(s, resolve_scope(s, grid))
            part = orjson.loads(kept.raw)
            return orjson.dumps(with_alarms(part, alarms), option=orjson.OPT_NON_STR_KEYS)

        return self._cached(("stats", grid, today), make, live=True, store=self._figures)

    def stats(self, grid: str | None) -> dict[str, Any]:
        """The KPI document itself, from the same cache as the route."""
        return orjson.loads(self.stats_json(grid).raw)

    # --- urls ------------------------------------------------------------------------------
    def url(self, name: str, live: bool = False, ext: str = "geojson", **params: Any) -> str:
        """A versioned layer URL: a new data (or, when live, alarm) version is a new URL, so
        browsers may cache what a URL names."""
        clean = {k: v for k, v in params.items() if v not in (None, "", [])}
        clean["v"] = self.token(live)
        clean["end"] = 1  # the map's own URLs: the answer ends with the END feature
        return f"/api/layers/{name}.{ext}?{urlencode(clean)}"
