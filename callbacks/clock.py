"""The header clock, ticking in the browser (no server round trip)."""

from __future__ import annotations

from dash import Input, Output

from callbacks.deps import Deps
from views import ids


def register(app, deps: Deps) -> None:  # type: ignore[no-untyped-def]
    """Show China time (UTC+8, as every time on the page), updated every second on the client,
    whatever time zone the browser's machine is set to."""
    app.clientside_callback(
        """function(n) {
            const d = new Date(Date.now() + 8 * 3600 * 1000);
            const p = (x) => String(x).padStart(2, "0");
            return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ` +
                   `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
        }""",
        Output(ids.CLOCK, "children"),
        Input(ids.CLOCK_TICK, "n_intervals"),
    )
