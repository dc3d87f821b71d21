"""The monthly briefings made by the scheduler (`onemap ingest`, ONEMAP_BRIEFING_DIR): on the
1st at 08:00 China time, last month's briefing of the county and of each town, as PDF and
Word, into FOLDER/YYYY-MM/briefing-CODE-YYYY-MM.pdf|docx. Each file is written whole or not
at all (a temporary file renamed); a scope that fails is logged and left missing, so the next
hourly run makes it again; one already there is never made twice."""

from __future__ import annotations

import logging
import re
from datetime import datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from data_loaders.files import write_atomic
from data_loaders.periods import month_period
from data_loaders.rules.rankings import RankingConfig
from data_loaders.store import session_scope
from data_loaders.store.schema import Grid
from data_loaders.times import CHINA, month_start
from read_models.documents.briefing_files import FORMATS, make_briefings
from read_models.documents.pdf import FontMissing
from read_models.grids import resolve_scope

log = logging.getLogger(__name__)
MAKE_AT = time(8, 0)  # China time, on the 1st
NAME = re.compile(r"^briefing-([0-9A-Za-z]{1,40})-(\d{4}-\d{2})\.(pdf|docx)$")
MONTH_DIR = re.compile(r"^\d{4}-\d{2}$")
SAFE_CODE = re.compile(r"^[0-9A-Za-z]{1,40}$")


def due_month(now: datetime) -> str | None:
    """The month whose briefings are due at `now`: last month once this month's 1st 08:00
    (China) has passed."""
    local = now.astimezone(CHINA)
    first = month_start(local.date())
    if local < datetime.combine(first, MAKE_AT, CHINA):
        first = month_start(first, 1)  # before 08:00 on the 1st: the month before is due
    return month_start(first, 1).isoformat()[:7]


def briefing_scopes(engine: Engine) -> list[tuple[str | None, str]]:
    """The county (None, its code) and each town (its code), in code order."""
    with session_scope(engine) as session:
        county = resolve_scope(session, None).grid
        if county is None:
            return []
        towns = session.scalars(
            select(Grid.code).where(Grid.parent_id == county.id).order_by(Grid.code)
        ).all()
        return [(None, county.code), *((code, code) for code in towns)]


def poll_briefings(
    engine: Engine,
    folder: Path,
    now: datetime,
    lang: str = "zh",
    ranking: RankingConfig | None = None,
) -> list[Path]:
    """Make the due month's briefings that are missing; the paths made."""
    month = due_month(now)
    if month is None:
        return []
    first = datetime.strptime(month, "%Y-%m").date()
    period = month_period(first, now.astimezone(CHINA).date())
    made: list[Path] = []
    for grid, code in briefing_scopes(engine):
        if not SAFE_CODE.match(code):  # a code from an imported file names a path here
            log.warning("briefing: grid code %r is not a file name; skipped", code[:60])
            continue
        paths = {fmt: folder / month / f"briefing-{code}-{month}.{fmt}" for fmt in FORMATS}
        missing = tuple(fmt for fmt, path in paths.items() if not path.exists())
        if not missing:
            continue
        try:
            with session_scope(engine) as session:
                files, _doc = make_briefings(session, grid, period, now, missing, lang, ranking)
            for fmt, body in files.items():
                write_atomic(paths[fmt], body)
                made.append(paths[fmt])
        except FontMissing as exc:  # the machine lacks the font: say it once, not per scope
            log.error("briefings of %s not made: %s", month, exc)
            return made
        except Exception:  # one scope's failure must not stop the others; retried hourly
            log.exception("briefing %s %s failed; the next run tries again", code, month)
    if made:
        log.info("briefings of %s: %d files made in %s", month, len(made), folder / month)
    return made


def list_briefings(folder: Path, limit: int = 400) -> list[dict[str, Any]]:
    """The briefings in the folder, newest month first: period, grid code, format, size."""
    if not folder.is_dir():
        return []
    out = []
    months = sorted((d for d in folder.iterdir() if MONTH_DIR.match(d.name)), reverse=True)
    for month in months:
        for path in sorted(month.iterdir()):
            m = NAME.match(path.name)
            if m and m.group(2) == month.name and path.is_file():
                out.append(
                    {
                        "period": m.group(2),
                        "grid": m.group(1),
                        "format": m.group(3),
                        "name": path.name,
                        "bytes": path.stat().st_size,
                    }
                )
                if len(out) >= limit:
                    return out
    return out


def briefing_file(folder: Path, period: str, name: str) -> Path | None:
    """A listed briefing's path, only for a name the folder's own pattern allows."""
    m = NAME.match(name)
    if not MONTH_DIR.match(period) or m is None or m.group(2) != period:
        return None
    path = folder / period / name
    return path if path.is_file() else None
