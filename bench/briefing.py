"""How long a briefing takes to make (figures, not pass/fail).

    .venv/bin/python bench/briefing.py [--scale 1] [--period 2026-11] [--runs 3]

Makes the county's briefing and each town's, as PDF and as Word, the way GET
/api/briefing.pdf|.docx does (the document, the server-drawn map, the writer), and prints the
best of `runs` per scope with its parts (document, map, writer). Targets: the county's PDF at
scale 1 in under 15 s, a town's in under 5 s.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime

from map import city  # bench/map.py builds the demo cities once and keeps them in bench/out

from data_loaders.periods import parse_period
from data_loaders.store import make_engine, session_scope
from data_loaders.times import china_today
from read_models.briefing import load_briefing
from read_models.documents.briefing_docx import write_briefing_docx
from read_models.documents.briefing_jobs import briefing_scopes
from read_models.documents.briefing_map import briefing_map
from read_models.documents.briefing_pdf import write_briefing_pdf
from read_models.grids import resolve_scope

WRITERS = {"pdf": write_briefing_pdf, "docx": write_briefing_docx}


def make_once(engine, grid: str | None, period, fmt: str) -> tuple[float, float, float, int]:  # type: ignore[no-untyped-def]
    """Seconds for the document, the map and the writer, and the file's bytes."""
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    with session_scope(engine) as session:
        doc = load_briefing(session, grid, period, now)
        t1 = time.perf_counter()
        png = briefing_map(session, resolve_scope(session, grid), period, now)
    t2 = time.perf_counter()
    body = WRITERS[fmt](doc, png, now)
    t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2, len(body)


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1)
    parser.add_argument("--period", default=None, help="default: last month")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    engine = make_engine(city(args.scale))
    today = china_today()
    period = parse_period(args.period or f"{today.year}-{today.month:02d}", today)
    if args.period is None:
        from data_loaders.periods import previous_period

        period = previous_period(period, today)
    print(f"briefings of {period.code} at scale {args.scale:g}, best of {args.runs}")
    print(f"{'scope':<12}{'fmt':<6}{'total s':>9}{'doc s':>8}{'map s':>8}{'write s':>9}{'KB':>8}")
    towns: dict[str, list[float]] = {"pdf": [], "docx": []}
    for grid, code in briefing_scopes(engine):
        for fmt in WRITERS:
            runs = [make_once(engine, grid, period, fmt) for _ in range(args.runs)]
            best = min(runs, key=lambda r: sum(r[:3]))
            total = sum(best[:3])
            if grid is None:
                verdict = "met" if fmt != "pdf" or total < 15 else "NOT met"
                print(
                    f"{'county':<12}{fmt:<6}{total:9.2f}{best[0]:8.2f}{best[1]:8.2f}"
                    f"{best[2]:9.2f}{best[3] / 1024:8.0f}  (target PDF < 15 s: {verdict})"
                )
            else:
                towns[fmt].append(total)
                print(
                    f"{code:<12}{fmt:<6}{total:9.2f}{best[0]:8.2f}{best[1]:8.2f}{best[2]:9.2f}"
                    f"{best[3] / 1024:8.0f}"
                )
    for fmt, values in towns.items():
        if values:
            worst = max(values)
            verdict = "met" if fmt != "pdf" or worst < 5 else "NOT met"
            print(
                f"towns {fmt}: median {statistics.median(values):.2f} s, worst {worst:.2f} s"
                + ("  (target PDF < 5 s: " + verdict + ")" if fmt == "pdf" else "")
            )


if __name__ == "__main__":
    main()
