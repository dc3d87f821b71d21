"""The header clock, ticking in the browser (no server round trip)."""

from __future__ import annotations

from dash import Input, Output

from callbacks import ids
from callbacks.deps import Deps


def register(app, deps: Deps) -> None:  # type: ignore[no-untyped-def]
    """Show the local date and time, updated every second on the client."""
    app.clientside_callback(
        """function(n) {
            const d = new Date();
            const p = (x) => String(x).padStart(2, "0");
            return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
                   `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
        }""",
        Output(ids.CLOCK, "children"),
        Input(ids.CLOCK_TICK, "n_intervals"),
    )
