"""The map's GeoJSON, one module per layer (grids, enterprises with the server's clusters,
major_hazards, listed_dangers, alarms) and the helpers they share (common): plain data from the
read models in, GeoJSON dicts out (WGS84, rounded, only the properties the map needs). The
caches serialise and keep them; layers/ draws them in the page."""
