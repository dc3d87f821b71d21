"""The demo city's committee work as a review sees it: task texts as committees write them
(whole sentences, not "道路交通领域任务3"), each task's change history through the year (who
moved it, when, from what) and two quarterly review meetings of all eight committees, the
later one the default "since" of the review page.

Drawn from a random stream of its own (seed × 1,000,003 + REVIEW_STREAM), after the rest of
the city: no figure made before it changes. The meetings take over two rounds of the city's
existing committee meetings (the same rows, their day moved, never past today), so the
meeting count stays DOMAIN.md's 26."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from data_loaders.store.schema import (
    Committee,
    CommitteeActivity,
    CommitteeTask,
    CommitteeTaskEvent,
    ReviewDecision,
    ReviewMeeting,
    ReviewMeetingCommittee,
)
from data_loaders.times import CHINA

REVIEW_STREAM = 0x5256  # "RV"
# where a done task's proof is kept (a reserved example domain: the demo links nowhere real)
EVIDENCE = "https://docs.example.org/anweihui/{code}.pdf"
REPORTS = (
    (30, "已制定工作方案，明确责任分工和时间节点"),
    (60, "已完成现场排查，正在督促整改落实"),
    (90, "主体工作已完成，正在组织验收和资料归档"),
    (100, "已完成全部工作，佐证材料已上传"),
)
ACTORS = ("duty", "duty", "admin")
STAGES = "二三四五六七八九十"

TASK_TEXTS: dict[str, tuple[str, ...]] = {
    "road_traffic": (
        "开展“两客一危”及重型货车动态监控专项整治，督促运输企业落实 24 小时监控值守",
        "排查整治临水临崖、急弯陡坡等事故多发路段，完善警示标志和防护设施",
        "推进农村道路“千灯万带”示范工程，年内完成 30 处平交路口改造",
        "组织电动自行车头盔佩戴和交通违法行为集中整治行动",
        "落实学校周边道路交通安全“护学岗”，完成校车安全隐患排查",
        "完成国省道沿线穿村路段交通安全设施提升改造",
    ),
    "maritime_fishery": (
        "开展渔船“商渔共治”专项行动，督促渔船配齐救生设备和北斗终端",
        "排查整治“三无”船舶，年内完成清理取缔并建立长效管控台账",
        "落实台风期间渔船回港避风和人员上岸“最后一公里”责任",
        "开展海上涉渔安全生产培训，覆盖全部在册船长和轮机长",
        "完成渔港安全监控系统升级，实现进出港船舶自动识别",
    ),
    "fire": (
        "开展高层建筑消防安全综合治理，督促物业单位落实消防设施维护保养",
        "排查整治“三合一”场所和出租房消防安全隐患，年内整改销号",
        "推进电动自行车集中充电设施建设，消除楼道违规充电隐患",
        "完成乡镇专职消防队标准化建设，配齐消防车辆和个人防护装备",
        "组织大型商业综合体消防安全评估和应急疏散演练",
        "开展冬春火灾防控专项行动，加强人员密集场所夜间巡查",
    ),
    "hazchem": (
        "推进危险化学品重大危险源企业安全风险监测预警系统全覆盖并与一张图联网",
        "开展化工园区安全整治提升，完成园区安全风险等级评估复核",
        "督促涉及液氨制冷企业完成氨制冷系统安全改造和气体检测报警联网",
        "组织危险化学品企业特殊作业安全专项检查，规范动火、受限空间作业审批",
        "完成危险化学品运输车辆停车场规范化建设",
        "开展加油加气站安全隐患排查，督促落实油气回收和防雷检测",
    ),
    "construction": (
        "开展房屋市政工程深基坑、高支模、起重机械等危大工程专项检查",
        "推进既有建筑安全隐患排查整治，完成经营性自建房安全鉴定",
        "督促在建工地落实扬尘防治和临边洞口防护措施",
        "开展城镇燃气管道老化更新改造，年内完成 12 公里改造任务",
        "组织建筑施工企业主要负责人和专职安全员安全生产考核",
    ),
    "industry_mining": (
        "开展工贸企业粉尘涉爆、有限空间作业专项整治，督促安装监测报警装置",
        "推进小微企业安全生产标准化建设，年内完成 200 家达标创建",
        "督促钢铁、铝加工等重点行业企业完成安全风险辨识管控“一企一清单”",
        "开展非煤矿山和尾矿库安全生产专项检查，落实在线监测联网",
        "组织企业主要负责人安全生产履职能力培训和考核",
        "推动工贸企业安全生产责任险投保和事故预防服务全覆盖",
    ),
    "tourism": (
        "开展旅游景区游乐设施和玻璃栈道等高风险项目安全检查",
        "督促星级酒店和民宿落实消防安全和食品安全主体责任",
        "完成节假日景区客流监测预警和最大承载量核定公布",
        "开展户外运动和涉水旅游项目安全风险评估",
    ),
    "urban_operation": (
        "开展城市燃气使用安全专项整治，督促餐饮场所安装燃气泄漏报警装置",
        "排查整治户外广告牌、店招店牌等高空坠物隐患",
        "完成城市内涝易涝点整治和排水管网清淤疏通",
        "推进老旧电梯安全评估和更新改造，落实电梯维保质量抽查",
        "开展城市桥梁隧道安全检测，完成病害桥梁加固维修",
    ),
}


def task_title(committee: str, zh: str, k: int) -> str:
    """The text of a committee's k-th demo task (0-based): whole, as committees write them."""
    texts = TASK_TEXTS.get(committee)
    if not texts:
        return f"{zh}领域重点任务{k + 1}"
    stage = k // len(texts)  # a task the committee set again: its next stage, said
    return texts[k % len(texts)] + (f"（第{STAGES[stage - 1]}阶段）" if stage else "")


