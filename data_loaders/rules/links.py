"""Links the product stores and shows (a committee task's evidence): one rule for the task
editor and the importers, so a link one refuses the other cannot let in."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

LINK_MAX = 500  # the evidence_url columns are String(500)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class LinkError(ValueError):
    """A link that cannot be stored, with the reason in Chinese and English."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


def check_link(text: str) -> str:
    """The link, stripped, if it is an http(s) address with a host; LinkError otherwise
    (javascript:, data:, file:, a relative path, control characters, over LINK_MAX)."""
    link = text.strip()
    if len(link) > LINK_MAX:
        raise LinkError(
            f"链接超过 {LINK_MAX} 个字符", f"the link is longer than {LINK_MAX} characters"
        )
    if _CONTROL.search(link):
        raise LinkError("链接含有控制字符（换行、制表符等）", "the link holds control characters")
    try:
        parts = urlsplit(link)
        host = parts.hostname
    except ValueError:  # a malformed [IPv6] host, a bad port
        parts, host = None, None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        raise LinkError(
            "链接须以 http:// 或 https:// 开头，并带有网址",
            "the link must start with http:// or https://",
        )
    return link


def safe_link(text: str | None) -> str | None:
    """The link if check_link accepts it, else None (for showing links stored before the rule)."""
    if not text:
        return None
    try:
        return check_link(text)
    except LinkError:
        return None
