"""Users of the one-map and their roles (hashing is the caller's: it lives with auth)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_loaders.store.schema import User

ROLES = ("viewer", "operator", "admin")
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}


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
    user.role, user.password_hash = role, password_hash
    return False


def has_role(user_role: str | None, needed: str) -> bool:
    """Whether a role includes another (admin ⊇ operator ⊇ viewer)."""
    return user_role in ROLE_RANK and ROLE_RANK[user_role] >= ROLE_RANK[needed]
