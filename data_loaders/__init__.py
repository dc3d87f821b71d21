"""The data side of the one-map: store, importers, demo city, telemetry, rules, read models."""
