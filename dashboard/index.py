"""The page template: the map starts with the HTML, before Dash.

The page's own referrer policy (a meta element, which outranks any header a proxy adds) keeps
the full URL in the Referer of same-origin requests: Dash fetches its layout without the
page's query, and the layout reads the view from that Referer (dashboard.app.page_query).

Dash's own page waits for its bundles, the layout and the first callbacks (~0.8 s here)
before a layer could even be asked for. So the template carries the map container, the map
spec for the page's URL (JSON), preloads for its layers and the map's own scripts
(assets/map: Leaflet and map.js). Dash's scripts wait in a <template>
until the map has drawn its first view (map.js starts them), so the two do not fight for the
main thread; Dash renders the panels around the map and drives it through the map-spec store.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

import orjson
from dash import Dash

from callbacks import ids
from layers import enterprises

TEMPLATE = """<!DOCTYPE html>
<html lang="{html_lang}">
<head>
<meta name="referrer" content="same-origin">
{metas}
<title>{title}</title>
{favicon}
{preloads}
<link rel="stylesheet" href="{leaflet_css}">
{css}
</head>
<body class="{body_class}">
<div id="{map_id}" class="map"></div>
<script id="map-boot" type="application/json">{boot}</script>
<script src="{leaflet_js}"></script>
<script src="{map_js}"></script>
{app_entry}
<footer>
{config}
<template id="dash-scripts">
{scripts}
{renderer}
</template>
</footer>
</body>
</html>"""


def script_json(doc: Any) -> str:
    """JSON safe inside a <script> element (no '</' or '<!--' can close or confuse it)."""
    return orjson.dumps(doc).decode().replace("<", "\\u003c")


class OneMapDash(Dash):
    """Dash with the map in its page template (`boot` gives the spec for the request)."""

    boot: Callable[[], tuple[dict[str, Any], str, str]] | None = None
    page_title: Callable[[str], str] | None = None  # the browser tab's title, by language

    def map_asset(self, name: str) -> str:
        """A map asset's URL, with its modification time so a new file is fetched."""
        path = Path(self.config.assets_folder) / "map" / name
        return f"{self.get_asset_url('map/' + name)}?m={int(path.stat().st_mtime)}"

    def interpolate_index(self, **kwargs: str) -> str:  # type: ignore[override]
        """The page with the map's container, spec and scripts ahead of Dash's."""
        spec, lang, theme = self.boot() if self.boot else ({}, "zh", "dark")
        # Leaflet first (the browser opens six connections: it must not queue behind data),
        # then the layers, downloading while the page parses (map.js fetches the same URLs in
        # the same mode, so the preloaded responses are used). The enterprises' clusters
        # depend on the zoom the screen's size gives: map.js asks for them first thing.
        preloads = [f'<link rel="preload" href="{self.map_asset("leaflet.js")}" as="script">']
        preloads += [
            f'<link rel="preload" href="{escape(layer["url"])}" as="fetch" crossorigin>'
            for name, layer in spec.get("layers", {}).items()
            if layer.get("url") and name != enterprises.NAME
        ]
        return TEMPLATE.format(
            html_lang="zh-CN" if lang == "zh" else "en",
            metas=kwargs.get("metas", ""),
            title=escape(self.page_title(lang)) if self.page_title else kwargs.get("title", ""),
            favicon=kwargs.get("favicon", ""),
            preloads="\n".join(preloads),
            leaflet_css=self.map_asset("leaflet.css"),
            css=kwargs.get("css", ""),
            body_class="theme-light" if theme == "light" else "",
            map_id=ids.MAP,
            boot=script_json(spec),
            leaflet_js=self.map_asset("leaflet.js"),
            map_js=self.map_asset("map.js"),
            app_entry=kwargs.get("app_entry", ""),
            config=kwargs.get("config", ""),
            scripts=kwargs.get("scripts", ""),
            renderer=kwargs.get("renderer", ""),
        )
