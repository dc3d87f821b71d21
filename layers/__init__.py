"""Map layers, in draw order bottom to top.

Every layer module has the same face: NAME and features(...) -> GeoJSON dict (WGS84, only the
properties the map needs). No SQL, no callbacks. The browser draws them (assets/map/map.js)
from the map spec that callbacks.map_state.map_props builds: each layer's url and hideout.
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
