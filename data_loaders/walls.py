"""Wall links: a password-less, read-only sign-in for a video-wall screen nobody types at.
The link holds a random token; the store keeps only its SHA-256."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_loaders.store.schema import WallLink

# Letters, digits, - and _, or CJK ideographs (a screen is often named 大屏1).
NAME_PATTERN = re.compile(r"[A-Za-z0-9_\-\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{1,50}")
SEEN_EVERY = timedelta(minutes=1)  # last_seen_at moves at most this often (not a write a request)


def token_hash(token: str) -> str:
    """What the store keeps of a wall link's token: its SHA-256 hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def check_name(name: str) -> str:
    """The name when it is a valid wall link name, else ValueError (bilingual)."""
    if not NAME_PATTERN.fullmatch(name):
        raise ValueError(
            "大屏链接名称为 1–50 个字母、数字、-、_ 或汉字 / "
            "a wall link name has 1 to 50 letters, digits, - or _, or CJK characters"
        )
    return name


def create_wall_link(session: Session, name: str, now: datetime) -> str:
    """Create a live wall link; its token, shown once (a revoked link of that name is replaced)."""
    check_name(name)
    row = session.scalar(select(WallLink).where(WallLink.name == name))
    if row is not None and row.revoked_at is None:
        raise ValueError(f"已有同名大屏链接，请先注销 / a wall link {name} exists: revoke it first")
    token = secrets.token_urlsafe(32)
    if row is None:
        session.add(WallLink(name=name, token_hash=token_hash(token), created_at=now))
    else:
        # the revoked row becomes the new link in place (one row per name, as the unique says)
        row.token_hash, row.created_at = token_hash(token), now
        row.revoked_at = row.last_seen_at = None
    return token


def list_wall_links(session: Session) -> list[dict[str, Any]]:
    """Every wall link, live and revoked, by name."""
    rows = session.scalars(select(WallLink).order_by(WallLink.name))
    return [
        {
            "name": row.name,
            "created_at": row.created_at,
            "last_seen_at": row.last_seen_at,
            "revoked_at": row.revoked_at,
        }
        for row in rows
    ]


def revoke_wall_link(session: Session, name: str, now: datetime) -> bool:
    """Revoke the live wall link of that name; False when there is none."""
    row = session.scalar(
        select(WallLink).where(WallLink.name == name, WallLink.revoked_at.is_(None))
    )
    if row is None:
        return False
    row.revoked_at = now
    return True


def find_wall_link(session: Session, token: str, now: datetime) -> str | None:
    """The name of the live wall link a token opens, else None; notes when it was last seen."""
    # Looked up by the token's hash: the index finds it, and no comparison runs on the token.
    row = session.scalar(
        select(WallLink).where(
            WallLink.token_hash == token_hash(token), WallLink.revoked_at.is_(None)
        )
    )
    if row is None:
        return None
    if row.last_seen_at is None or now - row.last_seen_at > SEEN_EVERY:
        row.last_seen_at = now
    return row.name
