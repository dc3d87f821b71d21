"""The panel tables: their quick filter boxes, and loading their library when needed."""

from __future__ import annotations

from dash import MATCH, ClientsideFunction, Input, Output, Patch

from views import ids


def register(app, _deps) -> None:  # type: ignore[no-untyped-def]
    """The quick filter box of each table filters its rows (in the browser, all columns);
    the tables' library is loaded when a tab that has tables is asked for."""
    app.clientside_callback(
        ClientsideFunction("onemap_panels", "need_grids"),
        Output(ids.GRIDS_READY, "data"),
        Input(ids.LOCATION, "search"),
    )

    @app.callback(
        Output({"type": ids.PANEL_TABLE, "name": MATCH}, "dashGridOptions"),
        Input({"type": ids.TABLE_FILTER, "name": MATCH}, "value"),
        prevent_initial_call=True,
    )
    def filter_table(text):  # type: ignore[no-untyped-def]
        patch = Patch()
        patch["quickFilterText"] = text or ""
        return patch
