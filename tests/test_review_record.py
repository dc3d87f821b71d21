"""The review record as Word (督查会议纪要), read back: a meeting recorded on the small city
(a decision that became a task, a note on a task, a task moved after it), its headings, title,
attendees, decisions with the new task's code, owner and deadline, the moved task from → to,
the overdue table row for row as the review's; in English; with markup and control characters
in a task's text; and without a meeting."""

from __future__ import annotations

import copy
import io
import zipfile
from datetime import UTC, date, datetime

import pytest
from docx import Document
from sqlalchemy import select

from data_loaders.actions.reviews import record_meeting_as
from data_loaders.actions.tasks import update_task_as
from data_loaders.store import session_scope
from data_loaders.store.schema import Committee, CommitteeTask
from read_models.documents.review_record import (
    clean,
    review_record_docx,
    review_record_name,
    since_of_record,
)
from read_models.review import load_meeting, load_meetings, load_review

TODAY = date(2026, 11, 23)  # the small city's day (conftest)
RECORDED = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 China time
MOVED = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
MADE = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
HEADS_ZH = [
    "一、会议概况",
    "二、会议决定",
    "三、任务推进情况",
    "四、逾期任务",
    "五、会议讨论的任务",
]
HEADS_EN = ["1. Meeting overview", "2. Decisions", "3. Task progress", "4. Overdue tasks"]
HEADS_EN += ["5. Tasks discussed"]
MARKUP = "<w:p>&amp; <b>x</b> {nb}"


def read(body: bytes):  # type: ignore[no-untyped-def]
    return Document(io.BytesIO(body))


def texts(word) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.text for p in word.paragraphs]


def heads(word, names: list[str]) -> list[str]:  # type: ignore[no-untyped-def]
    """The section heads among the paragraphs, in their order."""
    return [t for t in texts(word) if t in names]


def overdue_expected(review: dict) -> list[list[str]]:
    rows = []
    for c in review["committees"]:
        by_code = {t["code"]: t for t in c["tasks"]}
        for code in c["overdue"]:
            t = by_code[code]
            rows.append([c["name"], t["title"], t["owner_unit"], t["due_on"], t["days_overdue"]])
    return rows


def overdue_read(word) -> list[list]:  # type: ignore[no-untyped-def]
    rows = []
    for r in word.tables[0].rows[1:]:
        c = [cell.text for cell in r.cells]
        rows.append([c[0], c[1].split("\n")[0], c[2], c[3], int(c[4])])
    return rows


def small_review(session, since: date | None = None) -> dict:  # type: ignore[no-untyped-def]
    return load_review(session, "all", since, TODAY)


def test_a_meetings_record_says_its_decisions_and_the_changes(small_city):
    with session_scope(small_city) as s:
        hazchem = s.scalar(select(Committee).where(Committee.code == "hazchem"))
        tasks = list(
            s.scalars(
                select(CommitteeTask)
                .where(CommitteeTask.committee_id == hazchem.id)
                .where(CommitteeTask.status == "in_progress", CommitteeTask.progress <= 80)
                .order_by(CommitteeTask.code)
            )
        )
        moved, noted = tasks[0], tasks[1]
        moved_code, was, noted_code = moved.code, moved.progress, noted.code
    body = {
        "held_on": "2026-11-23",
        "committees": ["hazchem", "fire"],
        "title": "2026年第四季度安委会督查会议",
        "attendees": "县安委办主任，危化品、消防专委会办公室负责人",
        "summary": "听取危化品、消防领域重点任务推进情况汇报。",
        "decisions": [
            {"text": "各专委会每月 25 日前报送任务进展"},
            {
                "text": "完成化工园区封闭化管理改造",
                "committee": "hazchem",
                "owner_unit": "县应急管理局",
                "due_on": "2026-12-31",
            },
        ],
        "notes": [{"task": noted_code, "note": "进度滞后，责任单位说明原因"}],
    }
    mid = record_meeting_as(small_city, "duty", "operator", body, RECORDED)
    to = was + 10
    update_task_as(small_city, "duty", "operator", moved_code, {"progress": to}, MOVED)
    with session_scope(small_city) as s:
        meeting = load_meeting(s, mid)
        assert meeting is not None
        since = since_of_record(meeting, load_meetings(s, "all"))
        review = small_review(s, since)
    assert since is not None and since < TODAY  # the demo's last review before it
    new_code = meeting["decisions"][1]["task"]["code"]

    word = read(review_record_docx(review, meeting, "zh", MADE))
    lines = texts(word)
    assert lines[0] == "2026年第四季度安委会督查会议纪要"
    assert heads(word, HEADS_ZH) == HEADS_ZH
    assert "参会人员：县安委办主任，危化品、消防专委会办公室负责人" in lines
    assert "会议时间：2026年11月23日" in lines
    assert any(t.startswith("记录人：duty") and "10:00（北京时间）" in t for t in lines)
    assert "1. 各专委会每月 25 日前报送任务进展" in lines
    assert "2. 完成化工园区封闭化管理改造" in lines
    assert f"形成任务 {new_code}，责任单位：县应急管理局，完成时限：2026年12月31日" in lines
    day = f"{since.year}年{since.month}月{since.day}日"
    assert f"自 {day}（上次督查会议）以来：" in lines  # the meeting before this one
    line = next(t for t in lines if t.startswith(f"{moved_code}　"))
    assert line.endswith(f"进行中 {was}% → 进行中 {to}%）")
    assert any(t.startswith(new_code) and "完成化工园区封闭化管理改造" in t for t in lines)
    notes = lines[lines.index("五、会议讨论的任务") + 1 :]
    assert (
        notes[0].startswith(f"1. {noted_code}　")
        and notes[1] == "会议意见：进度滞后，责任单位说明原因"
    )
    reviewed = {
        **review,
        "committees": [c for c in review["committees"] if c["code"] in body["committees"]],
    }
    expected = overdue_expected(reviewed)  # the committees the meeting reviewed, no other
    assert expected and overdue_read(word) == expected
    subs = [t for t in lines if t.startswith("（")]
    assert [t.split("）")[1].split("（")[0] for t in subs] == [
        c["name"] for c in reviewed["committees"]
    ]
    tasks = sum(c["tasks_total"] for c in reviewed["committees"])
    assert any(t.startswith(f"本次督查 2 个专委会，共 {tasks} 项重点任务") for t in lines)
    foot = word.sections[0].footer.paragraphs[0].text
    assert "2026-11-23 16:30:00" in foot and foot.startswith("第 ")
    assert review_record_name(meeting, review) == "review-2026-11-23.docx"


