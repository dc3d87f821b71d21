"""The label function views are given: label(key, lang) -> the catalog's text."""

from __future__ import annotations

from collections.abc import Callable

Label = Callable[[str, str], str]
