"""Map layers, in draw order bottom to top.

Every layer module has the same face: NAME, ID (its Dash id), PANE, LABELS (the catalog
prefixes its browser functions read from its hideout) and build(url, hideout) -> a dash-leaflet
GeoJSON layer whose symbols are functions in assets/onemap.js. The GeoJSON a layer's url serves
is made below, in read_models.geojson (one module per layer), and kept by the caches. No SQL,
no GeoJSON making, no callbacks. build_map puts the layers in a dl.Map with their panes.
"""

from __future__ import annotations

from typing import Any

import dash_leaflet as dl

from layers import (
    alarms,
    basemap,
    enterprises,
    grids,
    incident,
    listed_dangers,
    major_hazards,
    resources,
    targets,
)

# (the incident's zones share the grids' canvas, drawn after the grids and under the clusters;
# it is shown by ?incident=, not switched)
LAYERS = (
    grids,
    incident,
    enterprises,
    targets,
    major_hazards,
    listed_dangers,
    resources,
    alarms,
)
SWITCHABLE = tuple(layer.NAME for layer in LAYERS if layer is not incident)
# Drawing order by pane (z-index): polygons, enterprise clusters and dots on one canvas (a
# second canvas on top would swallow the polygons' clicks: Leaflet does not pass events
# between canvases), then the sensitive targets (605: what to protect is the background an
# emergency is read against, so every danger symbol is drawn over it, and above Leaflet's own
# marker pane, 600), hazards, listed dangers, the emergency resources (630: who can help is
# looked for over the dangers, yet never over an alarm) and, on top of everything but
# tooltips (650), the alarms.
PANES = (
    (grids.PANE, 400),
    (targets.PANE, 605),
    (major_hazards.PANE, 610),
    (listed_dangers.PANE, 620),
    (resources.PANE, 630),
    (alarms.PANE, 640),
)


def build_map(
    map_id: str,
    props: dict[str, tuple[str | None, dict[str, Any]]],
    bounds: list[list[float]] | None,
    center: list[float] | None,
    zoom: float | None = None,
    tile_url: str = "",
) -> dl.Map:
    """The map: each layer (name -> its url and hideout) in its pane, the basemap when a
    tile URL is configured, looking at `bounds` (or `center` and `zoom`).

    The view is tracked (the map's zoom, center and bounds props follow every move: the
    enterprises' clusters are asked for them). dash-leaflet 1.1.3's tracking compares with
    the `center` prop, so a map given bounds gets their centre too, without a zoom (the
    bounds decide it)."""
    by_pane: dict[str, list] = {}
    for layer in LAYERS:
        url, hideout = props[layer.NAME]
        by_pane.setdefault(layer.PANE, []).append(layer.build(url, hideout))
    children: list[Any] = []
    if tile_url:
        spec = basemap.spec(tile_url) or {}
        children.append(dl.TileLayer(url=spec["url"], attribution=spec["attribution"], maxZoom=18))
    children += [
        dl.Pane(by_pane.get(name, []), name=name, style={"zIndex": z}) for name, z in PANES
    ]
    view: dict[str, Any] = {"center": center}
    if zoom is not None:
        view["zoom"] = zoom
    else:
        view["bounds"] = bounds
    return dl.Map(
        children,
        id=map_id,
        className="map",
        **view,
        zoomSnap=0.25,
        maxZoom=18,
        preferCanvas=True,
        attributionControl=False,
        trackViewport=True,
        # (moveend is trackViewport's own: dash-leaflet replaces a moveend handler with it)
        eventHandlers={"zoomend": {"variable": "onemap.moved"}},
    )


__all__ = [
    "LAYERS",
    "PANES",
    "SWITCHABLE",
    "alarms",
    "basemap",
    "build_map",
    "enterprises",
    "grids",
    "listed_dangers",
    "major_hazards",
    "resources",
    "targets",
]
