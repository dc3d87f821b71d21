"""Caches: read models and map payloads kept per data version, as bytes with ETag and encodings."""
