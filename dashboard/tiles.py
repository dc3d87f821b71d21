"""An MBTiles file served as raster tiles (the offline basemap option)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from flask import Blueprint, Response, abort

MAX_ZOOM = 24  # deeper than any basemap is drawn (~1 cm a pixel)
MIMETYPES = {b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg", b"RIFF": "image/webp"}


def tile_mimetype(data: bytes) -> str:
    """The image type of a tile from its first bytes."""
    for magic, mimetype in MIMETYPES.items():
        if data.startswith(magic):
            return mimetype
    return "application/octet-stream"


def create_tiles(path: str | Path) -> Blueprint:
    """GET /tiles/<z>/<x>/<y>: XYZ tiles read from an MBTiles (SQLite, TMS rows) file."""
    bp = Blueprint("onemap_tiles", __name__)
    local = threading.local()  # sqlite3 connections are per thread
    uri = f"file:{Path(path).resolve()}?mode=ro"

    def connection() -> sqlite3.Connection:
        if not hasattr(local, "conn"):
            local.conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        return local.conn

    @bp.get("/tiles/<int:z>/<int:x>/<int:y>")
    def tile(z: int, x: int, y: int) -> Response:
        # Bounded before any arithmetic: 1 << z with z = 4,000,000,000 took 650 MB.
        if not (0 <= z <= MAX_ZOOM and 0 <= x < (1 << z) and 0 <= y < (1 << z)):
            abort(404)
        tms_y = (1 << z) - 1 - y  # MBTiles rows count from the bottom
        row = (
            connection()
            .execute(
                "SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
                (z, x, tms_y),
            )
            .fetchone()
        )
        if row is None:
            abort(404)
        response = Response(row[0], mimetype=tile_mimetype(row[0]))
        response.headers["Cache-Control"] = "public, max-age=86400"
        return response

    return bp
