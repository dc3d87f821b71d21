"""The search box: enterprises by credit code or by a part of their name."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_loaders.store.schema import Enterprise

MAX_SEARCH_CHARS = 100  # a name or a credit code; longer text is cut, never a huge LIKE


def search_enterprises(session: Session, text: str, limit: int = 10) -> list[dict[str, Any]]:
    """Enterprises whose credit code is the text, or whose name contains it; exact code first."""
    text = (text or "").strip()[:MAX_SEARCH_CHARS]
    if not text:
        return []
    exact = session.execute(
        select(Enterprise).where(Enterprise.credit_code == text.upper())
    ).scalar_one_or_none()
    rows = [exact] if exact else []
    rows += session.scalars(
        select(Enterprise)
        .where(Enterprise.name.contains(text, autoescape=True))
        .order_by(func.length(Enterprise.name), Enterprise.id)
        .limit(limit)
    ).all()
    seen: set[str] = set()
    out = []
    for e in rows:
        if e.credit_code not in seen:
            seen.add(e.credit_code)
            out.append(
                {
                    "credit_code": e.credit_code,
                    "name": e.name,
                    "safety_class": e.safety_class,
                    "lon": e.lon,
                    "lat": e.lat,
                }
            )
    return out[:limit]
