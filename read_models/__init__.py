"""Read models: what pages, API and documents read, by subject (SQL in, plain data out).

grids: the scope every figure is counted in (UnknownGrid), the chain of grids, roll-ups and
the choropleth's metrics; stats: the KPI document and its counts; places: what the map places;
search; alarms; sensors and readings; dossier: one enterprise; dangers, campaigns, committee
and rankings: the panels; lists: how the panels list rows; exports: those lists whole, as
files; geojson/: the map's GeoJSON, one module per layer. Operators' writes are not here:
data_loaders.actions.
"""
