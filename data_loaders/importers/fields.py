"""Column specs and cell parsers: each parser turns one text cell into a value or says why not,
in Chinese and English."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from stdnum.cn import uscc

from data_loaders import vocab
from data_loaders.rules.links import LINK_MAX, LinkError, check_link


class FieldError(ValueError):
    """A cell that cannot be used, with the reason in Chinese and English."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


Parser = Callable[[str], Any]


@dataclass(frozen=True)
class Col:
    """One accepted column: canonical name, Chinese header, parser, whether required."""

    name: str
    zh: str
    parse: Parser
    required: bool = False
    aliases: tuple[str, ...] = field(default=())
    help: str = ""

    def headers(self) -> tuple[str, ...]:
        """Every header text that names this column."""
        return (self.name, self.zh, *self.aliases)


def normalize_header(text: str) -> str:
    """Compare headers without case, spaces, BOM or full-width brackets."""
    text = text.replace("（", "(").replace("）", ")").replace("\ufeff", "")
    return re.sub(r"\s+", "", text).lower()


def described(parse: Any, what: str) -> Any:
    """Attach a short description of what a parser accepts (for `onemap columns`)."""
    parse.describe = what
    return parse


def text(max_len: int = 300) -> Parser:
    """Free text up to max_len characters."""

    def parse(value: str) -> str:
        if len(value) > max_len:
            raise FieldError(f"超过 {max_len} 个字符", f"longer than {max_len} characters")
        return value

    return described(parse, f"text, up to {max_len} characters")


def integer(lo: int | None = None, hi: int | None = None) -> Parser:
    """A whole number (Excel's '12.0' is accepted) within [lo, hi]."""

    def parse(value: str) -> int:
        try:
            f = float(value.replace(",", ""))
        except ValueError:
            raise FieldError(f"“{value}”不是整数", f"'{value}' is not a whole number") from None
        if f != int(f):
            raise FieldError(f"“{value}”不是整数", f"'{value}' is not a whole number")
        return _in_range(int(f), lo, hi)

    return described(parse, f"whole number {_bounds(lo, hi)}".strip())


def number(lo: float | None = None, hi: float | None = None) -> Parser:
    """A decimal number within [lo, hi]."""

    def parse(value: str) -> float:
        try:
            f = float(value.replace(",", ""))
        except ValueError:
            raise FieldError(f"“{value}”不是数字", f"'{value}' is not a number") from None
        if f != f or f in (float("inf"), float("-inf")):
            raise FieldError(f"“{value}”不是数字", f"'{value}' is not a number")
        return _in_range(f, lo, hi)

    return described(parse, f"number {_bounds(lo, hi)}".strip())


def _bounds(lo: Any, hi: Any) -> str:
    if lo is None and hi is None:
        return ""
    return f"{lo if lo is not None else '…'} to {hi if hi is not None else '…'}"


def _in_range(v: Any, lo: Any, hi: Any) -> Any:
    if lo is not None and v < lo:
        raise FieldError(f"{v} 小于 {lo}", f"{v} is below {lo}")
    if hi is not None and v > hi:
        raise FieldError(f"{v} 大于 {hi}", f"{v} is above {hi}")
    return v


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


def a_date(value: str) -> date:
    """A date as 2026-05-01, 2026/5/1, 2026.5.1, 20260501 or 2026年5月1日 (time ignored)."""
    head = value.split("T")[0].split(" ")[0]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(head, fmt).date()
        except ValueError:
            continue
    raise FieldError(
        f"“{value}”不是日期（应为 2026-05-01）", f"'{value}' is not a date (use 2026-05-01)"
    )


def choice(vocabulary: Mapping[str, tuple[str, tuple[str, ...]]]) -> Parser:
    """One of a vocabulary's codes or Chinese names."""

    def parse(value: str) -> str:
        code = vocab.parse_choice(value, vocabulary)
        if code is None:
            allowed = "、".join(f"{zh}/{c}" for c, (zh, _a) in vocabulary.items())
            raise FieldError(
                f"“{value}”不是可选值（{allowed}）", f"'{value}' is not one of: {allowed}"
            )
        return code

    listed = ", ".join(f"{c} {zh}" for c, (zh, _a) in vocabulary.items())
    return described(parse, f"one of: {listed}")


