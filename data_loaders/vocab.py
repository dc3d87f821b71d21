"""Controlled vocabularies: canonical English codes with their Chinese names and aliases.

Importers accept a code, its Chinese name or an alias; the store keeps the code.
"""

from __future__ import annotations

from collections.abc import Mapping

# code -> (Chinese name, other accepted spellings)
SAFETY_CLASSES: dict[str, tuple[str, tuple[str, ...]]] = {
    "green": ("绿", ("绿色", "服务对象")),
    "blue": ("蓝", ("蓝色", "一般监管对象")),
    "yellow": ("黄", ("黄色", "重点对象")),
    "red": ("红", ("红色", "打击取缔对象")),
}
RISK_TAGS: dict[str, tuple[str, tuple[str, ...]]] = {
    "dust": ("涉粉", ("可燃爆粉尘", "涉粉(可燃爆粉尘)", "粉尘")),
    "ammonia": ("涉氨制冷", ("涉氨", "氨制冷")),
    "confined_space": ("有限空间", ()),
    "spraying": ("喷涂", ("喷漆",)),
    "hazchem": ("危化品", ("危险化学品",)),
    "metallurgy": ("冶金", ()),
    "ship_repair": ("船舶修造", ("船舶修造业",)),
    "gas": ("燃气", ()),
    "mining": ("矿山", ("采石", "矿山/采石")),
    "fireworks": ("烟花爆竹", ()),
    "tank_farm": ("储罐区", ("罐区",)),
}
# The "三场所两企业一行业" drive covers these tags.
DRIVE_TAGS = ("dust", "confined_space", "spraying", "ammonia", "ship_repair", "metallurgy")
DANGER_SOURCES: dict[str, tuple[str, tuple[str, ...]]] = {
    "self_report": ("自查自报", ("自查",)),
    "inspection": ("执法检查", ("检查", "监督检查")),
    "mutual_aid": ("互助检查", ("联盟互查", "互查")),
    "campaign": ("专项整治", ("专项检查",)),
    "public_report": ("群众举报", ("举报",)),
}
SEVERITIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "general": ("一般", ("一般隐患",)),
    "major": ("重大", ("重大隐患",)),
}
DANGER_STATUSES: dict[str, tuple[str, tuple[str, ...]]] = {
    "registered": ("已登记", ("登记", "待整改")),
    "rectifying": ("整改中", ()),
    "rectified": ("已整改", ("整改完成",)),
    "accepted": ("已验收", ("验收", "已销号", "销号")),
}
LISTING_LEVELS: dict[str, tuple[str, tuple[str, ...]]] = {
    "province": ("省级", ("省级挂牌",)),
    "city": ("市级", ("温州市级", "设区市级")),
    "county": ("县级", ("瑞安市级", "县(市)级", "县市级")),
    "rolling": ("滚动挂牌", ("滚动",)),
}
TASK_STATUSES: dict[str, tuple[str, tuple[str, ...]]] = {
    "not_started": ("未开始", ("未启动",)),
    "in_progress": ("进行中", ("推进中",)),
    "done": ("已完成", ("完成",)),
}
ACTIVITY_KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "meeting": ("会议", ("召开会议",)),
    "inspection": ("督查检查", ("检查", "督查")),
    "joint_enforcement": ("联合执法", ()),
}
ENFORCEMENT_KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "case": ("立案", ("行政处罚案件",)),
    "admin_detention": ("行政拘留", ()),
    "criminal_detention": ("刑事拘留", ()),
    "closure": ("关停取缔", ("关停",)),
}
CONTROL_STATUSES: dict[str, tuple[str, tuple[str, ...]]] = {
    "accepted": ("自动化控制已验收", ("已验收",)),
    "installing": ("自动化控制建设中", ("建设中", "安装中")),
}
DIRECTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "high": ("高报", ("上限", "高")),
    "low": ("低报", ("下限", "低")),
}


