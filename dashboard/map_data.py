"""Map data for the routes and callbacks: read models turned into GeoJSON bytes, cached by
data version (and by filter), so a warm request is a dictionary lookup."""

from __future__ import annotations

import gzip
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urlencode

import brotli
import orjson
from sqlalchemy import Engine

from data_loaders.store import read_alarm_version, read_data_version, session_scope
from data_loaders.store.frames import load_grid_frame
from data_loaders.times import china_today
from read_models.alarms import load_open_alarm_points
from read_models.geojson import alarms, enterprises, grids, listed_dangers, major_hazards
from read_models.geojson.common import dumps
from read_models.grids import UnknownGrid, load_grid_alarm_counts, load_grid_metrics, resolve_scope
from read_models.places import (
    load_enterprise_points,
    load_listed_danger_points,
    load_major_hazard_points,
)
from read_models.stats import load_alarm_counts, load_ledger_stats, with_alarms

FILTER_KEYS = ("class", "industry", "tag", "grid", "q")
# The last feature of a map layer's answer (`end=1`): invisible anywhere (no geometry to draw)
END = {
    "type": "Feature",
    "geometry": {"type": "GeometryCollection", "geometries": []},
    "properties": {"onemap": "end"},
}
log = logging.getLogger("onemap.map_data")


