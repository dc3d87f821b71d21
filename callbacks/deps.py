"""What callbacks receive from the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine


@dataclass(frozen=True)
class Deps:
    """The engine, the default language, a label function and the title, from dashboard."""

    engine: Engine
    lang: str
    label: Callable[[str, str], str]
    title: Callable[[str], str]
