"""The store's grids as a GeoDataFrame, on the data floor: the importers place rows in them, and
the map's grid polygons are made from them (read_models.geojson.grids)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_loaders.store.schema import Grid


def load_grid_frame(session: Session, levels: tuple[int, ...] | None = None) -> Any:
    """The grids as a GeoDataFrame (id, code, name, level, parent_id, path, geometry; WGS84)."""
    import geopandas as gpd
    import shapely

    stmt = select(
        Grid.id, Grid.code, Grid.name, Grid.level, Grid.parent_id, Grid.path, Grid.geometry
    )
    if levels:
        stmt = stmt.where(Grid.level.in_(levels))
    rows = session.execute(stmt.order_by(Grid.id)).all()
    geoms = shapely.from_wkb([r.geometry for r in rows]) if rows else []
    frame = {
        k: [getattr(r, k) for r in rows]
        for k in ("id", "code", "name", "level", "parent_id", "path")
    }
    return gpd.GeoDataFrame(frame, geometry=list(geoms), crs="EPSG:4326")