@pytest.mark.sqlite_only("the document is made from the read model's dicts")
def test_in_english_and_without_a_meeting(small_city):
    with session_scope(small_city) as s:
        review = small_review(s)
        meeting = load_meeting(s, review["meetings"][0]["id"])
    word = read(review_record_docx(review, meeting, "en", MADE))
    assert texts(word)[0] == "Minutes of the committee review meeting"
    assert heads(word, HEADS_EN) == HEADS_EN
    assert overdue_read(word)[0][1] == overdue_expected(review)[0][1]  # texts as they are
    assert word.tables[0].rows[0].cells[4].text == "Days late"

    word = read(review_record_docx(review, None, "zh", MADE))
    lines = texts(word)
    assert lines[0] == "安委会重点任务督查情况"
    assert heads(word, HEADS_ZH) == HEADS_ZH
    after = {h: lines[lines.index(h) + 1] for h in ("二、会议决定", "五、会议讨论的任务")}
    assert after == {"二、会议决定": "无。", "五、会议讨论的任务": "无。"}
    assert overdue_read(word) == overdue_expected(review)
    assert review_record_name(None, review) == "review-2026-11-23.docx"
    one = {**review, "committee": "hazchem/../x"}
    assert review_record_name(None, one) == "review-hazchemx-2026-11-23.docx"


@pytest.mark.sqlite_only("the document is made from the read model's dicts")
def test_markup_and_control_characters_in_a_text_stay_text(small_city):
    with session_scope(small_city) as s:
        review = copy.deepcopy(small_review(s))
    c = next(c for c in review["committees"] if c["overdue"])
    task = next(t for t in c["tasks"] if t["code"] == c["overdue"][0])
    task["title"] = f"{MARKUP}\x00\x07\x0b\x1b\x7f\ud800\ufffe end"
    task["owner_unit"] = "县<应急>局\x01"
    meeting = {
        "id": 1,
        "held_on": "2026-11-20",
        "title": "督查会议 <b>x</b>\x0c",
        "attendees": f"甲、乙 {MARKUP}",
        "summary": None,
        "recorded_by": "duty",
        "recorded_at": None,
        "committees": [{"code": c["code"], "name": c["name"], "name_en": c["name_en"]}],
        "decisions": [{"seq": 1, "text": f"决定 {MARKUP}\x1f", "task": None}],
        "notes": [{"task": task["code"], "title": task["title"], "note": "\x02说明"}],
    }
    body = review_record_docx(review, meeting, "zh", MADE)
    xml = zipfile.ZipFile(io.BytesIO(body)).read("word/document.xml").decode("utf-8")
    assert "<b>" not in xml and "&lt;b&gt;x&lt;/b&gt;" in xml
    word = read(body)
    lines = texts(word)
    assert lines[0] == "督查会议 <b>x</b>纪要"
    assert f"参会人员：甲、乙 {MARKUP}" in lines and f"1. 决定 {MARKUP}" in lines
    assert heads(word, HEADS_ZH) == HEADS_ZH
    assert "一、会议概况" in lines and lines[lines.index("一、会议概况") + 1] == "无。"
    row = word.tables[0].rows[1].cells
    assert row[1].text.split("\n")[0] == f"{MARKUP} end" and row[2].text == "县<应急>局"
    assert clean(task["title"]) == f"{MARKUP} end"
