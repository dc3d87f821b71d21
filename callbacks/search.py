"""The search box's result list (picking the best hit happens in map_state.sync_url)."""

from __future__ import annotations

from dash import ALL, ClientsideFunction, Input, Output, State

from callbacks.deps import Deps
from data_loaders.store import session_scope
from read_models.search import search_enterprises
from views import ids
from views.search_hits import create_search_hits
from views.url_state import parse_query


def register(app, deps: Deps) -> None:  # type: ignore[no-untyped-def]
    """List up to 8 matches under the box as the user types; each opens its dossier. Enter
    flies to the best match (map_state.sync_url hears it through the search-submit store).
    The list closes after either and opens again with typing."""

    # The box sends its value a moment after typing stops (for the list), but Enter must
    # fly to what the box holds at that instant: read from the box itself, in the browser.
    app.clientside_callback(
        """function (n) {
            const box = document.getElementById("search");
            return {text: box ? box.value : "", n: n};
        }""",
        Output(ids.SEARCH_SUBMIT, "data"),
        Input(ids.SEARCH, "n_submit"),
        prevent_initial_call=True,
    )

    # The list closes once the user has gone somewhere (Enter, or a hit picked: it stayed
    # open over the panel); typing again opens it. In the browser: no request.
    app.clientside_callback(
        ClientsideFunction("onemap_page", "search_list"),
        Output(ids.SEARCH_RESULTS, "className"),
        Input(ids.SEARCH, "value"),
        Input(ids.SEARCH, "n_submit"),
        Input({"type": ids.HIT, "code": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(ids.SEARCH_RESULTS, "children"),
        Input(ids.SEARCH, "value"),
        State(ids.LOCATION, "search"),
        prevent_initial_call=True,  # the box starts empty, and so does the list
    )
    def list_hits(text, search):  # type: ignore[no-untyped-def]
        if not (text or "").strip():
            return []
        lang = parse_query(search, deps.lang).lang
        with session_scope(deps.engine) as session:
            hits = search_enterprises(session, text, limit=8)
        return create_search_hits(hits, deps.label, lang)
