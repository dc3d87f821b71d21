"""Write the small fixture files the importer tests read (run: python tests/data/make_fixtures.py).

A mini county of 1 + 2 + 4 + 8 grids, in the formats offices really have: a GBK shapefile in
EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E), GeoJSON without parent codes, GeoPackage,
CSV in UTF-8 with BOM and in GBK with Chinese headers and GCJ-02 positions, XLSX.
The GCJ-02 offset here is the public forward formula written out independently of prcoords,
so the import's inverse (prcoords) is checked against something else.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point, box
from stdnum.cn import uscc

HERE = Path(__file__).resolve().parent
X0, Y0 = 120.60, 27.70  # the mini county's south-west corner
W, H = 0.08, 0.04


def gcj_forward(lon: float, lat: float) -> tuple[float, float]:
    """WGS84 -> GCJ-02 (the published Krasovsky-ellipsoid offset)."""
    a, ee = 6378245.0, 0.00669342162296594323
    x, y = lon - 105.0, lat - 35.0
    dlat = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    dlat += (20 * math.sin(6 * x * math.pi) + 20 * math.sin(2 * x * math.pi)) * 2 / 3
    dlat += (20 * math.sin(y * math.pi) + 40 * math.sin(y / 3 * math.pi)) * 2 / 3
    dlat += (160 * math.sin(y / 12 * math.pi) + 320 * math.sin(y * math.pi / 30)) * 2 / 3
    dlon = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    dlon += (20 * math.sin(6 * x * math.pi) + 20 * math.sin(2 * x * math.pi)) * 2 / 3
    dlon += (20 * math.sin(x * math.pi) + 40 * math.sin(x / 3 * math.pi)) * 2 / 3
    dlon += (150 * math.sin(x / 12 * math.pi) + 300 * math.sin(x / 30 * math.pi)) * 2 / 3
    rad = lat / 180 * math.pi
    magic = 1 - ee * math.sin(rad) ** 2
    sq = math.sqrt(magic)
    dlat = dlat * 180 / ((a * (1 - ee)) / (magic * sq) * math.pi)
    dlon = dlon * 180 / (a / sq * math.cos(rad) * math.pi)
    return lon + dlon, lat + dlat


def code(seq: int) -> str:
    """A valid credit code for the n-th fixture enterprise."""
    partial = f"91330381MA{seq:07d}"[:17]
    return partial + uscc.calc_check_digit(partial)


def grids() -> gpd.GeoDataFrame:
    """County 339901, towns 339901001-002, communities …001-002, villages …001-002 (WGS84)."""
    rows = [("339901", "测试县", 1, None, box(X0, Y0, X0 + W, Y0 + H))]
    for t in range(2):
        tx = X0 + t * W / 2
        tcode = f"339901{t + 1:03d}"
        rows.append(
            (tcode, ["东山镇", "西岙街道"][t], 2, "339901", box(tx, Y0, tx + W / 2, Y0 + H))
        )
        for c in range(2):
            cy = Y0 + c * H / 2
            ccode = f"{tcode}{c + 1:03d}"
            rows.append(
                (
                    ccode,
                    f"{['东', '西'][t]}{['南', '北'][c]}社区",
                    3,
                    tcode,
                    box(tx, cy, tx + W / 2, cy + H / 2),
                )
            )
            for v in range(2):
                vx = tx + v * W / 4
                name = f"{['东', '西'][t]}{['南', '北'][c]}{['上', '下'][v]}村"
                rows.append(
                    (f"{ccode}{v + 1:03d}", name, 4, ccode, box(vx, cy, vx + W / 4, cy + H / 2))
                )
    frame = pd.DataFrame(rows, columns=["code", "name", "level", "parent_code", "geometry"])
    frame["responsible_person"] = [f"网格员{i:02d}" for i in range(len(frame))]
    frame["phone"] = [f"1380000{i:04d}" for i in range(len(frame))]
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")


def enterprise_points() -> list[tuple[str, str, float, float, str, str]]:
    """(credit code, name, lon, lat, class, tags) inside the villages (true WGS84)."""
    classes = ["green", "blue", "yellow", "red"]
    out = []
    for i in range(12):
        lon = X0 + 0.005 + (i % 6) * W / 6.2
        lat = Y0 + 0.005 + (i // 6) * H / 2.1
        tags = ["涉氨制冷", "涉粉；有限空间", "", "危化品;储罐区"][i % 4]
        out.append(
            (
                code(i + 1),
                f"测试{i + 1:02d}号机械有限公司",
                round(lon, 6),
                round(lat, 6),
                classes[i % 4],
                tags,
            )
        )
    return out


def main() -> None:
    """Write every fixture file."""
    g = grids()
    # 1. GBK shapefile in EPSG:4549 with .prj and .cpg (as a surveying bureau delivers it).
    shp = g.drop(columns=["parent_code"]).rename(
        columns={
            "code": "编码",
            "name": "名称",
            "level": "级别",
            "responsible_person": "负责人",
            "phone": "联系电话",
        }
    )
    shp.to_crs("EPSG:4549").to_file(HERE / "grids_4549_gbk.shp", encoding="GBK", engine="pyogrio")
    # 2. GeoJSON, English headers, no parent codes (parents found by containment).
    g.drop(columns=["parent_code"]).to_file(
        HERE / "grids.geojson", driver="GeoJSON", engine="pyogrio"
    )

    ents = enterprise_points()
    # 3. UTF-8 CSV with BOM, English headers, WGS84.
    pd.DataFrame(
        [
            {
                "credit_code": c,
                "name": n,
                "industry": "机械",
                "safety_class": k,
                "risk_tags": t,
                "lon": x,
                "lat": y,
                "employees": 10 + i,
                "address": f"测试路{i + 1}号",
            }
            for i, (c, n, x, y, k, t) in enumerate(ents[:6])
        ]
    ).to_csv(HERE / "enterprises_utf8_bom.csv", index=False, encoding="utf-8-sig")
    # 4. GBK CSV, Chinese headers, Chinese classes, GCJ-02 positions (geocoded on Gaode).
    zh_class = {"green": "绿", "blue": "蓝", "yellow": "黄", "red": "红"}
    rows = []
    for c, n, x, y, k, t in ents[6:]:
        gx, gy = gcj_forward(x, y)
        rows.append(
            {
                "统一社会信用代码": c,
                "企业名称": n,
                "行业": "制鞋",
                "四色等级": zh_class[k],
                "风险标签": t,
                "经度": f"{gx:.7f}",
                "纬度": f"{gy:.7f}",
                "从业人数": "25",
                "互助联盟": "是",
                "托管": "否",
            }
        )
    pd.DataFrame(rows).to_csv(HERE / "enterprises_gcj02_gbk.csv", index=False, encoding="gbk")
    (HERE / "enterprises_truth.json").write_text(
        json.dumps({c: [x, y] for c, _n, x, y, _k, _t in ents}, indent=1), encoding="utf-8"
    )
    # 5. GeoPackage of enterprises (points carry the position).
    gpd.GeoDataFrame(
        {
            "credit_code": [e[0] for e in ents[:3]],
            "name": [e[1] + "（分厂）" for e in ents[:3]],
            "safety_class": ["红", "黄", "蓝"],
        },
        geometry=[Point(e[2], e[3]) for e in ents[:3]],
        crs="EPSG:4326",
    ).to_file(HERE / "enterprises.gpkg", driver="GPKG", engine="pyogrio")
    # 6. XLSX hidden dangers with Chinese headers.
    pd.DataFrame(
        [
            {
                "隐患编号": "T-001",
                "统一社会信用代码": ents[0][0],
                "隐患来源": "自查自报",
                "隐患类别": "消防安全",
                "隐患等级": "一般",
                "隐患描述": "灭火器过期",
                "发现日期": "2026-03-01",
                "整改期限": "2026-03-15",
                "整改完成日期": "2026-03-10",
                "状态": "已整改",
            },
            {
                "隐患编号": "T-002",
                "统一社会信用代码": ents[1][0],
                "隐患来源": "执法检查",
                "隐患类别": "粉尘防爆",
                "隐患等级": "重大",
                "隐患描述": "除尘器未设泄爆",
                "发现日期": "2026-04-01",
                "整改期限": "2026-05-01",
                "挂牌级别": "县级",
                "挂牌单位": "测试县安委会",
            },
            {
                "隐患编号": "T-003",
                "隐患来源": "群众举报",
                "隐患类别": "道路交通",
                "隐患描述": "临水路段护栏缺失",
                "发现日期": "2026-06-01",
                "整改期限": "2026-06-20",
                "经度": X0 + 0.07,
                "纬度": Y0 + 0.03,
            },
        ]
    ).to_excel(HERE / "hidden_dangers.xlsx", index=False)
    # 7. Major hazards, one row per substance (R and level are computed on import).
    pd.DataFrame(
        [
            {
                "credit_code": ents[3][0],
                "name": "液氯仓库",
                "substance": "氯",
                "quantity_t": 250,
                "exposed_people": 120,
            },
            {
                "credit_code": ents[0][0],
                "name": "液氨制冷系统",
                "substance": "液氨",
                "quantity_t": 30,
                "exposed_people": 40,
            },
            {
                "credit_code": ents[0][0],
                "name": "液氨制冷系统",
                "substance": "LPG",
                "quantity_t": 25,
                "exposed_people": 40,
            },
        ]
    ).to_csv(HERE / "major_hazards.csv", index=False)
    # 8. Sensors (XLSX, thresholds partly defaulted) and task lists (CSV).
    pd.DataFrame(
        [
            {
                "位号": "T-NH3-01",
                "类型": "氨气浓度",
                "统一社会信用代码": ents[0][0],
                "设备": "氨压缩机房",
                "重大危险源": "液氨制冷系统",
            },
            {
                "位号": "T-H2-01",
                "类型": "hydrogen",
                "统一社会信用代码": ents[1][0],
                "一级阈值": 1,
                "二级阈值": 2,
            },
            {
                "位号": "T-FLOW-01",
                "类型": "水流量",
                "统一社会信用代码": ents[1][0],
                "一级阈值": 8,
                "二级阈值": 5,
                "报警方向": "低报",
            },
            {
                "位号": "T-CAM-01",
                "类型": "AI视频",
                "统一社会信用代码": ents[1][0],
                "AI场景": "吸烟",
            },
        ]
    ).to_excel(HERE / "sensors.xlsx", index=False)
    pd.DataFrame(
        [
            {
                "专项整治": "百日大会战",
                "任务编号": "BR-001",
                "任务内容": "液氨企业全覆盖检查",
                "责任单位": "市应急管理局",
                "镇街": "东山镇",
                "完成时限": "2026-06-30",
                "状态": "已完成",
                "完成日期": "2026-06-20",
            },
            {
                "专项整治": "百日大会战",
                "任务编号": "BR-002",
                "任务内容": "粉尘涉爆企业复查",
                "责任单位": "西岙街道",
                "镇街": "339901002",
                "完成时限": "2026-12-31",
                "状态": "进行中",
                "进度(%)": 40,
            },
        ]
    ).to_csv(HERE / "campaign_tasks.csv", index=False, encoding="utf-8-sig")
    pd.DataFrame(
        [
            {
                "专委会": "道路交通",
                "任务编号": "RT-001",
                "任务内容": "事故黑点整治",
                "责任单位": "市公安局",
                "完成时限": "2026-09-30",
                "状态": "进行中",
                "进度(%)": 60,
                "进展情况": "已完成 3 处",
            },
        ]
    ).to_csv(HERE / "committee_tasks.csv", index=False, encoding="utf-8-sig")
    # 9. A bad file: every kind of mistake an office makes, one per row.
    bad = [
        {
            "credit_code": ents[0][0][:-1] + ("0" if ents[0][0][-1] != "0" else "1"),
            "name": "校验码错",
            "safety_class": "green",
            "lon": X0 + 0.01,
            "lat": Y0 + 0.01,
        },
        {
            "credit_code": ents[1][0],
            "name": "未知等级",
            "safety_class": "紫",
            "lon": X0 + 0.01,
            "lat": Y0 + 0.01,
        },
        {
            "credit_code": ents[2][0],
            "name": "市外",
            "safety_class": "red",
            "lon": 121.5,
            "lat": 28.5,
        },
        {
            "credit_code": ents[2][0],
            "name": "重复",
            "safety_class": "red",
            "lon": X0 + 0.01,
            "lat": Y0 + 0.01,
        },
        {
            "credit_code": ents[3][0],
            "name": "",
            "safety_class": "blue",
            "lon": "abc",
            "lat": Y0 + 0.01,
        },
        {
            "credit_code": ents[4][0],
            "name": "未知标签",
            "safety_class": "blue",
            "lon": X0 + 0.01,
            "lat": Y0 + 0.01,
            "risk_tags": "涉氨;飞行",
        },
    ]
    pd.DataFrame(bad).to_csv(HERE / "enterprises_bad.csv", index=False)


def places() -> None:
    """Emergency resources and sensitive targets in the mini county (true WGS84)."""

    def at(i: int) -> tuple[float, float]:
        return round(X0 + 0.006 + (i % 6) * W / 6.3, 6), round(Y0 + 0.006 + (i // 6) * H / 2.2, 6)

    # 10. Resources: GBK CSV with Chinese headers and Chinese types, one row per type and more.
    rows = [
        (
            "R-001",
            "测试县消防救援大队东山中队",
            "消防站",
            {"人数": 32, "装备": "水罐车2辆;登高车1辆"},
        ),
        (
            "R-002",
            "东山镇危化救援队",
            "救援队伍",
            {"人数": 25, "专长": "危化", "装备": "防化服20套"},
        ),
        (
            "R-003",
            "测试县应急物资储备库",
            "物资储备库",
            {"物资": "帐篷：200；救生衣:500、发电机:6"},
        ),
        ("R-004", "西岙街道应急避难场所", "避难场所", {"容纳人数": 3000, "是否开放": "是"}),
        ("R-005", "测试县人民医院", "医疗机构", {"床位": 600, "救护车": 8}),
        ("R-006", "王建国", "专家", {"专长": "消防", "联系电话": "13800000001"}),
        ("R-007", "东山镇中心小学避难点", "应急避难场所", {"容纳人数": 800, "是否开放": "否"}),
    ]
    out = []
    for i, (code, name, kind, extra) in enumerate(rows):
        lon, lat = at(i)
        out.append(
            {"编码": code, "名称": name, "类型": kind, "经度": lon, "纬度": lat,
             "地址": f"测试路{i + 1}号", "联系人": "张伟"} | {k: str(v) for k, v in extra.items()}
        )  # fmt: skip
    pd.DataFrame(out).to_csv(HERE / "resources_gbk.csv", index=False, encoding="gbk")
    # 11. Targets: XLSX with English headers and codes.
    targets = [
        ("T-001", "东山镇中心小学", "school", 1200),
        ("T-002", "东山镇中心幼儿园", "kindergarten", 320),
        ("T-003", "测试县人民医院", "hospital", 1500),
        ("T-004", "西岙街道敬老院", "敬老院", 120),
        ("T-005", "东南上村居民区", "residential", 2600),
        ("T-006", "西岙水库饮用水源地", "water_source", 0),
    ]
    pd.DataFrame(
        [
            {"code": c, "name": n, "type": t, "people": p, "lon": at(i)[0], "lat": at(i)[1],
             "address": f"测试路{i + 1}号", "contact": "李娜", "phone": f"1390000{i:04d}"}
            for i, (c, n, t, p) in enumerate(targets)
        ]
    ).to_excel(HERE / "targets.xlsx", index=False)  # fmt: skip
    # 12. A bad resources file: one mistake an office makes per row.
    lon, lat = at(0)
    bad = [
        {"编码": "B-001", "名称": "床位填错", "类型": "救援队伍", "床位": "20"},
        {"编码": "B-002", "名称": "未知类型", "类型": "飞艇"},
        {"编码": "B-003", "名称": "物资写错", "类型": "物资储备库", "物资": "帐篷200"},
        {"编码": "B-003", "名称": "重复编码", "类型": "专家", "专长": "危化"},
        {"编码": "B-005", "名称": "人数超限", "类型": "救援队伍", "人数": "99999"},
        {"编码": "B-006", "名称": "市外", "类型": "消防站", "经度": "121.5", "纬度": "28.5"},
        {"编码": "B-007", "名称": "负数物资", "类型": "物资储备库", "物资": "帐篷:-5"},
    ]
    for row in bad:
        row.setdefault("经度", str(lon))
        row.setdefault("纬度", str(lat))
    pd.DataFrame(bad).to_csv(HERE / "resources_bad.csv", index=False, encoding="utf-8-sig")


if __name__ == "__main__":
    main()
    places()
