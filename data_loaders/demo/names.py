"""Realistic Chinese names for the demo city: villages, communities, people, enterprises."""

from __future__ import annotations

import random

from stdnum.cn import uscc

_PLACE_FIRST = "东西南北上下前后新老大小高横林陈周塘江山石湖沙金马龙凤桐梅柳莲仙云潘董郑黄叶季章"
_PLACE_SECOND = "岙垟埠浦桥头岭坑塘屿岩洋湾垄底田宅园溪港岸洲"
_COMMUNITY = [
    "万松",
    "虹桥",
    "龙湖",
    "瑞祥",
    "锦绣",
    "安康",
    "莲池",
    "隆山",
    "忠义",
    "解放",
    "西山",
    "东门",
    "南门",
    "北麓",
    "凤岙",
    "万松",
    "新华",
    "人民",
    "广场",
    "滨江",
    "罗阳",
    "集云",
    "宝丰",
    "永安",
    "上河",
    "嘉禾",
    "兴隆",
    "文昌",
    "玉带",
    "白岩",
    "金星",
    "潮基",
    "丰和",
    "林川",
    "碧山",
    "韩田",
    "鲍田",
    "沈岙",
    "海安",
    "场桥",
    "梅头",
    "汀川",
    "莘民",
    "东瓯",
    "华表",
    "新城",
    "下村",
    "马上",
    "陶峰",
    "平阳坑",
]
_SURNAMES = "王陈李张林黄周吴郑金叶潘徐胡孙朱杨许蔡方余谢卢施郭彭曹戴池薛应董夏"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国志红海燕晓斌俊飞鹏辉婷雪琳波"
_BRAND_A = "华宏永瑞恒鑫隆泰兴盛丰德安嘉立振通金银宝新天远亿利发达顺昌中欣凯诚铭源海信荣佳"
_BRAND_B = "达盛丰泰和兴源昌隆顺利发诚信宇鼎峰辉远航通宝成博华联润佳力凯特美祥"
_ROADS = [
    "罗阳大道",
    "安阳路",
    "万松路",
    "虹桥路",
    "瑞祥大道",
    "沿江西路",
    "塘下大道",
    "工业大道",
    "新华路",
    "发展路",
    "兴业路",
]

# industry -> nouns its enterprises' names end with
INDUSTRY_NOUNS: dict[str, tuple[str, ...]] = {
    "汽摩配": ("汽车部件", "汽摩配件", "机车部件", "汽车零部件"),
    "制鞋": ("鞋业", "鞋材", "皮鞋"),
    "机械": ("机械", "机械制造", "机电"),
    "箱包": ("箱包", "皮具"),
    "服装": ("服饰", "制衣"),
    "锻造": ("锻造", "锻压"),
    "眼镜": ("眼镜", "光学"),
    "铸造": ("铸造", "精密铸造"),
    "工艺品": ("工艺品", "木制品"),
    "电镀": ("电镀", "表面处理"),
    "化工": ("化工", "化学"),
    "冷库/速冻": ("冷链物流", "冷冻食品", "水产冷冻"),
    "油品": ("石油", "油品储运"),
    "采石": ("石料", "矿业"),
    "船舶修造": ("船舶修造", "船业"),
    "塑料制品": ("塑业", "塑料制品"),
    "印刷包装": ("印刷", "包装"),
    "电气": ("电气", "电器"),
    "建材": ("建材", "新型建材"),
    "食品": ("食品", "粮油"),
    "商贸仓储": ("商贸", "仓储", "物流"),
}
_FORMS = ("有限公司", "有限公司", "有限公司", "股份有限公司", "厂")


def place_names(rng: random.Random, n: int, suffix: str, taken: set[str]) -> list[str]:
    """n distinct place names like 林垟村 not already in `taken` (which is updated)."""
    out: list[str] = []
    while len(out) < n:
        name = rng.choice(_PLACE_FIRST) + rng.choice(_PLACE_SECOND) + suffix
        if len(taken) > len(_PLACE_FIRST) * len(_PLACE_SECOND) * 0.8:
            name = (
                rng.choice(_PLACE_FIRST)
                + rng.choice(_PLACE_FIRST)
                + rng.choice(_PLACE_SECOND)
                + suffix
            )
        if name not in taken:
            taken.add(name)
            out.append(name)
    return out


def community_names(rng: random.Random, n: int, is_street: bool, taken: set[str]) -> list[str]:
    """Community (社区) names for streets, work-area (片) names for towns."""
    suffix = "社区" if is_street else "片"
    pool = [w + suffix for w in _COMMUNITY if w + suffix not in taken]
    rng.shuffle(pool)
    picked = pool[:n]
    picked += place_names(rng, n - len(picked), suffix, taken | set(picked))
    taken.update(picked)
    return picked


def person_name(rng: random.Random) -> str:
    """A plausible Chinese personal name."""
    given = rng.choice(_GIVEN) + (rng.choice(_GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(_SURNAMES) + given


def phone(rng: random.Random) -> str:
    """A mobile number of the right shape."""
    return rng.choice(("13", "15", "17", "18", "19")) + f"{rng.randrange(10**9):09d}"


def enterprise_name(rng: random.Random, industry: str, county: str, taken: set[str]) -> str:
    """A unique enterprise name such as 瑞安市华顺汽车部件有限公司.

    Two-character brands give ~13,000 names per industry; after repeated collisions (large
    --scale) a third brand character widens the space ~40-fold.
    """
    nouns = INDUSTRY_NOUNS.get(industry, ("实业",))
    for attempt in range(10_000):
        brand = rng.choice(_BRAND_A) + rng.choice(_BRAND_B)
        if attempt >= 8:
            brand += rng.choice(_BRAND_A)
        form = rng.choice(_FORMS)
        prefix = "浙江" if form == "股份有限公司" else county
        name = f"{prefix}{brand}{rng.choice(nouns)}{form}"
        if name not in taken:
            taken.add(name)
            return name
    raise RuntimeError(f"ran out of enterprise names for {industry}")


def address(rng: random.Random, town: str, village: str) -> str:
    """A street address inside a village."""
    return f"{town}{village}{rng.choice(_ROADS)}{rng.randint(1, 999)}号"


_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def credit_code(rng: random.Random, division: str, taken: set[str]) -> str:
    """A valid unified social credit code (GB 32100-2015) for an enterprise in `division`."""
    while True:
        body = "".join(rng.choice("0123456789") for _ in range(8))
        # The organisation code's own check character (GB 11714).
        weights = (3, 7, 9, 10, 5, 8, 4, 2)
        c9 = 11 - sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11
        org = body + ("X" if c9 == 10 else "0" if c9 == 11 else str(c9))
        partial = "91" + division + org
        code = partial + uscc.calc_check_digit(partial)
        if code not in taken:
            taken.add(code)
            return code
