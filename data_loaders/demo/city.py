"""The demo city: a deterministic, Rui'an-sized city reproducing DOMAIN.md's figures at scale 1.

Everything is drawn from `random.Random(seed)` and `numpy.random.default_rng(seed)` (the towns'
habits from streams of their own, `demo.character`), and dates are laid out relative to
`today` and times to the demo's now (`demo_now`), so the same seed gives the same city
(shifted in time).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np
import shapely
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from data_loaders.demo import geography as geo
from data_loaders.demo import names
from data_loaders.demo.alarms import make_alarms
from data_loaders.demo.character import draw_habits, draw_slowness
from data_loaders.demo.places import Villages, make_places
from data_loaders.demo.reviews import make_reviews, task_title
from data_loaders.rules.gb18218 import grade, load_substances
from data_loaders.rules.thresholds import DEFAULTS
from data_loaders.store.engine import bump_data_version, init_db, session_scope
from data_loaders.store.schema import (
    Campaign,
    CampaignTask,
    Committee,
    CommitteeActivity,
    CommitteeTask,
    EnforcementAction,
    Enterprise,
    Grid,
    HazardSubstance,
    HiddenDanger,
    MajorHazard,
    SafetyClassChange,
    Sensor,
)
from data_loaders.times import CHINA, china_today
from data_loaders.vocab import AI_SCENES, DRIVE_TAGS, join_tags

COUNTY_CODE = "330381"
COUNTY_NAME = "瑞安市"

# The figures of DOMAIN.md. Scaled ones multiply by --scale; the rest are facts of the county.
FIGURES = {
    "villages": 1739,
    "enterprises": 20000,
    "self_reporting": 19615,
    "grid_workers": 600,
    "ammonia": 67,
    "tank_farms": 14,
    "mutual_aid": 43,
    "trusteeship": 736,
    "pilot_dust": 5,
    "pilot_ammonia": 5,
    "devices": 50,
    "signals": 188,
    "video_scenes": 180,
    "dangers_found": 35550,
    "dangers_rectified": 32400,
}
FIXED = {
    "towns": 15,
    "communities": 120,
    "major_hazards": 8,
    "listed": {"province": 1, "city": 4, "county": 36, "rolling": 1},
    "drive_checked": 839,
    "activities": {"meeting": 26, "inspection": 34, "joint_enforcement": 23},
    "enforcement": {"case": 534, "admin_detention": 15, "criminal_detention": 6, "closure": 138},
}
# Safety-class shares (red rare) and other tag counts at scale 1.
CLASS_SHARES = {"red": 0.013, "yellow": 0.086, "blue": 0.291}
TAG_COUNTS = {
    "hazchem": 96,
    "dust": 420,
    "spraying": 880,
    "confined_space": 1350,
    "metallurgy": 160,
    "ship_repair": 12,
    "gas": 640,
    "mining": 24,
    "fireworks": 18,
}
# Which industries each tag is drawn from first.
TAG_INDUSTRIES = {
    "ammonia": ("冷库/速冻", "食品"),
    "hazchem": ("化工", "油品", "电镀"),
    "dust": ("汽摩配", "机械", "工艺品", "铸造", "食品"),
    "spraying": ("汽摩配", "机械", "工艺品", "箱包", "电气"),
    "confined_space": ("食品", "化工", "电镀", "冷库/速冻", "印刷包装", "建材", "制鞋"),
    "metallurgy": ("铸造", "锻造"),
    "ship_repair": ("船舶修造",),
    "gas": ("食品", "商贸仓储", "机械"),
    "mining": ("采石",),
    "fireworks": ("商贸仓储",),
}
INDUSTRY_WEIGHTS = {
    "汽摩配": 3000,
    "制鞋": 2600,
    "机械": 2400,
    "箱包": 900,
    "服装": 1700,
    "锻造": 420,
    "眼镜": 350,
    "铸造": 380,
    "工艺品": 800,
    "电镀": 90,
    "化工": 70,
    "冷库/速冻": 160,
    "油品": 45,
    "采石": 40,
    "船舶修造": 22,
    "塑料制品": 1200,
    "印刷包装": 1000,
    "电气": 1300,
    "建材": 700,
    "食品": 800,
    "商贸仓储": 2000,
}
OWNER_UNITS = (
    "市应急管理局",
    "市公安局",
    "市交通运输局",
    "市住建局",
    "市市场监管局",
    "市消防救援大队",
    "市综合行政执法局",
    "市经信局",
    "市自然资源和规划局",
    "市农业农村局",
    "市文广旅体局",
)
COMMITTEES = [
    ("road_traffic", "道路交通", "Road traffic", "市公安局", 18),
    ("maritime_fishery", "涉海涉渔", "Maritime & fishery", "市农业农村局", 12),
    ("fire", "消防", "Fire", "市消防救援大队", 16),
    ("hazchem", "危化品", "Hazardous chemicals", "市应急管理局", 20),
    ("construction", "建设施工", "Construction", "市住建局", 15),
    ("industry_mining", "工矿", "Industry & mining", "市应急管理局", 17),
    ("tourism", "旅游", "Tourism", "市文广旅体局", 9),
    ("urban_operation", "城市运行", "Urban operation", "市综合行政执法局", 13),
]
DANGERS: dict[str, tuple[str, ...]] = {
    "消防安全": (
        "消防通道堆放杂物",
        "灭火器过期未更换",
        "疏散指示标志损坏",
        "消防栓被遮挡",
        "员工宿舍与车间未有效分隔",
    ),
    "电气安全": ("配电箱未接地", "电线私拉乱接", "配电柜前堆放物品", "临时用电未使用漏电保护器"),
    "特种设备": ("行车限位器失效", "叉车未定期检验", "压力容器安全阀超期未校验"),
    "危化品管理": ("危化品未分类存放", "危化品仓库未设置防泄漏设施", "储罐区可燃气体报警器失效"),
    "有限空间": ("有限空间未设置警示标识", "有限空间作业未执行审批", "未配备通风检测设备"),
    "粉尘防爆": (
        "除尘器未设置泄爆装置",
        "粉尘未及时清扫",
        "除尘系统未设置锁气卸灰装置",
        "湿式除尘器未设置氢气监测",
    ),
    "涉氨制冷": (
        "氨压缩机房未设置氨气浓度报警",
        "液氨储罐安全阀超期未校验",
        "事故排风未与报警联动",
    ),
    "设备设施": ("冲床光电保护装置失效", "传动部位防护罩缺失", "砂轮机防护罩缺失"),
    "安全管理": (
        "安全生产责任制未落实",
        "未开展安全教育培训",
        "隐患排查台账不全",
        "应急预案未演练",
    ),
    "个体防护": ("作业人员未佩戴防护用品", "喷涂作业未佩戴防毒面具"),
}
TASK_KINDS = ("隐患排查治理", "专项检查", "制度建设", "宣传培训", "应急演练")
# Weather stations: how many, and their random stream (seed × 1,000,003 + this).
WEATHER_STATIONS = 3
WEATHER_STREAM = 0x5758  # "WX"
PUBLIC_DANGERS = ("道路交通", ("事故多发路段标志缺失", "临水临崖路段护栏缺失", "交叉口视距不良"))

Progress = Callable[[str], None]


@dataclass
class Plan:
    """Scaled target counts for one run."""

    scale: float
    counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for key, value in FIGURES.items():
            self.counts[key] = max(1, round(value * self.scale))
        c = self.counts
        c["villages"] = max(c["villages"], FIXED["communities"])
        # Small test cities still need room for the fixed facts (8 hazards, 10 pilot sites...).
        c["enterprises"] = max(c["enterprises"], 400)
        c["self_reporting"] = min(c["self_reporting"], c["enterprises"])
        c["ammonia"] = max(c["ammonia"], c["pilot_ammonia"] + 3)
        c["tank_farms"] = max(c["tank_farms"], 6)
        c["dangers_rectified"] = min(c["dangers_rectified"], c["dangers_found"] - 1)
        c["dangers_found"] = max(c["dangers_found"], 300)
        sites = c["pilot_dust"] + c["pilot_ammonia"]
        c["devices"] = max(c["devices"], sites)
        c["signals"] = max(c["signals"], c["devices"])
        c["video_scenes"] = max(c["video_scenes"], sites)


def demo_now(today: date | None = None) -> datetime:
    """The instant the demo's alarms lead up to: the real now, or 10:00 China time on a given
    `today` (so a pinned day gives the same alarms every time)."""
    if today is None:
        return datetime.now(UTC).replace(microsecond=0)
    return datetime(today.year, today.month, today.day, 10, tzinfo=CHINA).astimezone(UTC)


def build_city(
    engine: Engine,
    seed: int = 7,
    scale: float = 1.0,
    today: date | None = None,
    progress: Progress | None = None,
    alarms: bool = True,
) -> dict[str, float]:
    """Create the schema and fill the demo city in one transaction; returns timings.

    `alarms`: give it a few alarms in every state of the loop (see demo.alarms)."""
    say = progress or (lambda _msg: None)
    now = demo_now(today)
    today = today or china_today()
    init_db(engine)
    plan = Plan(scale)
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    timings: dict[str, float] = {}
    with session_scope(engine) as session:
        if session.scalar(select(func.count()).select_from(Grid)):
            raise RuntimeError("the store already holds data; use --replace to start over")
        city = _City(session, rng, nrng, plan, today, now, seed)
        steps = (
            ("grids", city.make_grids),
            ("enterprises", city.make_enterprises),
            ("major hazards", city.make_major_hazards),
            ("campaigns", city.make_campaigns),
            ("hidden dangers", city.make_hidden_dangers),
            ("committees", city.make_committees),
            ("committee reviews", lambda: make_reviews(session, seed, today, now)),
            ("sensors", city.make_sensors),
            ("resources and targets", city.make_places),
            *((("alarms", city.make_alarms),) if alarms else ()),
        )
        for label, step in steps:
            t0 = time.perf_counter()
            summary = step()
            timings[label] = time.perf_counter() - t0
            say(f"{label}: {summary} ({timings[label]:.1f} s)")
        bump_data_version(session)
    return timings


def _insert_returning(
    session: Session, model: type, rows: list[dict], chunk: int = 5000
) -> list[int]:
    """Bulk insert rows and return their new ids in order (both databases support this).

    Chunked: SQLAlchemy splices RETURNING batches together in time quadratic in the rows.
    """
    stmt = insert(model).returning(model.id, sort_by_parameter_order=True)  # type: ignore[attr-defined]
    ids: list[int] = []
    for i in range(0, len(rows), chunk):
        ids += session.scalars(stmt, rows[i : i + chunk])
    return ids


def _insert(session: Session, model: type, rows: list[dict], chunk: int = 5000) -> None:
    """Bulk insert rows without reading anything back."""
    for i in range(0, len(rows), chunk):
        session.execute(insert(model), rows[i : i + chunk])


def _pick(rng: random.Random, pool: Sequence[int], n: int, exclude: set[int]) -> list[int]:
    """n distinct items from pool not in exclude (fewer if the pool runs out)."""
    free = [i for i in pool if i not in exclude]
    return rng.sample(free, min(n, len(free)))


class _City:
    """The generator's working state; each make_* step writes one part of the city."""

    def __init__(
        self,
        session: Session,
        rng: random.Random,
        nrng: np.random.Generator,
        plan: Plan,
        today: date,
        now: datetime,
        seed: int,
    ) -> None:
        self.s = session
        self.rng = rng
        self.nrng = nrng
        self.c = plan.counts
        self.scale = plan.scale
        self.today = today
        self.start = today - timedelta(days=364)  # the ledger covers the last twelve months
        self.now = now
        self.seed = seed
        self.habits = draw_habits(seed, len(geo.TOWNS))

    # --- grids -------------------------------------------------------------------------
    def make_grids(self) -> str:
        rng, nrng = self.rng, self.nrng
        county = geo.county_polygon(nrng)
        seeds = np.array([(t[1], t[2]) for t in geo.TOWNS])
        towns = geo.partition(county, seeds, relax=0)
        n_comm = geo.allocate(FIXED["communities"], [t[3] for t in geo.TOWNS], minimum=1)
        communities: list[tuple[int, object]] = []  # (town index, geometry)
        for ti, (town, n) in enumerate(zip(towns, n_comm, strict=True)):
            for cell in geo.partition(town, geo.sample_points(town, n, nrng)):
                communities.append((ti, cell))
        # Uneven villages per community, like real data.
        n_vill = geo.allocate(self.c["villages"], nrng.lognormal(0, 0.45, len(communities)), 1)
        villages: list[tuple[int, object]] = []
        for ci, ((_, comm), n) in enumerate(zip(communities, n_vill, strict=True)):
            for cell in geo.partition(comm, geo.sample_points(comm, n, nrng)):
                villages.append((ci, cell))

        def row(code: str, name: str, level: int, parent: int | None, path: str, g) -> dict:
            minx, miny, maxx, maxy = g.bounds
            return {
                "code": code,
                "name": name,
                "level": level,
                "parent_id": parent,
                "path": path,
                "geometry": shapely.to_wkb(g),
                "min_lon": minx,
                "min_lat": miny,
                "max_lon": maxx,
                "max_lat": maxy,
                "responsible_person": names.person_name(rng),
                "phone": names.phone(rng),
            }

        county_path = f"/{COUNTY_CODE}/"
        [county_id] = _insert_returning(
            self.s, Grid, [row(COUNTY_CODE, COUNTY_NAME, 1, None, county_path, county)]
        )
        town_rows = []
        for i, (tname, *_rest) in enumerate(geo.TOWNS):
            code = f"{COUNTY_CODE}{i + 1:03d}"
            town_rows.append(row(code, tname, 2, county_id, f"{county_path}{code}/", towns[i]))
        town_ids = _insert_returning(self.s, Grid, town_rows)
        comm_rows = []
        comm_names: dict[int, list[str]] = {}
        taken: set[str] = set()
        for ti, tname in enumerate(t[0] for t in geo.TOWNS):
            comm_names[ti] = names.community_names(rng, n_comm[ti], tname.endswith("街道"), taken)
        seq: dict[int, int] = {}
        for ti, g in communities:
            k = seq[ti] = seq.get(ti, 0) + 1
            code = f"{town_rows[ti]['code']}{k:03d}"
            path = f"{town_rows[ti]['path']}{code}/"
            comm_rows.append(row(code, comm_names[ti][k - 1], 3, town_ids[ti], path, g))
        comm_ids = _insert_returning(self.s, Grid, comm_rows)
        # Grid workers: each covers a few neighbouring villages of one community.
        workers = [
            (names.person_name(rng), names.phone(rng)) for _ in range(self.c["grid_workers"])
        ]
        # Villages are in community order, so contiguous runs keep a worker's villages together.
        worker_of = [vi * len(workers) // len(villages) for vi in range(len(villages))]
        vill_rows = []
        town_taken: dict[int, set[str]] = {}
        seq = {}
        for vi, (ci, g) in enumerate(villages):
            ti = communities[ci][0]
            k = seq[ci] = seq.get(ci, 0) + 1
            [vname] = names.place_names(rng, 1, "村", town_taken.setdefault(ti, set()))
            code = f"{comm_rows[ci]['code']}{k:03d}"
            r = row(code, vname, 4, comm_ids[ci], f"{comm_rows[ci]['path']}{code}/", g)
            r["responsible_person"], r["phone"] = workers[worker_of[vi]]
            vill_rows.append(r)
        vill_ids = _insert_returning(self.s, Grid, vill_rows)
        self.town_rows, self.town_ids = town_rows, town_ids
        self.village_geoms = [g for _, g in villages]
        self.village_ids = vill_ids
        self.village_names = [r["name"] for r in vill_rows]
        self.village_town = [communities[ci][0] for ci, _ in villages]
        self.village_comm = [ci for ci, _ in villages]
        self.comm_slow, self.vill_slow = draw_slowness(self.seed, len(communities), len(villages))
        return f"1/{len(towns)}/{len(communities)}/{len(villages)}"

    # --- enterprises -------------------------------------------------------------------
    def make_enterprises(self) -> str:
        rng, nrng, c = self.rng, self.nrng, self.c
        n = c["enterprises"]
        n_towns = len(geo.TOWNS)
        per_town = geo.allocate(n, [t[4] for t in geo.TOWNS], minimum=1)
        industries = list(INDUSTRY_WEIGHTS)
        base_w = np.array([INDUSTRY_WEIGHTS[i] for i in industries], dtype=float)
        town_of: list[int] = []
        village_of: list[int] = []
        industry_of: list[str] = []
        for ti in range(n_towns):
            vills = [vi for vi, t in enumerate(self.village_town) if t == ti]
            # Industrial villages hold most enterprises: a heavy-tailed weight per village.
            counts = geo.allocate(per_town[ti], nrng.lognormal(0, 1.0, len(vills)), 0)
            w = base_w.copy()
            for focus in geo.TOWNS[ti][5]:
                w[industries.index(focus)] *= 4
            for vi, k in zip(vills, counts, strict=True):
                town_of += [ti] * k
                village_of += [vi] * k
                industry_of += list(nrng.choice(industries, size=k, p=w / w.sum()))
        # Positions: uniformly inside each enterprise's village.
        lon = np.empty(n)
        lat = np.empty(n)
        village_arr = np.array(village_of)
        for vi in np.unique(village_arr):
            idx = np.flatnonzero(village_arr == vi)
            # Keep ~2 m clear of borders, so positions rounded to 6 decimals stay inside.
            inner = self.village_geoms[vi].buffer(-2e-5)
            area = inner if not inner.is_empty else self.village_geoms[vi]
            pts = geo.sample_points(area, len(idx), nrng)
            lon[idx], lat[idx] = pts[:, 0], pts[:, 1]
        by_industry: dict[str, list[int]] = {}
        for i, ind in enumerate(industry_of):
            by_industry.setdefault(ind, []).append(i)
        # Risk tags with exact counts, drawn from the industries that have them.
        tags: list[list[str]] = [[] for _ in range(n)]
        tag_counts = {"ammonia": c["ammonia"], **{k: _scaled(v, n) for k, v in TAG_COUNTS.items()}}
        tagged: dict[str, list[int]] = {}
        for tag, count in tag_counts.items():
            pool = [i for ind in TAG_INDUSTRIES[tag] for i in by_industry.get(ind, [])]
            chosen = _pick(rng, pool, count, set())
            if len(chosen) < count:  # small cities: top up from any industry
                chosen += _pick(rng, range(n), count - len(chosen), set(chosen))
            tagged[tag] = chosen
            for i in chosen:
                tags[i].append(tag)
        oil_chem = [i for i in tagged["hazchem"] if industry_of[i] in ("化工", "油品")]
        tank = (oil_chem + [i for i in tagged["hazchem"] if i not in set(oil_chem)])[
            : c["tank_farms"]
        ]
        for i in tank:
            tags[i].append("tank_farm")
        tagged["tank_farm"] = tank
        # Safety classes: exact counts, riskier enterprises more likely yellow or red.
        employees = np.clip(nrng.lognormal(3.2, 1.0, n).astype(int), 2, 3000)
        risk = 1 + np.array([len(t) for t in tags]) * 2.5
        klass = np.array(["green"] * n, dtype=object)
        free = np.ones(n, dtype=bool)
        for cls in ("red", "yellow", "blue"):
            k = round(CLASS_SHARES[cls] * n)
            p = np.where(free, risk if cls != "blue" else 1.0, 0)
            idx = nrng.choice(n, size=k, replace=False, p=p / p.sum())
            klass[idx] = cls
            free[idx] = False
        # Self-reporting, mutual-aid footwear members, trusteeship of small enterprises.
        silent = set(
            _pick(rng, [i for i in range(n) if klass[i] == "red"], n - c["self_reporting"], set())
        )
        if len(silent) < n - c["self_reporting"]:
            silent |= set(_pick(rng, range(n), n - c["self_reporting"] - len(silent), silent))
        footwear = by_industry.get("制鞋", [])
        mutual = set(_pick(rng, footwear, c["mutual_aid"], set()))
        small = [i for i in range(n) if employees[i] < 30]
        trustee = set(_pick(rng, small, c["trusteeship"], set()))
        county = COUNTY_NAME
        taken_names: set[str] = set()
        taken_codes: set[str] = set()
        rows = []
        for i in range(n):
            ti, vi = town_of[i], village_of[i]
            report = None
            if i not in silent:
                report = self.today - timedelta(days=int(nrng.integers(0, 31)))
            rows.append(
                {
                    "credit_code": names.credit_code(rng, COUNTY_CODE, taken_codes),
                    "name": names.enterprise_name(rng, industry_of[i], county, taken_names),
                    "industry": industry_of[i],
                    "address": names.address(rng, geo.TOWNS[ti][0], self.village_names[vi]),
                    "employees": int(employees[i]),
                    "safety_class": str(klass[i]),
                    "risk_tags": join_tags(tags[i]),
                    "grid_id": self.village_ids[vi],
                    "lon": round(float(lon[i]), 6),
                    "lat": round(float(lat[i]), 6),
                    "mutual_aid": i in mutual,
                    "trusteeship": i in trustee,
                    "last_self_report": report,
                }
            )
        ids = _insert_returning(self.s, Enterprise, rows)
        self._class_history(ids, klass)
        self.ent_ids, self.ent_rows, self.tagged = ids, rows, tagged
        self.ent_town, self.ent_village = town_of, village_of
        self.ent_risk = risk * np.where(klass == "red", 3, np.where(klass == "yellow", 2, 1))
        self.ent_risk = self.ent_risk * np.sqrt(employees / 20)
        counts = {k: int((klass == k).sum()) for k in ("green", "blue", "yellow", "red")}
        return f"{n} ({counts})"

    def _class_history(self, ids: list[int], klass: np.ndarray) -> None:
        """An initial grading for every enterprise, re-gradings for some during the year."""
        rng = self.rng
        order = ["green", "blue", "yellow", "red"]
        rows = []
        first = self.start - timedelta(days=200)

        def change(eid: int, old: str | None, new: str, when: date, reason: str) -> None:
            rows.append({"enterprise_id": eid, "from_class": old, "to_class": new,
                         "changed_on": when, "reason": reason})  # fmt: skip

        for eid, cls in zip(ids, klass, strict=True):
            k = order.index(cls)
            if rng.random() < 0.12 and k > 0:
                before, reason = order[k - 1], "检查发现重大隐患，升级管控"
            elif rng.random() < 0.05 and k < 3:
                before, reason = order[k + 1], "整改验收合格，降级管理"
            else:
                change(eid, None, str(cls), first, "年度评定")
                continue
            change(eid, None, before, first, "年度评定")
            change(
                eid, before, str(cls), self.start + timedelta(days=rng.randrange(0, 360)), reason
            )
        _insert(self.s, SafetyClassChange, rows)

    # --- major hazards -----------------------------------------------------------------
    def make_major_hazards(self) -> str:
        """Eight graded installations at tank-farm and ammonia enterprises."""
        table = load_substances()
        # (host tag, installation name, [(substance, q t)], people within 500 m, control status)
        specs = [
            ("tank_farm", "成品油库储罐区", [("汽油", 9000), ("甲醇", 1500)], 160, "accepted"),
            ("tank_farm", "液化石油气储配站储罐区", [("液化石油气", 1500)], 120, "accepted"),
            ("tank_farm", "化工原料储罐区", [("甲醇", 3000), ("苯", 120)], 40, "accepted"),
            ("tank_farm", "天然气门站LNG储罐", [("天然气", 150)], 60, "accepted"),
            ("tank_farm", "水厂液氯仓库", [("氯", 15)], 70, "installing"),
            ("ammonia", "液氨制冷系统", [("液氨", 60)], 110, "accepted"),
            ("ammonia", "液氨制冷系统", [("液氨", 25)], 35, "accepted"),
            ("tank_farm", "加氢站储氢区", [("氢", 8)], 20, "accepted"),
        ]
        used: set[int] = set()
        hazards = []
        for tag, hname, items, people, status in specs:
            [i] = _pick(self.rng, self.tagged[tag], 1, used) or _pick(
                self.rng, range(len(self.ent_ids)), 1, used
            )
            used.add(i)
            subs = [(table[s.lower()], q) for s, q in items]
            g = grade([(q, sub.q_threshold_t, sub.beta) for sub, q in subs], people)
            hazards.append((i, hname, subs, people, status, g))
        rows = [
            {
                "enterprise_id": self.ent_ids[i],
                "name": hname,
                "exposed_people": people,
                "alpha": g.alpha,
                "s_value": g.s_value,
                "r_value": g.r_value,
                "level": g.level,
                "control_status": status,
            }
            for i, hname, _subs, people, status, g in hazards
        ]
        ids = _insert_returning(self.s, MajorHazard, rows)
        sub_rows = [
            {
                "hazard_id": hid,
                "substance": sub.name,
                "quantity_t": q,
                "threshold_t": sub.q_threshold_t,
                "beta": sub.beta,
            }
            for hid, (_i, _n, subs, *_r) in zip(ids, hazards, strict=True)
            for sub, q in subs
        ]
        _insert(self.s, HazardSubstance, sub_rows)
        self.hazard_ent = {i: hid for hid, (i, *_r) in zip(ids, hazards, strict=True)}
        return f"{len(ids)} (levels {sorted(h[5].level for h in hazards)})"

    # --- campaigns ---------------------------------------------------------------------
    def make_campaigns(self) -> str:
        """The four campaigns with their task lists, and the hundred-day campaign's results."""
        t = self.today
        year_start = date(t.year, 1, 1)
        drive_units = [i for tag in DRIVE_TAGS for i in self.tagged.get(tag, [])]
        drive_units = list(dict.fromkeys(drive_units))
        self.rng.shuffle(drive_units)
        specs = [
            (
                "hundred_day",
                "百日大会战",
                "Hundred-day campaign",
                t - timedelta(days=80),
                t + timedelta(days=20),
                428,
                332,
            ),
            (
                "three_year",
                "三年行动",
                "Three-year action",
                year_start,
                date(t.year, 12, 31),
                180,
                42,
            ),
            (
                "hazchem_list",
                "危化品实施意见任务清单",
                "Hazchem task list",
                year_start,
                date(t.year, 12, 31),
                58,
                37,
            ),
            (
                "drive_3_2_1",
                "三场所两企业一行业",
                "3 places, 2 kinds, 1 industry drive",
                t - timedelta(days=150),
                t + timedelta(days=30),
                912,
                FIXED["drive_checked"],
            ),
        ]
        rows = [
            {"code": code, "name": name, "name_en": en, "starts_on": s, "ends_on": e}
            for code, name, en, s, e, *_ in specs
        ]
        ids = _insert_returning(self.s, Campaign, rows)
        self.campaigns = {
            spec[0]: (cid, spec[3], spec[4]) for cid, spec in zip(ids, specs, strict=True)
        }
        task_rows = []
        for cid, (code, name, _en, start, end, total, done) in zip(ids, specs, strict=True):
            task_rows += self._campaign_tasks(cid, code, name, start, end, total, done, drive_units)
        _insert(self.s, CampaignTask, task_rows)
        self._enforcement(self.campaigns["hundred_day"][0], specs[0][3])
        return ", ".join(f"{s[1]} {s[6]}/{s[5]}" for s in specs)

    def _campaign_tasks(
        self,
        cid: int,
        code: str,
        name: str,
        start: date,
        end: date,
        total: int,
        done: int,
        drive_units: list[int],
    ) -> list[dict]:
        rng = self.rng
        span = max(1, (end - start).days)
        dues = sorted(start + timedelta(days=rng.randint(span // 5, span)) for _ in range(total))
        towns: list[int] = []
        units: list[int | None] = []
        for k in range(total):
            towns.append(rng.randrange(len(self.town_ids)))
            units.append(None)
            if code == "drive_3_2_1" and drive_units:
                units[k] = e = drive_units[k % len(drive_units)]
                towns[k] = self.ent_town[e]
        # Earlier-due tasks are more likely done, as in real work, and some towns get through
        # theirs far better than others.
        weights = [self.habits[towns[k]].campaign / (1 + k / total * 3) for k in range(total)]
        done_idx = set(_weighted_sample(rng, range(total), weights, done))
        out = []
        for k in range(total):
            town, e, ent = towns[k], units[k], None
            if e is not None:
                ent = self.ent_ids[e]
                title = f"检查{self.ent_rows[e]['name']}"
                owner = f"{geo.TOWNS[town][0]}安监站"
            elif rng.random() < 0.45:
                owner = geo.TOWNS[town][0]
                title = f"{name}：{geo.TOWNS[town][0]}重点任务{k + 1}"
            else:
                owner = rng.choice(OWNER_UNITS)
                title = f"{name}：{owner.removeprefix('市')}牵头任务{k + 1}"
            is_done = k in done_idx
            status = "done" if is_done else ("in_progress" if rng.random() < 0.7 else "not_started")
            progress = (
                100 if is_done else (rng.randrange(10, 95, 5) if status == "in_progress" else 0)
            )
            done_on = (
                min(self.today, dues[k] - timedelta(days=rng.randint(0, 20))) if is_done else None
            )
            out.append(
                {
                    "campaign_id": cid,
                    "code": f"{code}-{k + 1:04d}",
                    "title": title,
                    "owner_unit": owner,
                    "grid_id": self.town_ids[town],
                    "enterprise_id": ent,
                    "due_on": dues[k],
                    "status": status,
                    "progress": progress,
                    "done_on": done_on,
                }
            )
        return out

    def _enforcement(self, campaign_id: int, start: date) -> None:
        rng = self.rng
        reds = [i for i, r in enumerate(self.ent_rows) if r["safety_class"] == "red"]
        rows = []
        days = max(1, (self.today - start).days)
        for kind, count in FIXED["enforcement"].items():
            pool = reds if kind == "closure" else range(len(self.ent_ids))
            chosen = _pick(rng, pool, count, set())
            while len(chosen) < count:
                chosen.append(rng.randrange(len(self.ent_ids)))
            for i in chosen:
                rows.append(
                    {
                        "campaign_id": campaign_id,
                        "kind": kind,
                        "grid_id": self.town_ids[self.ent_town[i]],
                        "enterprise_id": self.ent_ids[i],
                        "acted_on": start + timedelta(days=rng.randrange(days)),
                    }
                )
        _insert(self.s, EnforcementAction, rows)

    # --- hidden dangers ----------------------------------------------------------------
    def make_hidden_dangers(self) -> str:
        """The year's ledger: exact found/rectified counts, uneven over months and towns."""
        rng, nrng, c = self.rng, self.nrng, self.c
        total, n_rect = c["dangers_found"], c["dangers_rectified"]
        n_open = total - n_rect
        n_public = max(3, round(total * 0.03))
        n_ent = total - n_public
        # Which enterprise: by risk, employees and class (uneven by construction).
        p = self.ent_risk / self.ent_risk.sum()
        owners = nrng.choice(len(self.ent_ids), size=n_ent, p=p)
        # When: daily intensity with a Spring Festival dip and a campaign surge.
        hd_start, hd_end = self.campaigns["hundred_day"][1], self.campaigns["hundred_day"][2]
        days = [self.start + timedelta(days=k) for k in range(365)]
        intensity = np.array(
            [
                (0.45 if d.month == 2 else 1.0)
                * (1.6 if hd_start <= d <= hd_end else 1.0)
                * (0.6 if d.weekday() >= 5 else 1.0)
                for d in days
            ]
        )
        found_idx = nrng.choice(365, size=total, p=intensity / intensity.sum())
        found = [days[int(k)] for k in found_idx]
        # Where: the public reports lie in random villages; every danger has its town.
        public_villages = nrng.integers(0, len(self.village_ids), n_public)
        village = np.concatenate([np.asarray(self.ent_village)[owners], public_villages])
        town = np.asarray(self.village_town)[village]
        # How slow its place is: the town's habit, spread over communities and villages.
        slow = self.comm_slow[np.asarray(self.village_comm)[village]] * self.vill_slow[village]
        lag_days = np.array([h.lag_days for h in self.habits])[town] * slow
        lag = (nrng.exponential(1.0, total) * lag_days).astype(int) + 1
        deadline_days = nrng.choice([7, 15, 30, 30, 45, 60], size=total)
        open_set = self._open_dangers(found, lag, town, slow, n_open)
        # Majors: the listed ones and a few more.
        listed = FIXED["listed"]
        n_major = sum(listed.values()) + max(10, round(total * 0.0048))
        ent_rows_idx = list(range(n_ent))
        major_idx = _pick(rng, ent_rows_idx, n_major - 1, set())  # the province one is public
        major = set(major_idx)
        listing: dict[int, str] = {}
        order = [lvl for lvl, k in listed.items() for _ in range(k) if lvl != "province"]
        for k, lvl in zip(major_idx, order, strict=False):
            listing[k] = lvl
        province_k = n_ent  # the first public danger is the provincially listed black spot
        listing[province_k] = "province"
        major.add(province_k)
        bodies = {
            "province": "浙江省安委会",
            "city": "温州市安委会",
            "county": "瑞安市安委会",
            "rolling": "瑞安市安委办",
        }
        camp_id = self.campaigns["hundred_day"][0]
        sources = ["self_report", "inspection", "mutual_aid", "public_report"]
        # Towns differ in how much their enterprises report themselves (自查自报).
        source_weights = [[55 * h.self_report, 25, 8, 3] for h in self.habits]
        rows = []
        categories = list(DANGERS)
        for k in range(total):
            f = found[k]
            is_major = k in major
            deadline = f + timedelta(
                days=int(nrng.integers(90, 181)) if is_major else int(deadline_days[k])
            )
            if k < n_ent:
                e = int(owners[k])
                ent_id = self.ent_ids[e]
                grid_id = self.ent_rows[e]["grid_id"]
                lon = lat = None
                if hd_start <= f <= hd_end and rng.random() < 0.35:
                    source = "campaign"
                else:
                    source = rng.choices(sources, weights=source_weights[town[k]])[0]
                cat = self._category(e, categories)
                desc = rng.choice(DANGERS[cat])
            else:
                vi = int(public_villages[k - n_ent])
                ent_id, grid_id = None, self.village_ids[vi]
                pt = geo.sample_points(self.village_geoms[vi], 1, nrng)[0]
                lon, lat = round(float(pt[0]), 6), round(float(pt[1]), 6)
                source = "public_report" if k != province_k else "inspection"
                cat = PUBLIC_DANGERS[0]
                desc = rng.choice(PUBLIC_DANGERS[1])
                if k == province_k:
                    desc = "104国道瑞安段交通事故多发路段（事故黑点）"
            status, rect_on, acc_on = self._lifecycle(k in open_set, f, int(lag[k]), deadline)
            lvl = listing.get(k)
            rows.append(
                {
                    "code": f"YH{f:%Y%m%d}{k + 1:06d}",
                    "enterprise_id": ent_id,
                    "grid_id": grid_id,
                    "source": source,
                    "category": cat,
                    "severity": "major" if is_major else "general",
                    "description": desc,
                    "found_on": f,
                    "deadline": deadline,
                    "rectified_on": rect_on,
                    "accepted_on": acc_on,
                    "status": status,
                    "campaign_id": camp_id if source == "campaign" else None,
                    "listing_level": lvl,
                    "listing_body": bodies.get(lvl or ""),
                    "lon": lon,
                    "lat": lat,
                }
            )
        _insert(self.s, HiddenDanger, rows)
        overdue = sum(1 for r in rows if r["rectified_on"] is None and r["deadline"] < self.today)
        return f"{total} found, {n_rect} rectified, {overdue} overdue, {len(major)} major"

    def _open_dangers(
        self,
        found: list[date],
        lag: np.ndarray,
        town: np.ndarray,
        slow: np.ndarray,
        n_open: int,
    ) -> set[int]:
        """Which dangers are still open: exactly n_open, shared among the towns by their
        habits (the county's rate stays exact); in each town some stragglers from long ago
        (the overdue; more of them in slow places), the rest those found most recently for
        how long their place takes."""
        nrng = self.nrng
        n_towns = len(self.habits)
        found_n = np.bincount(town, minlength=n_towns)
        miss = np.array([1 - h.rectify for h in self.habits])
        open_n = _capped_allocate(n_open, found_n * miss, found_n)
        day = np.array([f.toordinal() for f in found])
        expected = day + lag  # the day its place would have it rectified
        old = self.today.toordinal() - day > 75
        out: set[int] = set()
        for t in range(n_towns):
            mine = np.flatnonzero(town == t)
            if not open_n[t]:
                continue
            aged = mine[old[mine]]
            n_late = min(len(aged), round(open_n[t] * self.habits[t].overdue))
            # weighted draw without replacement (Efraimidis–Spirakis keys): slow places first
            keys = nrng.random(len(aged)) ** (1.0 / slow[aged] ** 1.5)
            late = aged[np.argsort(-keys, kind="stable")[:n_late]]
            rest = np.setdiff1d(mine, late)
            recent = rest[np.lexsort((rest, expected[rest]))][len(rest) - (open_n[t] - n_late) :]
            out.update(int(k) for k in late)
            out.update(int(k) for k in recent)
        return out

    def _category(self, e: int, categories: list[str]) -> str:
        tags = self.ent_rows[e]["risk_tags"]
        rng = self.rng
        if "ammonia" in tags and rng.random() < 0.4:
            return "涉氨制冷"
        if "dust" in tags and rng.random() < 0.4:
            return "粉尘防爆"
        if "confined_space" in tags and rng.random() < 0.3:
            return "有限空间"
        if "hazchem" in tags and rng.random() < 0.4:
            return "危化品管理"
        general = [
            c for c in categories if c not in ("涉氨制冷", "粉尘防爆", "有限空间", "危化品管理")
        ]
        return rng.choices(general, weights=[30, 20, 8, 15, 20, 7])[0]

    def _lifecycle(
        self, is_open: bool, found: date, lag: int, deadline: date
    ) -> tuple[str, date | None, date | None]:
        """Status and dates of one hidden danger, never later than today."""
        if is_open:
            return ("rectifying" if (self.today - found).days > 3 else "registered"), None, None
        rect = min(found + timedelta(days=lag), self.today)
        accepted = rect + timedelta(days=self.rng.randint(1, 10))
        if accepted > self.today:
            return "rectified", rect, None
        return "accepted", rect, accepted

    # --- committees --------------------------------------------------------------------
    def make_committees(self) -> str:
        rng = self.rng
        rows = [
            {"code": code, "name": f"{zh}安全专业委员会", "name_en": en, "lead_unit": lead}
            for code, zh, en, lead, _n in COMMITTEES
        ]
        ids = _insert_returning(self.s, Committee, rows)
        tasks = []
        year_start = date(self.today.year, 1, 1)
        for cid, (code, zh, _en, lead, n) in zip(ids, COMMITTEES, strict=True):
            for k in range(n):
                due = year_start + timedelta(days=rng.randrange(30, 365))
                past = due < self.today
                roll = rng.random()
                status = (
                    "done"
                    if roll < (0.8 if past else 0.3)
                    else "in_progress"
                    if roll < 0.93
                    else "not_started"
                )
                town = rng.randrange(len(self.town_ids)) if rng.random() < 0.4 else None
                tasks.append(
                    {
                        "committee_id": cid,
                        "code": f"{code}-{k + 1:03d}",
                        # the draw is kept so every later figure stays where it was
                        "title": (rng.choice(TASK_KINDS), task_title(code, zh, k))[1],
                        "owner_unit": geo.TOWNS[town][0] if town is not None else lead,
                        "grid_id": self.town_ids[town] if town is not None else None,
                        "due_on": due,
                        "status": status,
                        "progress": 100
                        if status == "done"
                        else (rng.randrange(10, 95, 5) if status == "in_progress" else 0),
                        "done_on": min(due, self.today) if status == "done" else None,
                    }
                )
        _insert(self.s, CommitteeTask, tasks)
        acts = []
        titles = {
            "meeting": "专委会工作会议",
            "inspection": "安全生产督查检查",
            "joint_enforcement": "联合执法行动",
        }
        for kind, count in FIXED["activities"].items():
            for k in range(count):
                ci = k % len(ids)
                town = None if kind == "meeting" else rng.randrange(len(self.town_ids))
                acts.append(
                    {
                        "committee_id": ids[ci],
                        "kind": kind,
                        "title": f"{COMMITTEES[ci][1]}{titles[kind]}（第{k // len(ids) + 1}次）",
                        "held_on": self.start + timedelta(days=rng.randrange(365)),
                        "grid_id": self.town_ids[town] if town is not None else None,
                    }
                )
        _insert(self.s, CommitteeActivity, acts)
        return f"{len(ids)} committees, {len(tasks)} tasks, {len(acts)} activities"

    # --- sensors -----------------------------------------------------------------------
    def make_sensors(self) -> str:
        """The smart-monitoring pilot: dust and ammonia sites, devices, signals, AI scenes."""
        rng, c = self.rng, self.c
        hazard_sites = [i for i in self.hazard_ent if i in set(self.tagged["ammonia"])]
        ammonia_sites = hazard_sites + _pick(
            rng, self.tagged["ammonia"], c["pilot_ammonia"], set(hazard_sites)
        )
        ammonia_sites = ammonia_sites[: c["pilot_ammonia"]]
        dust_sites = _pick(rng, self.tagged["dust"], c["pilot_dust"], set(ammonia_sites))
        sites = [(i, "ammonia") for i in ammonia_sites] + [(i, "dust") for i in dust_sites]
        per_site_devices = geo.allocate(c["devices"], [1] * len(sites), 1)
        device_list = []  # (site index, device name, menu)
        for si, ((_, kind), nd) in enumerate(zip(sites, per_site_devices, strict=True)):
            menu = AMMONIA_DEVICES if kind == "ammonia" else DUST_DEVICES
            for d in range(nd):
                name, signals = menu[d % len(menu)]
                device_list.append(
                    (si, f"{d // len(menu) + 1}#{name}" if d >= len(menu) else name, signals)
                )
        per_device = geo.allocate(c["signals"], [len(s) for *_, s in device_list], 1)
        rows = []
        for di, ((si, dname, menu), ns) in enumerate(zip(device_list, per_device, strict=True)):
            e = sites[si][0]
            for k in range(ns):
                kind, unit, l1, l2, direction = menu[k % len(menu)]
                rows.append(
                    {
                        "tag": f"P{si + 1:02d}-D{di + 1:03d}-{kind.upper()[:4]}{k + 1:02d}",
                        "kind": kind,
                        "unit": unit,
                        "device": dname,
                        "location": f"{dname}{k + 1}号点",
                        "level_1": l1,
                        "level_2": l2,
                        "direction": direction,
                        "stale_after_s": 300,
                        "enterprise_id": self.ent_ids[e],
                        "hazard_id": self.hazard_ent.get(e),
                    }
                )
        scenes = list(AI_SCENES)
        per_site_scenes = geo.allocate(c["video_scenes"], [1] * len(sites), 1)
        for si, ((e, _kind), ns) in enumerate(zip(sites, per_site_scenes, strict=True)):
            for k in range(ns):
                scene = scenes[k % len(scenes)]
                cam = k // len(scenes) + 1
                rows.append(
                    {
                        "tag": f"P{si + 1:02d}-CAM{cam:02d}-{scene.upper()}",
                        "kind": "ai_video",
                        "scene": scene,
                        "unit": "",
                        "device": f"{cam}号摄像机",
                        "location": f"{cam}号摄像机监控区",
                        "level_1": None,
                        "level_2": 1.0,
                        "direction": "high",
                        "stale_after_s": 3600,
                        "enterprise_id": self.ent_ids[e],
                        "hazard_id": self.hazard_ent.get(e),
                    }
                )
        n_signals = sum(1 for r in rows if r["kind"] != "ai_video")
        scenes_n = len(rows) - n_signals
        weather = self._weather_stations()
        _insert(self.s, Sensor, rows + weather)
        devices_n = len(device_list)
        return (
            f"{len(sites)} sites, {devices_n} devices, {n_signals} signals, {scenes_n} AI scenes, "
            f"{len(weather) // 2} weather stations"
        )

    def _weather_stations(self) -> list[dict]:
        """Automatic weather stations (自动气象站) at major-hazard sites spread across the
        county: a wind speed and a wind direction sensor each, no thresholds (weather never
        alarms; the plume of an incident reads the nearest one). A generator of their own, so
        every other figure of the city stays as it was."""
        rng = random.Random(self.seed * 1_000_003 + WEATHER_STREAM)
        sites = sorted(self.hazard_ent)  # enterprise indices, in a stable order
        pos = {i: (self.ent_rows[i]["lon"], self.ent_rows[i]["lat"]) for i in sites}

        def far(i: int, chosen: list[int]) -> float:
            km_lon = 111.0 * np.cos(np.radians(pos[i][1]))
            return min(
                float(np.hypot((pos[i][0] - pos[j][0]) * km_lon, (pos[i][1] - pos[j][1]) * 111))
                for j in chosen
            )

        chosen = [rng.choice(sites)]  # then the farthest from those chosen, one at a time
        while len(chosen) < min(WEATHER_STATIONS, len(sites)):
            chosen.append(max((i for i in sites if i not in chosen), key=lambda i: far(i, chosen)))
        rows = []
        for k, e in enumerate(chosen):
            for kind, suffix, unit in (
                ("wind_speed", "SPD", "m/s"),
                ("wind_direction", "DIR", "°"),
            ):
                rows.append(
                    {
                        "tag": f"WX{k + 1:02d}-{suffix}",
                        "kind": kind,
                        "unit": unit,
                        "device": "自动气象站",
                        "location": "厂区气象桅杆（10 米）",
                        "level_1": None,
                        "level_2": None,
                        "direction": "high",
                        "stale_after_s": 300,
                        "enterprise_id": self.ent_ids[e],
                        "hazard_id": self.hazard_ent[e],
                    }
                )
        return rows

    # --- resources and targets --------------------------------------------------------
    def make_places(self) -> str:
        """Emergency resources and sensitive targets (demo.places: generators of their own)."""
        villages = Villages(self.village_geoms, self.village_ids, self.village_names,
                            self.village_town)  # fmt: skip
        return make_places(self.s, self.seed, self.scale, villages)

    # --- alarms ------------------------------------------------------------------------
    def make_alarms(self) -> str:
        """A few alarms in every state, as the live loop would have left them by now."""
        town_of = {eid: geo.TOWNS[t][0] for eid, t in zip(self.ent_ids, self.ent_town, strict=True)}
        return make_alarms(self.s, self.rng, self.now, town_of)


def _t(kind: str, **override: object) -> tuple[str, str, float | None, float | None, str]:
    d = DEFAULTS[kind]
    values = {
        "unit": d.unit,
        "l1": d.level_1,
        "l2": d.level_2,
        "direction": d.direction,
        **override,
    }
    return (kind, str(values["unit"]), values["l1"], values["l2"], str(values["direction"]))  # type: ignore[return-value]


AMMONIA_DEVICES = [
    ("氨压缩机房", [_t("ammonia"), _t("ammonia"), _t("temperature", l1=120, l2=140)]),
    ("高压贮氨器", [_t("tank_level"), _t("pressure"), _t("temperature", l1=40, l2=45)]),
    ("速冻间", [_t("ammonia", unit="mg/m³", l1=20, l2=40), _t("temperature", l1=-15, l2=-10)]),
    ("冷藏间", [_t("ammonia", unit="mg/m³", l1=20, l2=40), _t("temperature", l1=-15, l2=-10)]),
    ("氨液分离器", [_t("tank_level", l1=70, l2=85), _t("pressure", l1=1.2, l2=1.5)]),
]
DUST_DEVICES = [
    ("干式除尘器", [_t("dust"), _t("temperature"), _t("diff_pressure")]),
    ("湿式除尘器", [_t("hydrogen"), _t("water_level"), _t("water_flow")]),
    ("抛光车间", [_t("dust"), _t("dust")]),
    ("集尘桶", [_t("temperature", l1=50, l2=70), _t("dust")]),
    ("除尘风机", [_t("diff_pressure", l1=1800, l2=2500), _t("temperature", l1=70, l2=90)]),
]


def _capped_allocate(total: int, weights: np.ndarray, caps: np.ndarray) -> list[int]:
    """Split a total by weights exactly, no part above its cap (the surplus goes to the rest)."""
    counts = np.zeros(len(weights), dtype=int)
    free = caps > 0
    left = total
    while left > 0 and free.any():
        share = np.array(geo.allocate(left, np.where(free, weights, 0) + 1e-12 * free, 0))
        counts += np.minimum(share, caps - counts)
        left = total - int(counts.sum())
        free = counts < caps
    return counts.tolist()


def _scaled(count: int, n_enterprises: int) -> int:
    return max(1, round(count * n_enterprises / FIGURES["enterprises"]))


def _weighted_sample(
    rng: random.Random, items: Sequence[int], weights: list[float], k: int
) -> list[int]:
    """k distinct items drawn with probability by weight (Efraimidis–Spirakis keys)."""
    keys = sorted(items, key=lambda i: -(rng.random() ** (1.0 / weights[i])))
    return keys[:k]


def replace_city(engine: Engine) -> None:
    """Delete every row of the city (users and the schema stay), for `demo --replace`."""
    from data_loaders.store.schema import Base

    keep = {"users", "alembic_version"}
    with session_scope(engine) as session:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in keep:
                session.execute(table.delete())
