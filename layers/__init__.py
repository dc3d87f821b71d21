"""Map layers, in draw order bottom to top (filled by the one-map issue).

Every layer module has the same face: NAME, ID, features(frame) -> GeoJSON dict, build(...).
"""

LAYERS: tuple = ()
