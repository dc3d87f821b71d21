"""A response body as the caches keep it: the bytes, their ETag, and the compressed forms."""

from __future__ import annotations

import gzip
import hashlib
import threading

import brotli


class Payload:
    """Response bytes with their ETag and compressed forms, each made once, on first use."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self.etag = hashlib.blake2b(raw, digest_size=12).hexdigest()
        self._encoded: dict[str, bytes] = {"identity": raw}
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        """Bytes held: the body and the compressed forms made so far."""
        with self._lock:
            return sum(len(b) for b in self._encoded.values())

    def encoded(self, encoding: str) -> bytes:
        """The body in an encoding: identity, gzip or br."""
        with self._lock:
            if encoding not in self._encoded:
                if encoding == "br":
                    self._encoded[encoding] = brotli.compress(self.raw, quality=5)
                elif encoding == "gzip":
                    self._encoded[encoding] = gzip.compress(self.raw, compresslevel=6, mtime=0)
                else:
                    raise ValueError(encoding)
            return self._encoded[encoding]
