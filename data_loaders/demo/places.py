"""The demo's emergency resources (应急资源) and sensitive targets (敏感目标).

Drawn from generators of their own (seeded from the city's seed), so adding them leaves every
figure the other steps draw exactly as it was. Each point lies inside a village of the town it
is named for; targets scale with --scale, resources do not (a county has the fire stations it
has).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from shapely.geometry.base import BaseGeometry
from sqlalchemy import insert
from sqlalchemy.orm import Session

from data_loaders.demo import geography as geo
from data_loaders.demo import names
from data_loaders.store.schema import Resource, Target

STREAM = 15  # this step's generators: random.Random(f"places:{seed}"), default_rng([15, seed])

# Sensitive targets at scale 1: type -> (count, people low, people high).
TARGET_COUNTS: dict[str, tuple[int, int, int]] = {
    "school": (60, 300, 3000),
    "kindergarten": (55, 60, 500),
    "hospital": (12, 150, 3000),
    "care_home": (20, 50, 400),
    "residential": (100, 500, 8000),
    "market": (25, 200, 5000),
    "station": (8, 200, 3000),
    "water_source": (4, 5, 30),
}
_TARGET_PREFIX = {
    "school": "XX",
    "kindergarten": "YE",
    "hospital": "YY",
    "care_home": "YL",
    "residential": "JM",
    "market": "SC",
    "station": "CZ",
    "water_source": "SY",
}
_URBAN = ("安阳街道", "玉海街道", "锦湖街道", "东山街道")  # where county-level institutions are
_ESTATE_A = ("金色", "阳光", "滨江", "锦绣", "万松", "罗阳", "东方", "瑞祥", "时代", "江南", "华府",
             "新湖", "玉海", "凤凰", "香樟", "绿城", "海德", "银都", "金地", "德信")  # fmt: skip
_ESTATE_B = ("花园", "家园", "小区", "公寓", "名苑", "嘉园", "新村", "华庭", "雅苑", "府")
_KIDS = ("阳光", "蓝天", "童心", "启明", "育英", "贝贝", "小天鹅", "金太阳", "春苗", "爱弥儿")
_MARKETS = ("农贸市场", "商业广场", "购物中心", "综合市场", "小商品市场", "百货商场")

# Resources (not scaled): (code prefix, count).
_STORE_ITEMS = (
    ("帐篷", 50, 500),
    ("折叠床", 50, 400),
    ("棉被", 100, 1000),
    ("救生衣", 100, 800),
    ("冲锋舟", 2, 12),
    ("发电机", 2, 20),
    ("抽水泵", 5, 40),
    ("沙袋", 1000, 20000),
    ("防化服", 10, 60),
    ("空气呼吸器", 10, 60),
    ("堵漏器材", 5, 30),
    ("吸附材料", 50, 500),
    ("应急照明灯", 20, 200),
)
_TEAMS = (  # name, speciality, where, members low/high, equipment
    ("瑞安市危化品应急救援队", "危化", "南滨街道", 30, 60, "防化服40套;空气呼吸器30具;堵漏工具6套"),
    ("瑞安市水上应急救援队", "水上", "飞云街道", 20, 45, "冲锋舟6艘;橡皮艇4艘;潜水装具10套"),
    ("瑞安市山地救援队", "山地", "湖岭镇", 15, 35, "绳索救援装备4套;生命探测仪2台;无人机2架"),
    ("瑞安市蓝天救援队", "水上;山地", "安阳街道", 40, 120, "冲锋舟3艘;无人机3架;急救包30个"),
    ("瑞安市矿山救护队", "矿山", "陶山镇", 15, 30, "正压氧气呼吸器12台;多功能气体检测仪6台"),
    ("瑞安市电力应急抢修队", "电力", "锦湖街道", 25, 60, "发电车2辆;抢修车4辆"),
    ("瑞安市燃气应急抢险队", "燃气", "东山街道", 15, 40, "燃气检漏仪10台;抢险车3辆"),
    ("瑞安市城市排涝抢险队", "防汛排涝", "玉海街道", 30, 80, "移动泵车4辆;抽水泵20台"),
    ("塘下镇应急救援队", "消防;防汛", "塘下镇", 20, 50, "消防车1辆;抽水泵8台"),
    ("马屿镇应急救援队", "消防;防汛", "马屿镇", 15, 40, "消防车1辆;抽水泵6台"),
)  # fmt: skip
_FIRE = (  # station name suffix, town
    ("特勤中队", "安阳街道"),
    ("塘下中队", "塘下镇"),
    ("莘塍中队", "莘塍街道"),
    ("飞云中队", "飞云街道"),
    ("马屿中队", "马屿镇"),
    ("陶山中队", "陶山镇"),
)
_FIRE_KIT = ("水罐消防车", "泡沫消防车", "抢险救援车", "登高平台消防车", "排烟消防车")
_MEDICAL = (  # name, town, beds low/high, ambulances low/high
    ("瑞安市人民医院", "安阳街道", 1000, 1500, 8, 12),
    ("瑞安市中医院", "玉海街道", 500, 800, 4, 6),
    ("瑞安市第三人民医院", "锦湖街道", 400, 600, 3, 5),
    ("瑞安市急救站", "玉海街道", 0, 0, 10, 16),
    ("塘下镇中心卫生院", "塘下镇", 80, 200, 2, 3),
    ("马屿镇中心卫生院", "马屿镇", 60, 150, 1, 2),
    ("湖岭镇中心卫生院", "湖岭镇", 40, 120, 1, 2),
    ("莘塍街道社区卫生服务中心", "莘塍街道", 30, 100, 1, 2),
)
_EXPERT_FIELDS = ("危化", "消防", "建筑", "矿山", "电力", "特种设备", "水利", "气象", "医疗救护",
                  "地质灾害", "交通运输", "海洋渔业")  # fmt: skip
N_EXPERTS = 20
N_STORES = 5


@dataclass
class Villages:
    """What the step needs of the city's villages: geometry, id, name and town, by index."""

    geoms: Sequence[BaseGeometry]
    ids: Sequence[int]
    names: Sequence[str]
    town: Sequence[int]