class Payload:
    """Response bytes with their ETag and compressed forms, each made once, on first use."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self.etag = hashlib.blake2b(raw, digest_size=12).hexdigest()
        self._encoded: dict[str, bytes] = {"identity": raw}
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        """Bytes held: the body and the compressed forms made so far."""
        with self._lock:
            return sum(len(b) for b in self._encoded.values())

    def encoded(self, encoding: str) -> bytes:
        """The body in an encoding: identity, gzip or br."""
        with self._lock:
            if encoding not in self._encoded:
                if encoding == "br":
                    self._encoded[encoding] = brotli.compress(self.raw, quality=5)
                elif encoding == "gzip":
                    self._encoded[encoding] = gzip.compress(self.raw, compresslevel=6, mtime=0)
                else:
                    raise ValueError(encoding)
            return self._encoded[encoding]


def split(value: str | None) -> list[str]:
    """A comma-separated query value as a clean list."""
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def filter_key(args: dict[str, str]) -> tuple[str, ...]:
    """The enterprise filters of a query, in a canonical form (cache keys)."""
    return tuple(",".join(sorted(split(args.get(k)))) for k in FILTER_KEYS)


class MapData:
    """Precomputed map payloads; everything is recomputed when the data version moves."""

    def __init__(
        self,
        engine: Engine,
        today: Callable[[], date] = china_today,
        max_entries: int = 256,
        warm: bool = False,
        max_bytes: int = 256 * 1024 * 1024,
    ) -> None:
        self.engine = engine
        self.today = today
        self.max_entries = max_entries
        # Bounded by bytes too: each new search text made a multi-megabyte payload (256 of
        # them were about 1 GB per process).
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._version = -1
        self._alarm_version = -1
        self._version_read_at = 0.0
        self._bytes: OrderedDict[tuple, Payload] = OrderedDict()
        self._building: dict[tuple, threading.Event] = {}
        self._grid_frame: Any = None
        self._metrics: dict[str, dict[str, float]] | None = None  # the ledger's, per version
        self._with_alarms: dict[str, dict[str, float]] | None = None  # + open alarms
        self._warm = warm
        self._warming = threading.Lock()
        self._point_sets: OrderedDict[tuple, enterprises.PointSet] = OrderedDict()

    # --- versioning ------------------------------------------------------------------------
    def version(self, max_age: float = 1.0) -> int:
        """The store's data version, read at most once a second (one tiny query)."""
        now = time.monotonic()
        if now - self._version_read_at > max_age:
            with session_scope(self.engine) as s:
                v, av = read_data_version(s), read_alarm_version(s)
            with self._lock:
                self._version_read_at = now
                moved = v != self._version
                if moved:
                    self._version = v
                    self._bytes.clear()
                    self._point_sets.clear()
                    self._grid_frame = None
                    self._metrics = None
                    self._with_alarms = None
                if av != self._alarm_version:
                    # alarms moved: drop what shows alarms, keep the heavy ledger payloads
                    # and metrics (a second at scale 10) and count the alarms again
                    self._alarm_version = av
                    for key in [k for k in self._bytes if k[1] is not None]:
                        del self._bytes[key]
                    self._with_alarms = None
            if moved and self._warm:
                threading.Thread(target=self.warm, name="onemap-warm", daemon=True).start()
        return self._version

    def alarm_version(self) -> int:
        """The store's alarm version (read together with the data version)."""
        self.version()
        return self._alarm_version

    def token(self, live: bool = False) -> str:
        """What a URL carries to name its content: the data version, and the alarm version
        for payloads that show alarms."""
        v = self.version()
        return f"{v}.{self._alarm_version}" if live else str(v)

    def state(self) -> dict[str, Any]:
        """The cache's state for /health: data version, payloads held, warming or not."""
        return {
            "version": self._version,
            "payloads": len(self._bytes),
            "bytes": self.cached_bytes(),
            "warming": self._warming.locked(),
        }

    def warm(self) -> None:
        """Build the payloads the first view and a town drill-down need, so nobody waits.

        Runs once per data version in a background thread (at most one at a time); a failure
        only means the first request builds its payload itself.
        """
        if not self._warming.acquire(blocking=False):
            return
        try:
            self.warm_first_view()
            frame = self.grid_frame()
            self.stats_json(None)
            for code in frame[frame.level == 2].code:
                self.grids_geojson(None, code)
                self.point_set({"grid": code})
                self.stats_json(code)
        except Exception:  # warming is best effort: requests build their payload on demand
            log.exception("warming the map cache failed")
        finally:
            self._warming.release()

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

    def _cached(self, key: tuple, make: Callable[[], bytes], live: bool = False) -> Payload:
        """The payload for a key, built once: concurrent askers (a request and the warming
        thread, say) wait for the first builder instead of building it again."""
        # Keyed by data version too: a build begun before the data changed can never be
        # served as the new version's payload.
        version = self.version()
        key = (version, self._alarm_version if live else None, *key)
        while True:
            with self._lock:
                if key in self._bytes:
                    self._bytes.move_to_end(key)
                    return self._bytes[key]
                building = self._building.get(key)
                if building is None:
                    building = self._building[key] = threading.Event()
                    break
            building.wait()
        try:
            body = Payload(make())
            with self._lock:
                self._bytes[key] = body
                self._evict()
            return body
        finally:
            with self._lock:
                self._building.pop(key, None)
            building.set()

    def _evict(self) -> None:
        """Drop the least recently used payloads beyond the entry and byte budgets (the
        newest stays, whatever its size). Called with the lock held."""
        total = sum(p.size for p in self._bytes.values())
        while len(self._bytes) > 1 and (
            len(self._bytes) > self.max_entries or total > self.max_bytes
        ):
            _key, dropped = self._bytes.popitem(last=False)
            total -= dropped.size

    def cached_bytes(self) -> int:
        """Bytes the payload cache holds now (for /health)."""
        with self._lock:
            return sum(p.size for p in self._bytes.values())

    # --- grids -----------------------------------------------------------------------------
    def grid_frame(self) -> Any:
        """All grids, each level simplified as one coverage (shared borders kept)."""
        self.version()
        if self._grid_frame is None:
            with session_scope(self.engine) as s:
                frame = load_grid_frame(s)
            self._grid_frame = grids.simplify_level(frame)
        return self._grid_frame

    def metrics(self) -> dict[str, dict[str, float]]:
        """Choropleth metrics of every grid: the ledger's (kept per data version) with the
        open alarms (counted again per alarm version)."""
        self.version()
        if self._with_alarms is None:
            with session_scope(self.engine) as s:
                if self._metrics is None:
                    self._metrics = load_grid_metrics(s, self.today())
                alarms = load_grid_alarm_counts(s)
            self._with_alarms = {
                code: {**m, "open_alarms": alarms.get(code, 0)} for code, m in self._metrics.items()
            }
        return self._with_alarms

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
        key = (self.version(), *filter_key(args))
        with self._lock:
            if key in self._point_sets:
                self._point_sets.move_to_end(key)
                return self._point_sets[key]
        points = enterprises.point_set(self._enterprise_rows(args))
        with self._lock:
            self._point_sets[key] = points
            while len(self._point_sets) > 16:
                self._point_sets.popitem(last=False)
        return points

    def enterprise_clusters_json(self, args: dict[str, str]) -> Payload:
        """The clusters and single enterprises the filters keep, at a zoom ("z") in a range
        of squares ("cells"); ValueError for a bad zoom or range."""
        zoom = int(args.get("z", ""))
        if not 0 <= zoom <= 22:
            raise ValueError("z")
        cells = enterprises.parse_cells(args.get("cells"), zoom)
        return self._cached(
            ("enterprise_clusters", *filter_key(args), zoom, cells),
            lambda: dumps(enterprises.clusters(self.point_set(args), zoom, cells)),
        )

    def enterprise_clusters_geojson(self, args: dict[str, str]) -> Payload:
        """The same clusters and single enterprises as GeoJSON, for the map's layer."""
        zoom = int(args.get("z", ""))
        if not 0 <= zoom <= 22:
            raise ValueError("z")
        cells = enterprises.parse_cells(args.get("cells"), zoom)
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

    def alarms_geojson(self) -> Payload:
        """The open alarms."""

        def make() -> bytes:
            with session_scope(self.engine) as s:
                return dumps(alarms.features(load_open_alarm_points(s)))

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
            part = orjson.loads(self._cached(("stats-ledger", grid, today), ledger).raw)
            with session_scope(self.engine) as s:
                alarms = load_alarm_counts(s, resolve_scope(s, grid))
            return orjson.dumps(with_alarms(part, alarms), option=orjson.OPT_NON_STR_KEYS)

        return self._cached(("stats", grid, today), make, live=True)

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