def _lookup(vocab: Mapping[str, tuple[str, tuple[str, ...]]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for code, (zh, aliases) in vocab.items():
        for word in (code, zh, *aliases):
            table[word.strip().lower()] = code
    return table


_LOOKUPS: dict[int, dict[str, str]] = {}


def parse_choice(value: object, vocab: Mapping[str, tuple[str, tuple[str, ...]]]) -> str | None:
    """The canonical code for a code, Chinese name or alias; None when unknown."""
    table = _LOOKUPS.setdefault(id(vocab), _lookup(vocab))
    return table.get(str(value).strip().lower())


def split_tags(value: object) -> list[str]:
    """Split a tag cell on ; ； , ， 、 and whitespace, dropping empties."""
    text = str(value or "")
    for sep in ("；", ",", "，", "、", "|"):
        text = text.replace(sep, ";")
    return [part.strip() for part in text.split(";") if part.strip()]


def join_tags(tags: list[str]) -> str:
    """Store form of a tag list: ';a;b;' (so LIKE '%;a;%' matches one tag exactly)."""
    return ";" + ";".join(sorted(dict.fromkeys(tags))) + ";" if tags else ""


def tags_of(stored: str | None) -> list[str]:
    """The tag list of a stored tag string."""
    return [t for t in (stored or "").split(";") if t]


def zh_name(vocab: Mapping[str, tuple[str, tuple[str, ...]]], code: str | None) -> str:
    """The Chinese name of a code (the code itself when unknown)."""
    if code is None:
        return ""
    entry = vocab.get(code)
    return entry[0] if entry else code


SENSOR_KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "ammonia": ("氨气浓度", ("氨", "氨浓度", "NH3")),
    "combustible_gas": ("可燃气体", ("可燃气", "LEL")),
    "toxic_gas": ("有毒气体", ()),
    "hydrogen": ("氢气浓度", ("氢气", "H2")),
    "dust": ("粉尘浓度", ("粉尘",)),
    "tank_level": ("液位", ("储罐液位",)),
    "pressure": ("压力", ()),
    "temperature": ("温度", ()),
    "diff_pressure": ("压差", ()),
    "water_flow": ("水流量", ("流量",)),
    "water_level": ("水位", ()),
    "ai_video": ("AI视频", ("视频", "AI")),
    # a weather station is a sensor like any other (an incident's plume follows its wind)
    "wind_speed": ("风速", ("风速仪",)),
    "wind_direction": ("风向", ("风向仪",)),
}
# The weather kinds: a weather station's sensors have no thresholds and are not hazard signals
# (the smart-monitoring figures, "188 hazard signals, 50 key devices", leave them out).
WEATHER_KINDS: tuple[str, ...] = ("wind_speed", "wind_direction")
AI_SCENES: dict[str, tuple[str, tuple[str, ...]]] = {
    "smoking": ("吸烟", ()),
    "fire_smoke": ("烟火", ("烟雾火焰",)),
    "blocked_passage": ("通道堵塞", ()),
    "person_down": ("人员倒地", ()),
    "dust_cleaning": ("粉尘清扫", ("未清扫粉尘",)),
    "off_post": ("人员离岗", ("离岗",)),
}

RESOURCE_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "rescue_team": ("救援队伍", ("救援队", "应急救援队伍", "专业救援队", "消防救援队伍")),
    "material_store": ("物资储备库", ("物资库", "储备库", "应急物资储备库")),
    "shelter": ("避难场所", ("应急避难场所", "避难所")),
    "fire_station": ("消防站", ("消防救援站",)),
    "medical": ("医疗机构", ("医疗单位", "急救站", "卫生院")),
    "expert": ("专家", ("应急专家",)),
}
TARGET_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "school": ("学校", ("中学", "小学")),
    "hospital": ("医院", ()),
    "care_home": ("养老院", ("敬老院", "福利院")),
    "kindergarten": ("幼儿园", ()),
    "residential": ("居民区", ("小区", "居住区", "村庄")),
    "market": ("商场", ("市场", "商业综合体")),
    "station": ("车站", ("汽车站", "火车站", "客运站")),
    "water_source": ("水源地", ("饮用水源地",)),
}
INCIDENT_KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "toxic_release": ("有毒泄漏", ("有毒气体泄漏", "中毒")),
    "fire": ("火灾", ()),
    "explosion": ("爆炸", ()),
    "hazchem_spill": ("危化品泄漏", ("危险化学品泄漏",)),
    "other": ("其他", ()),
}
INCIDENT_TASK_STATES = ("sent", "arrived", "done")  # a resource sent to an incident

# The importable kinds, in import order (a kind's rows may name rows of the kinds before it).
# data_loaders.importers.KINDS has one module each (kinds/<name with _>.py); listed here, where
# nothing heavy is imported, so that `onemap --help` does not have to load geopandas.
IMPORT_KINDS: tuple[str, ...] = (
    "grids",
    "enterprises",
    "hidden-dangers",
    "major-hazards",
    "sensors",
    "campaign-tasks",
    "committee-tasks",
    "resources",
    "targets",
)
