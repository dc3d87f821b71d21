"""Security headers on every response: no MIME sniffing, no framing, and a Content-Security-Policy
that runs only the app's own scripts (files from this origin, and Dash's inline renderer
bootstrap and inline callbacks by the hashes Dash computes, Dash.csp_hashes())."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from dash import Dash
from flask import Flask, Response

from dashboard.settings import Settings

# A URL template's placeholder in a host ({s}.tile.example.org): any one label there.
PLACEHOLDER = re.compile(r"\{[^}]*\}")


def tile_origin(tile_url: str) -> str | None:
    """The origin (scheme://host[:port]) a raster tile template fetches from, as a CSP source
    ({s} and other placeholders in the host become a wildcard label); None when local."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url)
    if not parts.netloc or parts.scheme not in ("http", "https", ""):
        return None  # a path on this server ("/tiles/{z}/{x}/{y}"): 'self'
    host = PLACEHOLDER.sub("*", parts.netloc.rsplit("@", 1)[-1])
    scheme = parts.scheme or "https"  # (//host/…: the page's scheme; https where it matters)
    if "*" in host.split(".", 1)[-1] or not re.fullmatch(r"[\w.*:\-\[\]]+", host):
        return f"{scheme}:"  # a placeholder past the first label: the scheme only
    return f"{scheme}://{host}" if parts.scheme else host


def policy(script_hashes: Iterable[str], tile_url: str = "") -> str:
    """The Content-Security-Policy: scripts from this origin and the given inline hashes."""
    images = ["'self'", "data:", "blob:"]  # plotly's and leaflet's icons are data: URIs
    origin = tile_origin(tile_url)
    if origin:
        images.append(origin)
    directives = {
        "default-src": ["'self'"],
        # no 'unsafe-inline', no 'unsafe-eval': Dash's inline bootstrap is allowed by its hash
        "script-src": ["'self'", *sorted(set(script_hashes))],
        # Dash's renderer, dcc, dash-leaflet (Leaflet's CSS bundled in its script), plotly.js
        # and AG Grid's themes insert <style> elements as they run (tests/browser/test_csp
        # sees dozens refused without this), and no nonce or hash can name what they make;
        # a style cannot run code, so inline styles are allowed, inline scripts never
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": images,
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def install(server: Flask, settings: Settings, apps: Sequence[Dash]) -> None:
    """Set the headers on every response of the server (its Dash apps' hashes included)."""
    tile_url = settings.tile_url

    @server.after_request
    def security_headers(response: Response) -> Response:
        # the hashes are read at each response (a few SHA-256 of short strings): an inline
        # callback registered after install, or Dash's own set-up, is in them all the same
        hashes = [h for app in apps for h in app.csp_hashes()]
        response.headers.setdefault("Content-Security-Policy", policy(hashes, tile_url))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")  # frame-ancestors' older twin
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
