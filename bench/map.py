"""Benchmark the one-map in headless Chromium and print the figures (not a pass/fail test).

    .venv/bin/python bench/map.py [--runs 5] [--no-scale10] [--no-folium]

Prints, on the demo city at scale 1 (and 10): navigation → data-map-ready, filter and drill
→ ready, compressed bytes of the first view, warm server time per data route (p50/p95),
long tasks, and, in the same run, the same enterprises and town polygons drawn with folium +
MarkerCluster (Leaflet and the plugin from local npm copies), with the ratio: 20,000
enterprises at scale 1 (a typical Marker page and a tuned CircleMarker one), 200,000 at
scale 10 (the tuned one, once: it takes minutes).

The map is dash-leaflet's; data-map-ready is its readiness counter (assets/onemap.js).
Targets (issue 14): navigation median ≤ 1.2 s at scale 1 and ≤ 1.5 s at scale 10, filter and
drill median ≤ 0.4 s, first view ≤ 1 MB compressed, folium ÷ one-map ≥ 1.5× at scale 1 and
≥ 10× at scale 10.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import logging
import shutil
import statistics
import subprocess
import tarfile
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from dashboard.app import create_app
from dashboard.settings import Settings
from data_loaders.demo.city import build_city
from data_loaders.store import init_db, make_engine, session_scope
from read_models.places import load_enterprise_points

OUT = Path(__file__).resolve().parent / "out"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
# Recorded in the page before anything runs: every change of #map's data-map-ready (time,
# value), when the user last pressed the pointer, and long tasks.
PROBE = """
window.__ready = [];
window.__long = [];
window.__pressed = null;
new MutationObserver(() => {
  const el = document.getElementById('map');
  const value = el && el.getAttribute('data-map-ready');
  const last = window.__ready[window.__ready.length - 1];
  if (value && (!last || last[1] !== value)) window.__ready.push([performance.now(), value]);
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-map-ready']});
document.addEventListener('pointerdown', () => { window.__pressed = performance.now(); }, true);
try {
  new PerformanceObserver(list => list.getEntries().forEach(e => window.__long.push(e.duration)))
    .observe({type: 'longtask', buffered: true});
} catch (e) {}
"""
# The first time #map became ready after t0 having been not ready after t0 (so a ready
# left over from before the action never counts).
READY_AFTER = """t0 => {
  const tl = window.__ready.filter(([t]) => t >= t0);
  const drop = tl.findIndex(([, v]) => v === 'false');
  const up = drop < 0 ? -1 : tl.findIndex(([, v], i) => i > drop && v === 'true');
  return up < 0 ? null : tl[up][0] - t0;
}"""
BYTES = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  return (nav ? nav.encodedBodySize : 0) + res.reduce((a, r) => a + r.encodedBodySize, 0);
}"""


logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request


def city(scale: float) -> str:
    """A demo city database for a scale, built once and kept under bench/out."""
    OUT.mkdir(exist_ok=True)
    path = OUT / f"city-{scale:g}.db"
    url = f"sqlite:///{path}"
    if not path.exists():
        print(f"building the demo city at scale {scale:g} …", flush=True)
        build_city(make_engine(url), seed=7, scale=scale)
    else:
        init_db(make_engine(url))  # a city kept from an older schema gets the new tables
    return url


def serve(url: str) -> tuple[str, object, object]:
    """The app on a free port in a thread: (base URL, server, app)."""
    started = time.perf_counter()
    app = create_app(Settings(anonymous_role="viewer"), engine=make_engine(url))
    print(
        f"server start (prepares the first view before listening): "
        f"{time.perf_counter() - started:.1f} s",
        flush=True,
    )
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server, app


def wait_warm(app, timeout: float = 300) -> float:
    """Seconds until the server's map and panel caches have finished warming (see /health;
    the panels' warm-up starts with the first tab that reads them)."""
    client = app.server.test_client()
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        health = client.get("/health").json
        if not health["map_cache"]["warming"] and not health["panel_cache"]["warming"]:
            break
        time.sleep(0.2)
    return time.perf_counter() - t0


def wait_ready_after(page, t0: float, timeout: float = 30_000) -> float:
    """Milliseconds from t0 (page clock) until the map went not-ready and then ready."""
    handle = page.wait_for_function(f"t0 => ({READY_AFTER})(t0) !== null", arg=t0, timeout=timeout)
    handle.dispose()
    return page.evaluate(f"t0 => ({READY_AFTER})(t0)", t0)


def wait_idle(page) -> None:
    """Until Dash has started, drawn the panels and gone quiet (nothing of the page's start
    may still be running when an interaction is timed)."""
    page.locator("#side-panel h2").wait_for(timeout=60_000)
    page.wait_for_function(
        "() => window.onemap.readiness().dash === 0 && "
        "document.getElementById('map').getAttribute('data-map-ready') === 'true'"
    )
    page.wait_for_timeout(1000)


def first_load(browser, base: str) -> float:
    """One navigation → ready right after the server started (its cache still cold)."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.add_init_script(PROBE)
    page.goto(base + "/")
    ms = wait_ready_after(page, 0.0, timeout=120_000)
    page.locator("#side-panel h2").wait_for(timeout=120_000)  # Dash drew the panels too
    context.close()
    return ms


def measure_page(browser, base: str, runs: int) -> dict:
    """Cold-browser navigations to ready, then on the last page `runs` times: a filter to red
    (and off again), a drill into a town (and back by the breadcrumb)."""
    loads, bytes_, longest = [], [], []
    requests: list[str] = []
    page = None
    for _ in range(runs):
        context = browser.new_context(viewport={"width": 1920, "height": 1080})
        page = context.new_page()
        page.add_init_script(PROBE)
        page.on("request", lambda r: requests.append(r.url) if "/api/" in r.url else None)
        page.goto(base + "/")
        loads.append(wait_ready_after(page, 0.0))
        page.wait_for_timeout(300)
        bytes_.append(page.evaluate(BYTES))
        longest.append(max(page.evaluate("window.__long") or [0]))
        if _ < runs - 1:
            context.close()
    assert page is not None
    filter_ms, drill_ms = [], []
    for _ in range(runs):
        wait_idle(page)
        # from the user's press on the checkbox (not from when Playwright was asked to click)
        page.locator("#class-filter label", has_text="红").click()
        filter_ms.append(wait_ready_after(page, page.evaluate("window.__pressed")))
        page.locator("#class-filter label", has_text="红").click()  # filter off again
        wait_ready_after(page, page.evaluate("window.__pressed"))
        wait_idle(page)
        t0 = page.evaluate(
            """code => { let hit = null;
               window.onemap.map.eachLayer(l => {
                 if (l.feature && l.feature.properties.code === code) hit = l; });
               const t0 = performance.now();
               hit.fire('click', {latlng: hit.getBounds().getCenter()}, true);
               return t0; }""",
            "330381012",
        )
        drill_ms.append(wait_ready_after(page, t0))  # with the zoom into the town
        wait_idle(page)
        page.locator("#breadcrumb button", has_text="瑞安市").click()  # back to the county
        wait_ready_after(page, page.evaluate("window.__pressed"))
    return {
        "load_ms": loads,
        "bytes": bytes_,
        "longest_task_ms": longest,
        "filter_ms": filter_ms,
        "drill_ms": drill_ms,
        "requests": sorted({r.split("://", 1)[1].split("/", 1)[1] for r in requests}),
    }


def route_times(app, paths: list[str], n: int = 40) -> list[tuple[str, float, float]]:
    """Warm server time per data route (Flask test client: no network), p50 and p95 in ms."""
    client = app.server.test_client()
    out = []
    for path in paths:
        client.get("/" + path, headers={"Accept-Encoding": "br"})  # warm
        times = []
        for _ in range(n):
            t = time.perf_counter()
            client.get("/" + path, headers={"Accept-Encoding": "br"})
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        out.append((path, statistics.median(times), times[int(0.95 * (n - 1))]))
    return out


def vendor() -> Path:
    """Leaflet and Leaflet.markercluster from the npm registry, unpacked under bench/out."""
    target = OUT / "vendor"
    if (target / "leaflet.markercluster" / "dist").exists():
        return target
    target.mkdir(parents=True, exist_ok=True)
    for spec, name in (
        ("leaflet@1.9.4", "leaflet"),
        ("leaflet.markercluster@1.5.3", "leaflet.markercluster"),
    ):
        tgz = subprocess.run(
            ["npm", "pack", spec, "--silent"],
            cwd=target,
            check=True,
            capture_output=True,
            text=True,
        )
        archive = target / tgz.stdout.strip().splitlines()[-1]
        with tarfile.open(archive) as tar:
            tar.extractall(target / f"_{name}", filter="data")
        shutil.move(target / f"_{name}" / "package", target / name)
        shutil.rmtree(target / f"_{name}")
        archive.unlink()
    return target


def folium_page(url: str, app, kind: str, classes: tuple[str, ...] = ()) -> Path:
    """What an analyst would make: folium, town polygons, 20,000 markers in a MarkerCluster.

    kind "marker": the usual folium.Marker with a popup; "circle": canvas circle markers
    coloured by class (a tuned version, to be fair to folium).
    """
    import folium
    from folium.plugins import MarkerCluster

    vendor()
    folium.Map.default_js = [("leaflet", "vendor/leaflet/dist/leaflet.js")]
    folium.Map.default_css = [("leaflet_css", "vendor/leaflet/dist/leaflet.css")]
    MarkerCluster.default_js = [
        ("markerclusterjs", "vendor/leaflet.markercluster/dist/leaflet.markercluster.js")
    ]
    MarkerCluster.default_css = [
        ("markerclustercss", "vendor/leaflet.markercluster/dist/MarkerCluster.css"),
        ("markerclusterdefaultcss", "vendor/leaflet.markercluster/dist/MarkerCluster.Default.css"),
    ]
    engine = make_engine(url)
    with session_scope(engine) as s:
        rows = load_enterprise_points(s, classes=list(classes) or None)
    colors = {"green": "#2e9e4f", "blue": "#2f6fdb", "yellow": "#f0b400", "red": "#d93025"}
    m = folium.Map(
        location=[27.77, 120.6], zoom_start=11, tiles=None, prefer_canvas=True, maxZoom=18
    )
    import orjson

    client = app.server.test_client()
    towns_geojson = orjson.loads(client.get("/api/layers/grids.geojson?level=2").data)
    folium.GeoJson(towns_geojson, name="towns").add_to(m)
    cluster = MarkerCluster().add_to(m)
    for _code, name, klass, lon, lat in rows:
        folium.CircleMarker(
            [lat, lon], radius=5, color=colors[klass], fill=True, tooltip=name
        ).add_to(cluster)
    path = OUT / f"folium-{Path(url).stem}.html"
    m.save(str(path))
    return path


def folium_filter_ms(browser, url: str, app) -> float:
    """What filtering to red costs with folium: build the page again in Python, then load it."""
    t0 = time.perf_counter()
    path = folium_page(url, app, "circle", classes=("red",))
    build = (time.perf_counter() - t0) * 1000
    return build + measure_folium(browser, path, 1)[0]


class QuietFiles(http.server.SimpleHTTPRequestHandler):
    """A static file server that does not print a line per request."""

    def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
        """Say nothing."""


def measure_folium(browser, path: Path, runs: int, timeout: float = 120_000) -> list[float]:
    """Navigation → markers clustered and painted, cold, in ms."""
    handler = functools.partial(QuietFiles, directory=str(path.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    times = []
    try:
        for _ in range(runs):
            context = browser.new_context(viewport={"width": 1920, "height": 1080})
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
            page.goto(f"http://127.0.0.1:{server.server_port}/{path.name}", timeout=timeout)
            page.wait_for_selector(".marker-cluster", timeout=timeout)
            painted = (
                "() => new Promise(r => requestAnimationFrame("
                "() => requestAnimationFrame(() => r(performance.now()))))"
            )
            times.append(page.evaluate(painted))
            if errors:
                print("  folium page errors:", errors[:3])
            context.close()
    finally:
        server.shutdown()
    return times


def main() -> None:
    """Run everything and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-scale10", action="store_true")
    parser.add_argument("--no-folium", action="store_true")
    args = parser.parse_args()
    url1 = city(1)
    base, server, app = serve(url1)
    folium_ms: dict[str, list[float]] = {}
    folium_filter = 0.0
    folium10: list[float] = []
    r10 = None
    cold: dict[str, float] = {}
    with sync_playwright() as p:
        chromium = shutil.which("chromium") or "/usr/bin/chromium"
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        cold["1"] = first_load(browser, base)
        print(f"caches warm after the first page: {wait_warm(app):.1f} s more", flush=True)
        r1 = measure_page(browser, base, args.runs)
        paths = [r for r in r1["requests"] if r.startswith("api/")]
        routes = route_times(app, [*paths, "api/stats", "api/stats?grid=330381012"])
        if not args.no_folium:
            for kind in ("marker", "circle"):
                folium_ms[kind] = measure_folium(browser, folium_page(url1, app, kind), args.runs)
            folium_filter = folium_filter_ms(browser, url1, app)
        server.shutdown()
        if not args.no_scale10:
            # a browser of its own: the scale-1 folium pages (20,000 markers, five times) leave
            # the first one's memory and GC state behind, which the scale-10 figures paid for
            browser.close()
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            base10, server10, app10 = serve(city(10))
            cold["10"] = first_load(browser, base10)
            print(f"caches warm after the first page: {wait_warm(app10):.1f} s more", flush=True)
            r10 = measure_page(browser, base10, max(1, args.runs - 1))
            routes10 = route_times(
                app10, [r for r in r10["requests"] if r.startswith("api/")], n=20
            )
            if not args.no_folium:
                t0 = time.perf_counter()
                page10 = folium_page(city(10), app10, "circle")
                print(f"folium page for scale 10 built in {time.perf_counter() - t0:.0f} s")
                folium10 = measure_folium(browser, page10, 1, timeout=900_000)
            server10.shutdown()
        browser.close()
    report("demo city scale 1 (20,000 enterprises)", r1, routes, 1200, cold["1"])
    med = statistics.median
    names = {
        "marker": "folium.Marker + popup (typical)",
        "circle": "folium.CircleMarker, canvas (tuned)",
    }
    for kind, runs in folium_ms.items():
        ratio = med(runs) / med(r1["load_ms"])
        print(f"{names[kind]} in a MarkerCluster, same data: median {med(runs):.0f} ms")
        print(
            f"    runs {[round(x) for x in runs]} → {ratio:.1f}× the one-map's time (target ≥ 1.5×)"
        )
    if folium_ms:
        ratio = folium_filter / med(r1["filter_ms"])
        print(
            f"filter to red with folium (rebuild the page in Python + load): {folium_filter:.0f} ms"
        )
        print(f"    → {ratio:.1f}× the one-map's filter → ready")
    if r10:
        report("scale 10 (200,000 enterprises)", r10, routes10, 1500, cold["10"])
        if folium10:
            ratio = med(folium10) / med(r10["load_ms"])
            print(
                f"folium.CircleMarker (tuned) in a MarkerCluster, the same 200,000: "
                f"{med(folium10):.0f} ms → {ratio:.1f}× the one-map's time (target ≥ 10×)"
            )


def report(
    title: str, r: dict, routes: list[tuple[str, float, float]], budget_ms: int, cold_ms: float
) -> None:
    """Print one scale's figures."""
    med = statistics.median
    print(f"\n== the one-map, {title}, headless Chromium, 1920×1080")
    print(f"first navigation after the server started (cache cold): {cold_ms:.0f} ms")
    runs = [round(x) for x in r["load_ms"]]
    load = med(r["load_ms"])
    print(
        f"navigation → data-map-ready (server warm, browser cold): median {load:.0f} ms {runs}"
        f" (target ≤ {budget_ms})"
    )
    for name, key in (("filter to red", "filter_ms"), ("drill into 塘下镇", "drill_ms")):
        runs = [round(x) for x in r[key]]
        print(
            f"{name} → ready: median {med(r[key]):.0f} ms, worst {max(runs)} ms {runs}"
            " (target ≤ 400)"
        )
    print(f"first view compressed bytes: {med(r['bytes']) / 1024:.0f} KiB (target < 1024)")
    print(f"longest main-thread task:    {max(r['longest_task_ms']):.0f} ms")
    print("warm server time per data route, p50 / p95 ms (target p95 < 50):")
    for path, p50, p95 in routes:
        print(f"  {p50:6.2f} / {p95:6.2f}  /{path}")


if __name__ == "__main__":
    main()