def tags(value: str) -> list[str]:
    """Risk tags separated by ; or ；, in English or Chinese."""
    out = []
    for part in vocab.split_tags(value):
        code = vocab.parse_choice(part, vocab.RISK_TAGS)
        if code is None:
            known = "、".join(zh for zh, _a in vocab.RISK_TAGS.values())
            raise FieldError(f"未知风险标签“{part}”（可用：{known}）", f"unknown risk tag '{part}'")
        out.append(code)
    return out


def link(value: str) -> str:
    """An http(s) link: the task editor's rule (rules.links.check_link), one for both."""
    try:
        return check_link(value)
    except LinkError as exc:
        raise FieldError(exc.zh, exc.en) from None


ACCOUNT = re.compile(r"[A-Za-z0-9_-]{1,64}")


def account(value: str) -> str:
    """A broker account's name (the device's MQTT user name): letters, digits, - and _."""
    if not ACCOUNT.fullmatch(value):
        raise FieldError(
            "接入账号只能由字母、数字、- 和 _ 组成（至多 64 个）",
            "an account is 1 to 64 letters, digits, - or _",
        )
    return value


described(account, "broker account: letters, digits, - and _, up to 64")

_TRUE = {"1", "true", "yes", "y", "是", "有", "√", "t"}
_FALSE = {"0", "false", "no", "n", "否", "无", "×", "f"}


def boolean(value: str) -> bool:
    """是/否, yes/no, true/false, 1/0."""
    v = value.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise FieldError(f"“{value}”应为 是 或 否", f"'{value}' should be yes or no")


def credit_code(value: str) -> str:
    """A unified social credit code (GB 32100-2015) with a correct check character."""
    code = uscc.compact(value)
    if len(code) != 18:
        raise FieldError(
            f"应为 18 位，实际 {len(code)} 位", f"must be 18 characters, not {len(code)}"
        )
    try:
        return uscc.validate(code)
    except uscc.InvalidChecksum:
        raise FieldError(
            f"校验码错误（末位应为 {uscc.calc_check_digit(code[:17])}）",
            f"wrong check character (expected {uscc.calc_check_digit(code[:17])})",
        ) from None
    except uscc.ValidationError:
        raise FieldError(
            "含有不允许的字符", "contains characters a credit code cannot have"
        ) from None


_LEVEL_WORDS = {
    "县": 1,
    "市": 1,
    "县级": 1,
    "一级": 1,
    "镇": 2,
    "街道": 2,
    "镇街": 2,
    "二级": 2,
    "社区": 3,
    "片": 3,
    "三级": 3,
    "村": 4,
    "村居": 4,
    "四级": 4,
}


def grid_level(value: str) -> int:
    """Grid level 1–4, as a digit or a word (县/镇街/社区/村居, 一级…四级)."""
    v = value.strip().removesuffix("网格")
    if v in _LEVEL_WORDS:
        return _LEVEL_WORDS[v]
    return integer(1, 4)(v)


described(a_date, "date: 2026-05-01, 2026/5/1, 2026.5.1, 20260501 or 2026年5月1日")
described(
    tags,
    "risk tags separated by ; or ；: "
    + ", ".join(f"{c} {zh}" for c, (zh, _a) in vocab.RISK_TAGS.items()),
)
described(boolean, "是/否, yes/no, true/false, 1/0")
described(link, f"link starting with http:// or https://, up to {LINK_MAX} characters")
described(
    credit_code,
    "unified social credit code, 18 characters, check character verified (GB 32100-2015)",
)
described(grid_level, "1–4, or 县 / 镇街 / 社区 / 村居")


# --- columns and parsers more than one kind uses ------------------------------------------
CREDIT = Col("credit_code", "统一社会信用代码", credit_code, aliases=("信用代码", "uscc"))
LON = Col(
    "lon",
    "经度",
    described(number(), "longitude, WGS84 (or x in the --crs CRS)"),
    aliases=("longitude", "x", "lng"),
)
LAT = Col(
    "lat",
    "纬度",
    described(number(), "latitude, WGS84 (or y in the --crs CRS)"),
    aliases=("latitude", "y"),
)
GRID = Col("grid_code", "网格编码", text(32), aliases=("grid", "所属网格"))
TOWN = Col("town", "镇街", text(100), aliases=("town_code", "所属镇街", "乡镇"))
TASK_STATUS = choice(vocab.TASK_STATUSES)
