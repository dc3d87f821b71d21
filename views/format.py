"""How times are written on the page."""

from __future__ import annotations

from datetime import datetime

from data_loaders.times import CHINA


def local_time(iso: str | None, seconds: bool = False) -> str:
    """MM-DD HH:MM (China time) of an ISO timestamp; empty for none."""
    if not iso:
        return ""
    when = datetime.fromisoformat(iso).astimezone(CHINA)
    return when.strftime("%m-%d %H:%M:%S" if seconds else "%m-%d %H:%M")
