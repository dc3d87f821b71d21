"""Authentication helpers: password hashing with werkzeug (shipped with Flask, maintained)."""

from __future__ import annotations

from werkzeug.security import check_password_hash, generate_password_hash


def hash_password(password: str) -> str:
    """A salted scrypt hash of a password."""
    if len(password) < 8:
        raise ValueError("a password has at least 8 characters / 密码至少 8 位")
    return generate_password_hash(password, method="scrypt")


def verify_password(password_hash: str, password: str) -> bool:
    """Whether a password matches its stored hash."""
    return check_password_hash(password_hash, password)
