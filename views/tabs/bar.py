"""The right panel's tab bar, and the head above a tab's body."""

from __future__ import annotations

from dash import html

from views import ids
from views.labels import Label
from views.url_state import TABS


def create_tab_bar(active: str, label: Label, lang: str) -> list:
    """The tab buttons; the active one is marked (and announced to screen readers)."""
    return [
        html.Button(
            label(f"panel.tab.{tab}", lang),
            id={"type": ids.PANEL_TAB, "tab": tab},
            className="panel-tab active" if tab == active else "panel-tab",
            **{"aria-selected": "true" if tab == active else "false"},
            role="tab",
        )
        for tab in TABS
    ]


def create_panel_head(tab: str, name: str, label: Label, lang: str) -> list:
    """Above a tab's body: the scope it is for, and the tab's title with the scope's name."""
    colon = label("punct.colon", lang)
    return [
        html.Div(
            f"{label('scope.label', lang)}{colon}"
            + label("panel.scope_of", lang).format(name=name),
            className="panel-scope",
            id="panel-scope",
        ),
        html.H2([label(f"panel.tab.{tab}", lang), " · ", name], className="panel-title"),
    ]
