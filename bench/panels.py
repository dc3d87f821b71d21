"""Benchmark the drill-down panels' server time per scope switch (figures, not pass/fail).

    .venv/bin/python bench/panels.py [--no-scale10] [--runs 3]

For the county and every town, renders each tab as the panel callback does (read models,
Plotly figures, AG Grid rows, then the JSON Dash sends) and prints per tab and for all four
tabs together (what "re-render every panel" costs) the median, p95 and worst over the scopes,
at scale 1 and, beside it, scale 10. Target: all panels < 300 ms per switch at scale 1.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date

import plotly.io
from map import city  # bench/map.py builds the demo cities once and keeps them in bench/out

from caches.panel_documents import PanelCache
from callbacks.deps import Deps
from callbacks.panel import render_body
from dashboard.i18n import t
from data_loaders.store import make_engine, session_scope
from read_models.dangers import load_danger_closure
from read_models.grids import load_grid_chain
from views.url_state import MapState

TABS = ("dangers", "campaigns", "committee", "rankings")


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(url: str, runs: int, scale: float) -> dict[str, list[float]]:
    """Milliseconds per tab per scope (best of `runs`) and their sum per scope: "cold" reads
    the store each time (the first visit after the data changed, before the background
    warm-up reached the scope), "warm" uses the per-version cache the page keeps."""
    engine = make_engine(url)
    today = date.today()
    cache = PanelCache(engine)
    # cold and warm share the cache; cold empties it of all but the county's bulletin (the
    # same for every scope, built once per month and version) before every render
    warm = Deps(engine=engine, lang="zh", label=t, title=lambda _l: "", panels=cache)
    with session_scope(engine) as s:
        towns = [r["code"] for r in load_danger_closure(s, None, today)["by_child"]]
        root = load_grid_chain(s, None)[0]["code"]
    started = time.perf_counter()
    cache.get("rankings", root, today)
    out: dict[str, list[float]] = {"rankings_cold": [(time.perf_counter() - started) * 1000]}
    render_body(MapState(tab="dangers"), warm, today)  # warm imports and the page cache
    for mode in ("cold", "warm"):
        for tab in (*TABS, "all"):
            out[f"{mode} {tab}"] = []
        for grid in (root, *towns):
            total = 0.0
            for tab in TABS:
                state = MapState(grid=grid, tab=tab)
                if mode == "warm":
                    render_body(state, warm, today)  # fill the cache (the warm-up's job)
                best = float("inf")
                for _ in range(runs if scale < 10 else 1):
                    if mode == "cold":
                        cache.clear(keep=("rankings",))
                    started = time.perf_counter()
                    _tabs, body = render_body(state, warm, today)
                    plotly.io.json.to_json_plotly(body)  # what Dash does with the output
                    best = min(best, (time.perf_counter() - started) * 1000)
                out[f"{mode} {tab}"].append(best)
                total += best
            out[f"{mode} all"].append(total)
    engine.dispose()
    return out


def main() -> None:
    """Print the figures at scale 1 and 10."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-scale10", action="store_true")
    args = parser.parse_args()
    scales = (1.0,) if args.no_scale10 else (1.0, 10.0)
    results = {s: measure(city(s), args.runs, s) for s in scales}
    header = "".join(f"{'scale ' + format(s, 'g'):>26}" for s in scales)
    print(f"\nserver time per scope switch, ms (median / p95 / worst over county + towns){header}")
    for mode in ("cold", "warm"):
        for tab in (*TABS, "all"):
            key = f"{mode} {tab}"
            cells = "".join(
                f"{statistics.median(r[key]):>10.0f} {p95(r[key]):>7.0f} {max(r[key]):>7.0f}"
                for r in results.values()
            )
            name = f"{mode}: " + ("all four tabs" if tab == "all" else tab)
            print(f"{name:<72}{cells}")
    cold = "".join(f"{r['rankings_cold'][0]:>26.0f}" for r in results.values())
    print(f"{'rankings bulletin built once per month and data version (cold)':<72}{cold}")
    for mode in ("cold", "warm"):
        worst = p95(results[1.0][f"{mode} all"])
        verdict = "meets" if worst < 300 else "misses"
        print(f"scale 1, {mode}: all four tabs p95 {worst:.0f} ms — {verdict} the 300 ms target")


if __name__ == "__main__":
    main()
