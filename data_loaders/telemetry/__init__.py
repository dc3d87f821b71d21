"""Telemetry: message formats, sources and the write path into the store."""
