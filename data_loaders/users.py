"""Users of the one-map and their roles (hashing is the caller's: it lives with auth)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from data_loaders.store.schema import User, WebSession

ROLES = ("viewer", "operator", "admin")
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}
# A video-wall screen signed in by its link (data_loaders.walls): not in ROLES, so no user can
# have it, and not in ROLE_RANK, so it includes no other role (it may open only the wall).
WALL_ROLE = "wall"


def save_user(session: Session, name: str, role: str, password_hash: str) -> bool:
    """Create a user or reset an existing one's role and password; True when created."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if not name or len(name) > 50:
        raise ValueError("a user name has 1 to 50 characters")
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        session.add(
            User(name=name, role=role, password_hash=password_hash, created_at=datetime.now(UTC))
        )
        return True
    if (user.role, user.password_hash) != (role, password_hash):
        # whoever was signed in with the old password or role signs in again
        end_user_sessions(session, name, datetime.now(UTC), "password_or_role_changed")
    user.role, user.password_hash = role, password_hash
    return False


def role_of(session: Session, name: str) -> str | None:
    """A user's role by name, or None when nobody has that name."""
    return session.scalar(select(User.role).where(User.name == name))


def has_role(user_role: str | None, needed: str) -> bool:
    """Whether a role includes another (admin ⊇ operator ⊇ viewer)."""
    return user_role in ROLE_RANK and ROLE_RANK[user_role] >= ROLE_RANK[needed]


@dataclass(frozen=True)
class Identity:
    """A signed-in person (or the anonymous wall screen) and their role."""

    name: str
    role: str

    def may(self, needed: str) -> bool:
        """Whether this role includes the needed one."""
        return has_role(self.role, needed)


# --- sessions kept on the server ----------------------------------------------------------
def session_key(token: str) -> str:
    """What the store keeps of a session token: its SHA-256 (a leaked table signs no one in)."""
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, name: str, now: datetime, address: str | None = None) -> str:
    """Start a web session for a user; the token for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            id=session_key(token),
            user_name=name,
            created_at=now,
            last_seen_at=now,
            address=(address or "")[:64] or None,
        )
    )
    return token


def find_session(
    session: Session, token: str, now: datetime, idle: timedelta, max_age: timedelta
) -> str | None:
    """The user name of a live session; one idle or too old is ended here and None returned.
    Its last-seen time moves at most once a minute (not a write per request)."""
    row = session.get(WebSession, session_key(token))
    if row is None or row.ended_at is not None:
        return None
    if now - row.last_seen_at > idle:
        row.ended_at, row.ended_reason = now, "idle"
        return None
    if now - row.created_at > max_age:
        row.ended_at, row.ended_reason = now, "expired"
        return None
    if now - row.last_seen_at > timedelta(minutes=1):
        row.last_seen_at = now
    return row.user_name


def end_session(session: Session, token: str, now: datetime, reason: str) -> None:
    """End one session (sign-out)."""
    row = session.get(WebSession, session_key(token))
    if row is not None and row.ended_at is None:
        row.ended_at, row.ended_reason = now, reason


def purge_sessions(session: Session, now: datetime, keep: timedelta = timedelta(days=30)) -> int:
    """Forget sessions that ended, or began past any lifetime, more than `keep` ago."""
    result = session.execute(
        delete(WebSession).where(
            or_(WebSession.ended_at < now - keep, WebSession.created_at < now - keep - keep)
        )
    )
    return result.rowcount or 0


def end_user_sessions(session: Session, name: str, now: datetime, reason: str) -> int:
    """End every live session of a user (a password or role change); how many."""
    result = session.execute(
        update(WebSession)
        .where(WebSession.user_name == name, WebSession.ended_at.is_(None))
        .values(ended_at=now, ended_reason=reason)
    )
    return result.rowcount or 0
