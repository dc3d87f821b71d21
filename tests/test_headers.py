"""Security headers (dashboard.headers) on every kind of response: pages, JSON, files, errors;
the policy allows exactly the inline scripts the pages carry (by their hashes) and the tile
server's origin for images."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from dashboard.app import create_app
from dashboard.headers import policy, tile_origin
from dashboard.settings import Settings

pytestmark = pytest.mark.sqlite_only("headers do not depend on the store")

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", re.S)


@pytest.fixture
def app(small_city):  # type: ignore[no-untyped-def]
    return create_app(Settings(anonymous_role="viewer", warm_cache=False), small_city)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.server


def directives(header: str) -> dict[str, list[str]]:
    """A policy's directives by name."""
    out = {}
    for part in header.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


@pytest.mark.parametrize(
    "path",
    [
        "/",  # the command page (HTML)
        "/wall/",
        "/brief/",
        "/review/",
        "/login",
        "/api/stats",  # JSON
        "/health",
        "/api/openapi.json",
        "/api/nothing-here",  # a JSON 404
        "/api/layers/major-hazards.geojson",  # a precompressed payload
        "/assets/app.css",  # static files
        "/_dash-component-suites/dash/dash-renderer/build/dash_renderer.min.js",
        "/nowhere",  # the pages' 404
    ],
)
def test_every_response_has_the_headers(client, path):  # type: ignore[no-untyped-def]
    answer = client.test_client().get(path)
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["X-Frame-Options"] == "DENY"
    csp = directives(answer.headers["Content-Security-Policy"])
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    scripts = csp["script-src"]
    assert scripts[0] == "'self'" and all(s.startswith("'sha256-") for s in scripts[1:])


@pytest.mark.parametrize("path", ["/", "/wall/", "/brief/", "/review/"])
def test_the_policy_names_every_inline_script_of_a_page(client, path):  # type: ignore[no-untyped-def]
    answer = client.test_client().get(path)
    assert answer.status_code == 200
    allowed = set(directives(answer.headers["Content-Security-Policy"])["script-src"])
    inline = [
        body
        for attrs, body in INLINE_SCRIPT.findall(answer.get_data(as_text=True))
        if "application/json" not in attrs  # data (Dash's config), never run
    ]
    assert inline, "Dash's renderer bootstrap is an inline script"
    for body in inline:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in allowed, body[:80]


def test_the_hashes_are_dashs_own(app):  # type: ignore[no-untyped-def]
    """Dash's public csp_hashes() of every app on the server, nothing else: no
    'unsafe-inline' or 'unsafe-eval' for scripts."""
    csp = app.server.test_client().get("/").headers["Content-Security-Policy"]
    dash_apps = (app, app.wall, app.brief, app.review)
    expected = {h for a in dash_apps for h in a.csp_hashes()}
    assert set(directives(csp)["script-src"]) == {"'self'", *expected}
    assert "'unsafe-eval'" not in csp


def test_tiles_origin_is_an_image_source(small_city):  # type: ignore[no-untyped-def]
    settings = Settings(
        anonymous_role="viewer",
        warm_cache=False,
        tile_url="https://tiles.example.org:8443/osm/{z}/{x}/{y}.png",
    )
    server = create_app(settings, small_city).server
    csp = directives(server.test_client().get("/").headers["Content-Security-Policy"])
    assert "https://tiles.example.org:8443" in csp["img-src"]
    assert csp["connect-src"] == ["'self'"]


@pytest.mark.parametrize(
    ("template", "origin"),
    [
        ("", None),
        ("/tiles/{z}/{x}/{y}", None),
        ("https://tiles.example.org/{z}/{x}/{y}.png", "https://tiles.example.org"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
        ("http://10.0.0.5:8080/{z}/{x}/{y}.png", "http://10.0.0.5:8080"),
        ("https://user:pw@maps.example.org/{z}/{x}/{y}", "https://maps.example.org"),
        ("https://maps.{s}.example.org/{z}/{x}/{y}", "https:"),  # no narrower source says it
        ("//tiles.example.org/{z}/{x}/{y}.png", "tiles.example.org"),  # the page's scheme
    ],
)
def test_tile_origin(template: str, origin: str | None) -> None:
    assert tile_origin(template) == origin


def test_policy_without_tiles_is_self_only() -> None:
    csp = directives(policy(["'sha256-x'"]))
    assert csp["img-src"] == ["'self'", "data:", "blob:"]
    assert csp["script-src"] == ["'self'", "'sha256-x'"]
    assert csp["default-src"] == ["'self'"]
