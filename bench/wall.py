"""Run the wall screen for a while, fast, and print its memory and DOM over time (figures, not
a pass/fail test).

    .venv/bin/python bench/wall.py [--minutes 30] [--sample 60] [--warmup 3] [--scale 1]

The demo city (bench/out/city-<scale>.db, kept), the app in a thread with a one-second poll and
a two-second tour, `onemap ingest`'s heartbeat, and now and then a level-2 alarm raised (a
reading far over its threshold) and acknowledged half a minute later: the wall is taken over
and given back again and again. Headless Chromium (Debian's) shows /wall/; every sample forces
a garbage collection (DevTools' HeapProfiler.collectGarbage) and reads DevTools' Performance
metrics: JS heap used, DOM nodes, event listeners.

Fast running stands for days: each minute is 30 tour steps and 60 polls (a normal wall makes
2 steps and 20 polls a minute). Target (issue 16): after the warm-up, < 10 % growth of the
heap and of the DOM nodes over 30 minutes (median of the first three samples after the
warm-up against the last three).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import shutil
import statistics
import threading
import time
from datetime import UTC, datetime, timedelta

import orjson
from map import CHROMIUM_ARGS, city  # bench/map.py builds the demo cities once (bench/out)
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright
from sqlalchemy import func, select, update
from werkzeug.serving import make_server

from dashboard.app import create_app
from dashboard.settings import Settings
from data_loaders.actions.alarms import act_as
from data_loaders.scheduler import Ingest, IngestConfig
from data_loaders.store import make_engine, session_scope
from data_loaders.store.schema import Alarm, Sensor
from data_loaders.telemetry.store import SensorDirectory, ingest_body

logging.getLogger("werkzeug").setLevel(logging.WARNING)
TAGS = 6  # the alarms cycle over this many bench detectors: the store does not grow a sensor each


def bench_sensors(engine) -> list[tuple[str, float]]:  # type: ignore[no-untyped-def]
    """The bench's ammonia detectors (made once, beside the city's first one): (tag, level 2)."""
    with session_scope(engine) as s:
        model = s.scalar(
            select(Sensor).where(Sensor.kind == "ammonia", Sensor.level_2.is_not(None)).limit(1)
        )
        out = []
        for i in range(TAGS):
            tag = f"BENCH-WALL-{i}"
            if s.scalar(select(func.count()).select_from(Sensor).where(Sensor.tag == tag)) == 0:
                s.add(
                    Sensor(
                        tag=tag,
                        kind="ammonia",
                        unit=model.unit,
                        level_1=model.level_1,
                        level_2=model.level_2,
                        enterprise_id=model.enterprise_id,
                    )
                )
            out.append((tag, model.level_2))
    return out


def raise_alarm(engine, tag: str, level_2: float) -> int | None:  # type: ignore[no-untyped-def]
    """Normal readings (the detector is back to normal since its last alarm), then readings
    far over level 2, each held 10 s as the rule wants, all within the last 30 s (newer than
    the last call's): its open alarm's id."""
    now = datetime.now(UTC)

    def at(seconds_ago: int, value: float) -> dict:
        return {
            "sensor": tag,
            "ts": (now - timedelta(seconds=seconds_ago)).isoformat(),
            "value": value,
        }

    normal = [at(29, 0), at(23, 0), at(17, 0)]
    high = [at(15, level_2 * 2), at(10, level_2 * 2), at(5, level_2 * 2), at(0, level_2 * 2)]
    body = orjson.dumps([*normal, *high])
    with session_scope(engine) as s:
        ingest_body(s, body, SensorDirectory(), "http", now)
    with session_scope(engine) as s:
        return s.scalar(
            select(Alarm.id)
            .join(Sensor, Sensor.id == Alarm.sensor_id)
            .where(Sensor.tag == tag, Alarm.state == "open")
            .order_by(Alarm.id.desc())
            .limit(1)
        )


def settle(engine) -> None:  # type: ignore[no-untyped-def]
    """Close what earlier runs left open on the bench detectors."""
    with session_scope(engine) as s:
        ids = select(Sensor.id).where(Sensor.tag.like("BENCH-WALL-%"))
        s.execute(update(Alarm).where(Alarm.sensor_id.in_(ids)).values(state="closed"))


def sample(cdp) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Heap, nodes and listeners after a forced garbage collection."""
    cdp.send("HeapProfiler.collectGarbage")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return {
        "heap_mb": metrics["JSHeapUsedSize"] / 2**20,
        "nodes": metrics["Nodes"],
        "listeners": metrics["JSEventListeners"],
    }


def growth(values: list[float]) -> float:
    """The last three samples' median against the first three's, as a fraction."""
    first, last = statistics.median(values[:3]), statistics.median(values[-3:])
    return (last - first) / first if first else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--sample", type=float, default=60, help="seconds between samples")
    parser.add_argument("--warmup", type=float, default=3, help="minutes left out")
    parser.add_argument("--scale", type=float, default=1)
    parser.add_argument("--alarm-every", type=float, default=30, help="seconds (≥ 30)")
    args = parser.parse_args()

    url = city(args.scale)
    engine = make_engine(url)
    sensors = bench_sensors(engine)
    settle(engine)
    settings = Settings(
        anonymous_role="viewer",
        poll_seconds=1,
        wall_tour_seconds=2,
        wall_alarm_seconds=15,
        heartbeat_seconds=2,
    )
    app = create_app(settings, engine=engine)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ingest = Ingest(engine, IngestConfig(heartbeat_s=2))
    threading.Thread(target=ingest.start, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"

    rows: list[tuple[float, dict[str, float]]] = []
    raised = acked = 0
    with sync_playwright() as p:
        chromium = shutil.which("chromium") or "/usr/bin/chromium"
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        page.goto(base + "/wall/")
        page.wait_for_function("document.documentElement.getAttribute('data-wall-state')")
        t0 = time.monotonic()
        next_sample = next_alarm = t0
        pending: list[tuple[float, int]] = []
        print(f"wall at {base}/wall/ for {args.minutes:g} min (scale {args.scale:g})", flush=True)
        print(f"{'min':>6} {'heap MB':>8} {'nodes':>7} {'listeners':>9}  state", flush=True)
        while time.monotonic() - t0 < args.minutes * 60:
            now = time.monotonic()
            if now >= next_alarm:
                tag, level_2 = sensors[raised % TAGS]
                alarm = raise_alarm(engine, tag, level_2)
                if alarm:
                    raised += 1
                    pending.append((now + args.alarm_every / 2, alarm))
                next_alarm = now + args.alarm_every
            for due, alarm in [x for x in pending if x[0] <= now]:
                act_as(engine, "bench", "operator", alarm, "acknowledge", {})
                act_as(engine, "bench", "operator", alarm, "close", {"reason": "bench"})
                pending.remove((due, alarm))
                acked += 1
            if now >= next_sample:
                # samples are taken at the same point each time: the tour's first step (the
                # county), the screen given back by any alarm (a card, a town's layers are
                # more for a while, not a leak), and a moment for its layers to be drawn
                with contextlib.suppress(PlaywrightTimeout):
                    page.wait_for_function(
                        "document.documentElement.getAttribute('data-wall-state') === 'tour'"
                        " && window.onemap.wall().step === 0",
                        timeout=90_000,
                    )
                    time.sleep(1.5)
                figures = sample(cdp)
                minute = (now - t0) / 60
                rows.append((minute, figures))
                state = page.evaluate("document.documentElement.getAttribute('data-wall-state')")
                print(
                    f"{minute:6.1f} {figures['heap_mb']:8.2f} {figures['nodes']:7.0f} "
                    f"{figures['listeners']:9.0f}  {state}",
                    flush=True,
                )
                next_sample = now + args.sample
            time.sleep(0.5)
        browser.close()
    ingest.shutdown()
    server.shutdown()
    settle(engine)

    kept = [f for m, f in rows if m >= args.warmup]
    print(f"\nalarms raised {raised}, acknowledged and closed {acked}; page errors {len(errors)}")
    if len(kept) < 6:
        print("too few samples after the warm-up for a growth figure (run longer)")
        return
    span = rows[-1][0] - args.warmup
    for key, name in (("heap_mb", "JS heap"), ("nodes", "DOM nodes"), ("listeners", "listeners")):
        g = growth([f[key] for f in kept])
        verdict = "met" if g < 0.10 else "NOT met"
        print(
            f"{name:>10}: {g:+.1%} over {span:.0f} min after a {args.warmup:g}-min warm-up "
            f"(target < +10 %: {verdict})"
        )
    for e in errors[:5]:
        print("page error:", e)


if __name__ == "__main__":
    main()