def review_days(today: date) -> tuple[date, date]:
    """The two demo review meetings' days: the 15th of the quarter's first month, of this
    quarter when that has passed by a week, else of the quarter before; and one quarter
    earlier."""
    first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 15)
    if first > today - timedelta(days=7):
        first = _quarter_back(first)
    return _quarter_back(first), first


def _review_title(day: date) -> str:
    """A review held in a quarter's first month reviews the quarter before it."""
    back = _quarter_back(day)
    return f"{back.year}年第{'一二三四'[(back.month - 1) // 3]}季度安委会督查会议"


def _quarter_back(day: date) -> date:
    month = day.month - 3
    return date(day.year - (month < 1), (month - 1) % 12 + 1, day.day)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), CHINA).astimezone(UTC)


def make_reviews(session: Session, seed: int, today: date, now: datetime) -> str:
    """Task histories and two review meetings for the demo city (after its committees)."""
    rng = random.Random(seed * 1_000_003 + REVIEW_STREAM)
    committees = list(session.scalars(select(Committee).order_by(Committee.id)))
    tasks = list(session.scalars(select(CommitteeTask).order_by(CommitteeTask.id)))
    year_start = date(today.year, 1, 1)
    events: list[dict] = []
    for t in tasks:
        events.extend(_history(rng, t, year_start, today, now))
    if events:
        session.execute(insert(CommitteeTaskEvent), events)
    last = {e["task_id"]: e for e in events}  # each task's latest change, in order
    for task_id, e in last.items():
        # the task says what its last report said, and a done task where its proof is
        session.execute(
            update(CommitteeTask)
            .where(CommitteeTask.id == task_id)
            .values(note=e["note"], evidence_url=e["evidence_url"], updated_by=e["actor"])
        )
    meetings = 0
    for n, day in enumerate(review_days(today)):
        if day < year_start - timedelta(days=90):
            continue
        meeting = ReviewMeeting(
            held_on=day,
            title=_review_title(day),
            attendees="市安委会副主任、安委办主任，八个专委会办公室负责人，各镇街分管负责人",
            summary="听取各专委会重点任务推进情况汇报，逐项督查逾期和滞后任务。",
            recorded_by="duty",
            recorded_at=min(_at(day, 17), now),
        )
        session.add(meeting)
        session.flush()
        for c in committees:
            session.add(ReviewMeetingCommittee(meeting_id=meeting.id, committee_id=c.id))
            # the city's n-th round of this committee's meetings is this review
            act = session.scalars(
                select(CommitteeActivity.id)
                .where(
                    CommitteeActivity.committee_id == c.id,
                    CommitteeActivity.kind == "meeting",
                    CommitteeActivity.meeting_id.is_(None),
                )
                .order_by(CommitteeActivity.id)
            ).first()
            if act is not None:
                session.execute(
                    update(CommitteeActivity)
                    .where(CommitteeActivity.id == act)
                    .values(meeting_id=meeting.id, held_on=day, title=meeting.title)
                )
        decisions = (
            "对逾期任务实行清单化管理，责任单位一周内报送整改计划",
            "各专委会每月 25 日前报送任务进展，安委办汇总通报",
            "下季度督查重点为危化品和建设施工领域滞后任务",
        )
        for seq, text in enumerate(decisions[: 2 + n], start=1):
            session.add(ReviewDecision(meeting_id=meeting.id, seq=seq, text=text))
        meetings += 1
    return f"{len(events)} task changes, {meetings} review meetings"


def _history(
    rng: random.Random, t: CommitteeTask, year_start: date, today: date, now: datetime
) -> list[dict]:
    """A task's recorded changes, ending where the task stands: steps of progress by the duty
    operator (from what, to what), the last on its done day when it is done."""
    if t.status == "not_started":
        return []
    span = max(1, ((t.done_on or today) - year_start).days)
    steps = rng.randint(1, 3)
    days = sorted(year_start + timedelta(days=rng.randrange(span)) for _ in range(steps))
    final = 100 if t.status == "done" else t.progress
    marks = [*sorted(rng.randrange(5, max(6, final), 5) for _ in range(steps - 1)), final]
    if t.status == "done" and t.done_on is not None:
        days[-1] = t.done_on
    out, status, progress = [], "not_started", 0
    for day, mark in zip(days, marks, strict=True):
        new_status = "done" if mark == 100 and t.status == "done" else "in_progress"
        if mark < progress:
            mark = progress
        out.append(
            {
                "task_id": t.id,
                "at": min(_at(min(day, today), rng.randint(9, 17)), now),
                "actor": rng.choice(ACTORS),
                "status": new_status,
                "progress": mark,
                "note": _report(mark, new_status),
                "evidence_url": EVIDENCE.format(code=t.code) if new_status == "done" else None,
                "from_status": status,
                "from_progress": progress,
                "source": "panel",
            }
        )
        status, progress = new_status, mark
    return out


def _report(progress: int, status: str) -> str:
    """What an owner unit writes at a progress mark (进展情况)."""
    if status == "done":
        return REPORTS[-1][1]
    return next(text for upto, text in REPORTS if progress <= upto)
