"""The breadcrumb above the map: the selected grid's chain, each a button back to it."""

from __future__ import annotations

from typing import Any

from dash import html

from views import ids


def create_breadcrumb(chain: list[dict[str, Any]]) -> list:
    """The city first (its button's code is ""), the selected grid last and disabled."""
    crumbs = []
    for i, g in enumerate(chain):
        if i:
            crumbs.append(html.Span("›", className="crumb-sep"))
        crumbs.append(
            html.Button(
                g["name"],
                id={"type": ids.CRUMB, "code": g["code"] if i else ""},
                className="crumb",
                disabled=i == len(chain) - 1,
            )
        )
    return crumbs
