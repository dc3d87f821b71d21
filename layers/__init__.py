"""Map layers, in draw order bottom to top.

Every layer module has the same face: NAME, ID, features(...) -> GeoJSON dict (WGS84, only the
properties the map needs) and build(...) -> a dash-leaflet component. No SQL, no callbacks.
"""

from layers import alarms, basemap, enterprises, grids, listed_dangers, major_hazards

LAYERS = (grids, enterprises, major_hazards, listed_dangers, alarms)
SWITCHABLE = tuple(layer.NAME for layer in LAYERS)

__all__ = [
    "LAYERS",
    "SWITCHABLE",
    "alarms",
    "basemap",
    "enterprises",
    "grids",
    "listed_dangers",
    "major_hazards",
]
