"""Tables of the drill-down panels (dash-ag-grid): sortable columns, a quick filter box, the
page's theme, labels in the page's language. Cell text is rendered as text by AG Grid (no
HTML), so names from files cannot inject markup."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
from dash import MATCH, ClientsideFunction, Input, Output, Patch, dcc, html

from callbacks import ids
from callbacks.charts import colors
from callbacks.deps import Label

# The library's main bundle is served on demand (assets/panels.js loads it when a tab with
# tables is first asked for), not with the page: the map's first view stays light.
for _resource in dag._js_dist:
    if _resource.get("relative_package_path") == "dash_ag_grid.min.js":
        _resource["dynamic"] = True

LOCALE = {
    "zh": {"noRowsToShow": "无数据", "loadingOoo": "加载中…"},
    "en": {"noRowsToShow": "No rows", "loadingOoo": "Loading…"},
}


def grid_theme(theme: str) -> dict[str, str]:
    """AG Grid's Balham theme with the page's colours (an AG Grid theme function)."""
    c = colors(theme)
    background = "#111f33" if theme != "light" else "#ffffff"
    header = "#16263d" if theme != "light" else "#eef2f7"
    params = (
        f"backgroundColor: '{background}', foregroundColor: '{c['text']}', "
        f"headerBackgroundColor: '{header}', accentColor: '{c['main']}', "
        f"fontSize: 13, headerFontSize: 13, spacing: 4, "
        f"fontFamily: 'inherit', wrapperBorderRadius: 4"
    )
    return {"function": f"themeBalham.withParams({{ {params} }})"}


def column(field: str, header: str, **more: Any) -> dict[str, Any]:
    """One column definition (sortable, resizable)."""
    return {"field": field, "headerName": header, **more}


def create_table(
    name: str,
    columns: list[dict[str, Any]],
    rows: list[dict[str, Any]],
    theme: str,
    label: Label,
    lang: str,
    height: int = 260,
    row_id: str | None = None,
    row_class: dict[str, str] | None = None,
) -> html.Div:
    """A titled-by-caller table with a quick filter box above it; `row_id` names the field
    that identifies a row (clicks report it)."""
    grid = dag.AgGrid(
        id={"type": ids.PANEL_TABLE, "name": name},
        columnDefs=columns,
        rowData=rows,
        defaultColDef={"sortable": True, "resizable": True, "filter": False, "minWidth": 60},
        columnSize="responsiveSizeToFit",
        dashGridOptions={
            "theme": grid_theme(theme),
            "localeText": LOCALE.get(lang, LOCALE["zh"]),
            "rowHeight": 30,
            "headerHeight": 32,
            "animateRows": False,
            "suppressCellFocus": True,
            **({"rowClassRules": row_class} if row_class else {}),
        },
        getRowId=f"params.data.{row_id}" if row_id else None,
        style={"height": f"{height}px", "width": "100%"},
        className="panel-table",
    )
    return html.Div(
        [
            html.Div(
                [
                    dcc.Input(
                        id={"type": ids.TABLE_FILTER, "name": name},
                        type="search",
                        debounce=0.3,
                        placeholder=label("table.filter", lang),
                        className="table-filter",
                        autoComplete="off",
                    ),
                    html.Span(
                        label("table.rows", lang).format(n=f"{len(rows):,}"),
                        className="table-count",
                    ),
                ],
                className="table-tools",
            ),
            grid,
        ],
        className="table-box",
    )


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
