"""A briefing made into a file (PDF or Word), the one path the API, the CLI and the monthly job
all take: the document, its map, the writer; and the file names it goes by."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from data_loaders.periods import Period, period_label
from data_loaders.rules.rankings import RankingConfig
from read_models.briefing import load_briefing
from read_models.documents.briefing_docx import write_briefing_docx
from read_models.documents.briefing_map import briefing_map
from read_models.documents.briefing_pdf import write_briefing_pdf
from read_models.documents.briefing_text import doc_period
from read_models.grids import resolve_scope

FORMATS = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def make_briefing(
    session: Session,
    grid_code: str | None,
    period: Period,
    now: datetime,
    fmt: str,
    lang: str = "zh",
    ranking: RankingConfig | None = None,
) -> tuple[bytes, dict[str, Any]]:
    """The briefing file's bytes (fmt pdf or docx) and the document it was made from. Raises
    UnknownGrid, and FontMissing for a PDF without the Chinese font."""
    files, doc = make_briefings(session, grid_code, period, now, (fmt,), lang, ranking)
    return files[fmt], doc


def make_briefings(
    session: Session,
    grid_code: str | None,
    period: Period,
    now: datetime,
    fmts: tuple[str, ...] = tuple(FORMATS),
    lang: str = "zh",
    ranking: RankingConfig | None = None,
) -> tuple[dict[str, bytes], dict[str, Any]]:
    """The briefing in several formats from one document and one map (the monthly job)."""
    doc = load_briefing(session, grid_code, period, now, ranking)
    png = briefing_map(session, resolve_scope(session, grid_code), period, now, lang)
    writers = {"pdf": write_briefing_pdf, "docx": write_briefing_docx}
    return {fmt: writers[fmt](doc, png, now, lang) for fmt in fmts}, doc


def briefing_names(doc: dict[str, Any], fmt: str, lang: str = "zh") -> tuple[str, str]:
    """The file's ASCII name (briefing-330381-2026-11.pdf) and its local one
    (瑞安市安全生产工作汇报-2026年11月.pdf)."""
    scope = doc["scope"] or {}
    code = "".join(ch for ch in str(scope.get("code") or "county") if ch.isascii() and ch.isalnum())
    period = doc["period"]["code"]
    name = scope.get("name") or ""
    label = period_label(doc_period(doc["period"]), lang)
    local = (
        f"{name}安全生产工作汇报-{label}.{fmt}"
        if lang == "zh"
        else f"briefing-{name}-{label}.{fmt}"
    )
    return f"briefing-{code[:40]}-{period}.{fmt}", local
