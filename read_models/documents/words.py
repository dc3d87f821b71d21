"""The words an incident's documents share (Chinese and English) and how they write times,
zones and codes. Codes come from data_loaders.vocab; an unknown code is written as itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from data_loaders import vocab
from data_loaders.times import CHINA

LANGS = ("zh", "en")

# code -> English; the Chinese is the vocabulary's own name (vocab.zh_name)
_EN: dict[str, dict[str, str]] = {
    "kind": {
        "toxic_release": "Toxic release",
        "fire": "Fire",
        "explosion": "Explosion",
        "hazchem_spill": "Hazardous chemical spill",
        "other": "Other",
    },
    "class": {"green": "Green", "blue": "Blue", "yellow": "Yellow", "red": "Red"},
    "resource": {
        "rescue_team": "Rescue team",
        "material_store": "Material store",
        "shelter": "Shelter",
        "fire_station": "Fire station",
        "medical": "Medical unit",
        "expert": "Expert",
    },
    "target": {
        "school": "School",
        "hospital": "Hospital",
        "care_home": "Care home",
        "kindergarten": "Kindergarten",
        "residential": "Residential area",
        "market": "Market",
        "station": "Station",
        "water_source": "Water source",
    },
}
_VOCABS = {
    "kind": vocab.INCIDENT_KINDS,
    "class": vocab.SAFETY_CLASSES,
    "resource": vocab.RESOURCE_TYPES,
    "target": vocab.TARGET_TYPES,
}
# states and timeline actions (the incident's and its alarms'): code -> (zh, en)
_STATES = {
    "open": ("处置中", "open"),
    "closed": ("已结束", "closed"),
    "sent": ("已派出", "sent"),
    "arrived": ("已到达", "arrived"),
    "done": ("已完成", "done"),
}
_ACTIONS = {
    "opened": ("启动事件", "incident opened"),
    "note": ("记录", "note"),
    "task_sent": ("派出资源", "resource sent"),
    "task_arrived": ("资源到达", "resource arrived"),
    "task_done": ("任务完成", "task done"),
    "injected": ("注入演练数据", "drill readings injected"),
    "closed": ("结束事件", "incident closed"),
    "open": ("报警产生", "alarm opened"),
    "repeat": ("再次超限", "alarm repeated"),
    "level_up": ("升级为报警", "alarm level raised"),
    "recover": ("恢复正常", "back to normal"),
    "escalate": ("超时升级", "alarm escalated"),
    "acknowledge": ("报警确认", "alarm acknowledged"),
    "dispatch": ("报警派发", "alarm dispatched"),
    "dispose": ("处置反馈", "alarm disposed"),
    "close": ("消警", "alarm closed"),
}
STEPS = {
    "first_alarm": ("首次报警", "first alarm"),
    "acknowledged": ("报警确认", "alarm acknowledged"),
    "opened": ("启动事件", "incident opened"),
    "dispatched": ("首次派出资源", "first resource sent"),
    "arrived": ("首支力量到达", "first resource arrived"),
    "closed": ("事件结束", "incident closed"),
}
_PLUME_ZONES = {
    "aegl_1": ("AEGL-1 区（不适感）", "AEGL-1 zone (discomfort)"),
    "aegl_2": ("AEGL-2 区（严重或不可逆影响）", "AEGL-2 zone (serious, lasting effects)"),
    "aegl_3": ("AEGL-3 区（危及生命）", "AEGL-3 zone (life-threatening)"),
}
_POINTS_ZH = ("北", "东北", "东", "东南", "南", "西南", "西", "西北")
_POINTS_EN = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")
DRILL_MARK = "演练 / DRILL"


def pick(lang: str, zh: str, en: str) -> str:
    """The Chinese or the English of a pair."""
    return en if lang == "en" else zh


def code_name(group: str, code: str | None, lang: str) -> str:
    """The name of a vocabulary code (group: kind, class, resource, target); '' for none."""
    if not code:
        return ""
    if lang == "en":
        return _EN[group].get(code, code)
    return vocab.zh_name(_VOCABS[group], code)


def state_name(code: str | None, lang: str) -> str:
    pair = _STATES.get(code or "")
    return pick(lang, *pair) if pair else (code or "")


def action_name(code: str | None, lang: str) -> str:
    pair = _ACTIONS.get(code or "")
    return pick(lang, *pair) if pair else (code or "")


def step_name(code: str, lang: str) -> str:
    pair = STEPS.get(code)
    return pick(lang, *pair) if pair else code


def zone_name(zone: dict[str, Any], lang: str) -> str:
    """A ring as its radius ("500 米范围"), a plume footprint as its AEGL level."""
    if zone["kind"] == "ring":
        return pick(lang, f"{zone['radius_m']} 米范围", f"Within {zone['radius_m']} m")
    pair = _PLUME_ZONES.get(zone["id"])
    return pick(lang, *pair) if pair else str(zone["id"])


def zone_short(zone: dict[str, Any], lang: str) -> str:
    """A zone's name short enough for a sheet tab (Excel allows 31 characters)."""
    if zone["kind"] == "ring":
        return pick(lang, f"{zone['radius_m']}米范围", f"Ring {zone['radius_m']} m")
    return str(zone["id"]).upper().replace("_", "-")


def china_time(value: str | datetime | None, seconds: bool = True) -> str:
    """An ISO time as China time, 'YYYY-MM-DD HH:MM:SS' (the documents say UTC+8 once)."""
    if value is None:
        return ""
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def made_at(now: datetime, lang: str) -> str:
    """When a document was made, in China time with its offset written."""
    at = now.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")
    return pick(lang, f"{at}（北京时间 UTC+08:00）", f"{at} (China time, UTC+08:00)")


def wind_point(from_deg: float, lang: str) -> str:
    """A wind's direction as its compass point ("东北风" / "NE wind")."""
    i = round((from_deg % 360) / 45) % 8
    return pick(lang, f"{_POINTS_ZH[i]}风", f"{_POINTS_EN[i]} wind")


def after(seconds: int | None, lang: str) -> str:
    """Seconds after the start, also in minutes: "125 秒（2 分 5 秒）"."""
    if seconds is None:
        return pick(lang, "—（未发生）", "— (did not happen)")
    minutes, rest = divmod(abs(seconds), 60)
    sign = "-" if seconds < 0 else ""
    if lang == "en":
        return f"{seconds} s ({sign}{minutes} min {rest} s)"
    return f"{seconds} 秒（{sign}{minutes} 分 {rest} 秒）"


def number(value: Any) -> str:
    """A figure as text: thousands separated, none as a dash."""
    if value is None:
        return "—"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else str(value)