def make_places(session: Session, seed: int, scale: float, villages: Villages) -> str:
    """Write the targets and resources; returns a one-line summary."""
    maker = _Maker(seed, villages)
    targets = maker.targets(scale)
    resources = maker.resources()
    session.execute(insert(Target), targets)
    session.execute(insert(Resource), resources)
    by_type: dict[str, int] = {}
    for r in resources:
        by_type[r["type"]] = by_type.get(r["type"], 0) + 1
    return f"{len(targets)} targets, {len(resources)} resources ({by_type})"


class _Maker:
    def __init__(self, seed: int, villages: Villages) -> None:
        self.rng = random.Random(f"places:{seed}")
        self.nrng = np.random.default_rng([STREAM, seed])
        self.v = villages
        self.town_names = [t[0] for t in geo.TOWNS]
        self.town_villages: dict[int, list[int]] = {}
        for vi, ti in enumerate(villages.town):
            self.town_villages.setdefault(ti, []).append(vi)
        self.town_weights = [t[3] for t in geo.TOWNS]  # communities: where people live
        self.taken: set[str] = set()

    # --- helpers ------------------------------------------------------------------------
    def town(self, name: str | None = None) -> int:
        if name is not None:
            return self.town_names.index(name)
        return self.rng.choices(range(len(geo.TOWNS)), weights=self.town_weights)[0]

    def place(self, ti: int) -> dict[str, Any]:
        """A point inside a random village of town ti, its grid and an address."""
        vi = self.rng.choice(self.town_villages[ti])
        inner = self.v.geoms[vi].buffer(-2e-5)  # rounded to 6 decimals, still inside
        area = inner if not inner.is_empty else self.v.geoms[vi]
        [(lon, lat)] = geo.sample_points(area, 1, self.nrng)
        return {
            "grid_id": self.v.ids[vi],
            "lon": round(float(lon), 6),
            "lat": round(float(lat), 6),
            "address": names.address(self.rng, self.town_names[ti], self.v.names[vi]),
            "_village": vi,
        }

    def unique(self, make: Callable[[], str]) -> str:
        """A name not used yet; after a few tries a 分部/二部… suffix keeps it unique."""
        for _ in range(20):
            name = make()
            if name not in self.taken:
                self.taken.add(name)
                return name
        base, k = make(), 2
        while f"{base}（{k}）" in self.taken:
            k += 1
        self.taken.add(f"{base}（{k}）")
        return f"{base}（{k}）"

    def short(self, ti: int) -> str:
        """塘下镇 -> 塘下, 莘塍街道 -> 莘塍."""
        return self.town_names[ti].removesuffix("街道").removesuffix("镇")

    def stem(self, vi: int) -> str:
        return self.v.names[vi].removesuffix("村")

    def contact(self) -> dict[str, str]:
        return {"contact": names.person_name(self.rng), "phone": names.phone(self.rng)}

    # --- targets ------------------------------------------------------------------------
    def targets(self, scale: float) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for kind, (count, lo, hi) in TARGET_COUNTS.items():
            n = max(1, round(count * scale))
            for k in range(n):
                ti, name = self.target_name(kind, k)
                row = self.place(ti)
                vi = row.pop("_village")
                if name is None:
                    name = self.unique(lambda kind=kind, ti=ti, vi=vi: self.named(kind, ti, vi))
                else:
                    self.taken.add(name)
                people = self.people(kind, name, lo, hi)
                rows.append(
                    {
                        "code": f"MB-{_TARGET_PREFIX[kind]}-{k + 1:04d}",
                        "name": name,
                        "type": kind,
                        "people": people,
                        **row,
                        **self.contact(),
                    }
                )
        return rows

    def target_name(self, kind: str, k: int) -> tuple[int, str | None]:
        """The town of the k-th target of a kind, and its fixed name where it has one."""
        n_towns = len(geo.TOWNS)
        if kind == "school" and k < n_towns:
            return k, f"{self.town_names[k]}中心小学"
        if kind == "kindergarten" and k < n_towns:
            return k, f"{self.town_names[k]}中心幼儿园"
        if kind == "hospital":
            fixed = ("瑞安市人民医院", "瑞安市中医院", "瑞安市妇幼保健院", "瑞安市第三人民医院")
            if k < len(fixed):
                return self.town(_URBAN[k]), fixed[k]
        if kind == "station":
            fixed = (
                ("瑞安站", "汀田街道"),
                ("瑞安汽车西站", "安阳街道"),
                ("瑞安汽车东站", "东山街道"),
                ("瑞安汽车南站", "飞云街道"),
            )
            if k < len(fixed):
                return self.town(fixed[k][1]), fixed[k][0]
        if kind == "water_source" and k == 0:
            return self.town("湖岭镇"), "飞云江赵山渡饮用水源地"
        if kind == "care_home" and k == 0:
            return self.town("安阳街道"), "瑞安市社会福利院"
        return self.town(), None

    def named(self, kind: str, ti: int, vi: int) -> str:
        """A name that reads right for a target of a kind in town ti, village vi."""
        rng, town, short, stem = self.rng, self.town_names[ti], self.short(ti), self.stem(vi)
        if kind == "school":
            return rng.choice(
                (
                    f"{stem}小学",
                    f"{short}第{rng.choice('二三四五')}小学",
                    f"{short}实验小学",
                    f"瑞安市{short}中学",
                    f"{short}第{rng.choice('二三')}中学",
                    f"瑞安市{short}职业技术学校",
                )
            )
        if kind == "kindergarten":
            return rng.choice((f"{stem}幼儿园", f"{short}{rng.choice(_KIDS)}幼儿园"))
        if kind == "hospital":
            suffix = "社区卫生服务中心" if town.endswith("街道") else "卫生院"
            return rng.choice(
                (f"{town}{suffix}", f"瑞安{short}{rng.choice(('仁济', '康宁', '博爱'))}医院")
            )
        if kind == "care_home":
            return rng.choice(
                (
                    f"{town}敬老院",
                    f"{town}居家养老服务中心",
                    f"{stem}村居家养老服务照料中心",
                    f"瑞安市{short}颐养院",
                )
            )
        if kind == "residential":
            return rng.choice(
                (
                    f"{rng.choice(_ESTATE_A)}{rng.choice(_ESTATE_B)}",
                    f"{stem}安置小区",
                    f"{stem}新村",
                )
            )
        if kind == "market":
            return f"{short}{rng.choice(_MARKETS)}"
        if kind == "station":
            return rng.choice((f"{short}客运站", f"{short}公交首末站", f"{short}汽车站"))
        return f"{stem}水库饮用水源地"

    def people(self, kind: str, name: str, lo: int, hi: int) -> int:
        """People usually there, in the type's range: log-uniform, so small ones are common."""
        if kind == "hospital" and not name.startswith("瑞安市"):
            hi = min(hi, 500)  # a town health centre, not the county hospital
        if kind == "hospital" and name.startswith("瑞安市"):
            lo = 800
        if kind == "school" and "中心小学" in name:
            lo = 1000
        people = round(float(np.exp(self.nrng.uniform(np.log(lo), np.log(hi)))))
        return max(lo, min(hi, people))

    # --- resources ----------------------------------------------------------------------
    def resources(self) -> list[dict[str, Any]]:
        rng = self.rng
        rows: list[dict[str, Any]] = []

        def add(prefix: str, k: int, kind: str, name: str, ti: int, **values: Any) -> None:
            row = self.place(ti)
            row.pop("_village")
            empty = dict.fromkeys(
                ("members", "speciality", "equipment", "items", "capacity", "is_open", "beds",
                 "ambulances"),
            )  # fmt: skip
            rows.append(
                {"code": f"ZY-{prefix}-{k:03d}", "name": name, "type": kind}
                | empty
                | row
                | self.contact()
                | values
            )

        for k, (suffix, town) in enumerate(_FIRE, start=1):
            kit = rng.sample(_FIRE_KIT, rng.randint(2, 4))
            add(
                "XF",
                k,
                "fire_station",
                f"瑞安市消防救援大队{suffix}",
                self.town(town),
                members=rng.randint(20, 45) + (15 if suffix == "特勤中队" else 0),
                speciality="危化" if suffix == "特勤中队" else "消防",
                equipment=";".join(f"{x}{rng.randint(1, 3)}辆" for x in kit),
            )
        for k, (name, speciality, town, lo, hi, equipment) in enumerate(_TEAMS, start=1):
            add(
                "JY",
                k,
                "rescue_team",
                name,
                self.town(town),
                members=rng.randint(lo, hi),
                speciality=speciality,
                equipment=equipment,
            )
        store_towns = ("安阳街道", "塘下镇", "马屿镇", "飞云街道", "湖岭镇")
        for k, town in enumerate(store_towns[:N_STORES], start=1):
            name = "瑞安市应急物资储备库" if k == 1 else f"{town}应急物资储备点"
            stock = rng.sample(_STORE_ITEMS, rng.randint(5, 8))
            scale = 1.0 if k == 1 else 0.4
            items = ";".join(
                f"{item}:{max(1, round(rng.randint(lo, hi) * scale))}" for item, lo, hi in stock
            )
            add("WZ", k, "material_store", name, self.town(town), items=items)
        for k, town in enumerate(self.town_names, start=1):
            capacity = (
                rng.randrange(1000, 10001, 100) if town in _URBAN else rng.randrange(500, 5001, 100)
            )
            add(
                "BN",
                k,
                "shelter",
                f"{town}应急避难场所",
                k - 1,
                capacity=capacity,
                is_open=rng.random() < 0.8,
            )
        add("BN", 16, "shelter", "瑞安市体育中心应急避难场所", self.town("锦湖街道"),
            capacity=20000, is_open=True)  # fmt: skip
        for k, (name, town, blo, bhi, alo, ahi) in enumerate(_MEDICAL, start=1):
            add(
                "YL",
                k,
                "medical",
                name,
                self.town(town),
                beds=rng.randint(blo, bhi),
                ambulances=rng.randint(alo, ahi),
            )
        for k in range(1, N_EXPERTS + 1):
            person = self.unique(lambda: names.person_name(rng))
            fields = rng.sample(_EXPERT_FIELDS, 1 if rng.random() < 0.7 else 2)
            add(
                "ZJ",
                k,
                "expert",
                person,
                self.town(rng.choice(_URBAN)),
                speciality=";".join(fields),
                contact=person,
            )
        return rows
