"""The committee review record as a Word file (督查会议纪要, .docx, A4 portrait): the meeting
(date, committees reviewed, attendees, who recorded it and when), its decisions (one that
became a task says its code, owner unit and deadline), how each committee's tasks stand and
what changed since the review's day (done, progress moved from → to, newly overdue, not
moved, new), the overdue tasks as a table, and the tasks the meeting discussed. Drawn from
read_models.review: `load_review` and `load_meeting`; without a meeting it is the review's
status alone (安委会重点任务督查情况).

Every text from the store goes in as a run's text (python-docx escapes it), first stripped of
what XML 1.0 cannot hold (control characters, lone surrogates), so a task text cannot break
the file. The page, fonts, section heads, tables and footer are the briefing's
(briefing_docx); the overdue table also fixes its columns' widths and repeats its head row on
each page."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from data_loaders import vocab
from data_loaders.rules.metrics import rate
from read_models.documents.briefing_docx import (
    BODY_FONT,
    HEAD_FONT,
    a4_portrait,
    add_table,
    font,
    page_footer,
    section_head,
)
from read_models.documents.briefing_text import Block, percent
from read_models.documents.pdf import numeral
from read_models.documents.words import china_time, made_at, pick

# what XML 1.0 cannot carry (or should not): C0 controls but tab, newline and return, DEL and
# C1 controls, lone surrogates, U+FFFE and U+FFFF
_NOT_XML = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SAFE_CODE = re.compile(r"[^A-Za-z0-9_-]")

HEADS = (
    ("会议概况", "Meeting overview"),
    ("会议决定", "Decisions"),
    ("任务推进情况", "Task progress"),
    ("逾期任务", "Overdue tasks"),
    ("会议讨论的任务", "Tasks discussed"),
)
STATUS_EN = {"not_started": "not started", "in_progress": "in progress", "done": "done"}
CHANGES = (  # change kind -> (zh, en)
    ("done", "新完成", "Done"),
    ("moved", "进度推进", "Progress moved"),
    ("newly_overdue", "新增逾期", "Newly overdue"),
    ("not_moved", "未推进", "Not moved"),
    ("new", "新增任务", "New tasks"),
)
SINCE_FROM = {
    "given": ("指定起始日", "the day given"),
    "meeting": ("上次督查会议", "the last review meeting"),  # or the one before the record's
    "quarter": ("本季度第一天", "the quarter's first day"),
}


def clean(value: Any) -> str:
    """A text from the store as a document may hold it: what XML cannot carry taken out."""
    return "" if value is None else _NOT_XML.sub("", str(value)).strip()


def day_text(value: str | None, lang: str) -> str:
    """An ISO day as offices write it: 2026年10月15日 / 2026-10-15; none as a dash."""
    if not value:
        return "—"
    day = date.fromisoformat(value)
    return pick(lang, f"{day.year}年{day.month}月{day.day}日", day.isoformat())


def status_text(status: str | None, progress: int | None, lang: str) -> str:
    """What a task stands at: 进行中 40% / in progress 40%; unknown as a dash."""
    if status is None:
        return "—"
    name = pick(lang, vocab.zh_name(vocab.TASK_STATUSES, status), STATUS_EN.get(status, status))
    if status == "in_progress" and progress is not None:
        return f"{name} {progress}%"
    return name


def committee_name(c: dict[str, Any], lang: str) -> str:
    return clean(c.get("name_en") or c["name"]) if lang == "en" else clean(c["name"])


def record_title(meeting: dict[str, Any] | None, lang: str) -> str:
    """The document's title: the meeting's title + 纪要, or the review's status alone."""
    if meeting is None:
        return pick(lang, "安委会重点任务督查情况", "Committee key tasks: review status")
    if lang == "en":
        return "Minutes of the committee review meeting"
    name = clean(meeting["title"]) or "安委会督查会议"
    return name if name.endswith("纪要") else f"{name}纪要"


def review_record_name(meeting: dict[str, Any] | None, review: dict[str, Any]) -> str:
    """A safe ASCII file name: review-2026-10-15.docx (the meeting's day, else the review's;
    a one-committee review adds its code: review-hazchem-2026-12-03.docx)."""
    day = date.fromisoformat(meeting["held_on"] if meeting else review["today"]).isoformat()
    code = review.get("committee") or "all"
    code = "" if code == "all" else _SAFE_CODE.sub("", str(code))[:40]
    return f"review-{code}-{day}.docx" if code else f"review-{day}.docx"


def since_of_record(meeting: dict[str, Any], meetings: list[dict[str, Any]]) -> date | None:
    """The day a meeting's record counts changes from: that of the meeting before it (of
    `meetings`, load_meetings' list) which reviewed one of its committees; None when there is
    none (load_review's default then: the last meeting, else the quarter's first day)."""
    codes = {c["code"] for c in meeting["committees"]}
    key = (meeting["held_on"], meeting["id"])
    earlier = [
        (m["held_on"], m["id"])
        for m in meetings
        if (m["held_on"], m["id"]) < key and codes & {c["code"] for c in m["committees"]}
    ]
    return date.fromisoformat(max(earlier)[0]) if earlier else None


def meeting_part(review: dict[str, Any], meeting: dict[str, Any] | None) -> dict[str, Any]:
    """The part of the review a meeting's record reports: the committees the meeting reviewed
    (the totals counted again over them); the review whole without a meeting, or when it has
    none of the meeting's committees."""
    if meeting is None:
        return review
    codes = {c["code"] for c in meeting["committees"]}
    shown = [c for c in review["committees"] if c["code"] in codes]
    if not shown or len(shown) == len(review["committees"]):
        return review
    total, done = sum(c["tasks_total"] for c in shown), sum(c["done"] for c in shown)
    overdue = sum(c["by_status"]["overdue"] for c in shown)
    totals = {"tasks": total, "done": done, "rate": rate(done, total), "overdue": overdue}
    return {**review, "committees": shown, "totals": totals}


class _Writer:
    """The document being written, with the record's paragraph kinds."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.word = Document()
        self.sections = 0

    def para(self, text: str = "", size: float = 11, indent: bool = True) -> Any:
        p = self.word.add_paragraph()
        p.paragraph_format.space_after = Pt(3)
        if indent and self.lang == "zh":
            p.paragraph_format.first_line_indent = Pt(2 * size)  # two characters
        if text:
            font(p.add_run(text), BODY_FONT, size)
        return p

    def labelled(self, label: str, text: str, size: float = 11, left: float = 0) -> Any:
        """A bold label and its text: 参会人员：…"""
        p = self.word.add_paragraph()
        p.paragraph_format.space_after = Pt(3)
        if left:
            p.paragraph_format.left_indent = Pt(left)
        font(p.add_run(label), HEAD_FONT, size, bold=True)
        font(p.add_run(text), BODY_FONT, size)
        return p

    def item(self, text: str, note: str = "", left: float = 21) -> Any:
        """An indented line of a list: its text, a grey note after it."""
        p = self.word.add_paragraph()
        p.paragraph_format.left_indent = Pt(left)
        p.paragraph_format.space_after = Pt(2)
        font(p.add_run(text), BODY_FONT, 10.5)
        if note:
            font(p.add_run(note), BODY_FONT, 9.5, grey=True)
        return p

    def head(self, n: int) -> None:
        section_head(self.word, n, pick(self.lang, *HEADS[n - 1]), self.lang)

    def sub(self, text: str) -> None:
        p = self.word.add_paragraph()
        p.paragraph_format.space_before = Pt(6)
        p.paragraph_format.keep_with_next = True
        font(p.add_run(text), HEAD_FONT, 12, bold=True)

    def none(self) -> None:
        self.para(pick(self.lang, "无。", "None."))


def review_record_docx(
    review: dict[str, Any], meeting: dict[str, Any] | None, lang: str, made_at_: datetime
) -> bytes:
    """The review record as .docx bytes (lang zh or en): `review` is load_review's document,
    `meeting` load_meeting's (None: the review's status alone; given, the record reports the
    committees it reviewed: meeting_part), `made_at_` when it is made (written in the footer,
    China time)."""
    lang = "en" if lang == "en" else "zh"
    review = meeting_part(review, meeting)
    w = _Writer(lang)
    section = w.word.sections[0]
    a4_portrait(section)
    title = record_title(meeting, lang)
    w.word.core_properties.title = title
    w.word.core_properties.subject = pick(lang, "安委会督查会议纪要", "Committee review record")
    w.word.core_properties.language = "zh-CN" if lang == "zh" else "en"
    page_footer(section, made_at(made_at_, lang), lang)

    p = w.word.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_after = Pt(12)
    font(p.add_run(title), HEAD_FONT, 18, bold=True)
    if meeting is not None and lang == "en" and clean(meeting["title"]):
        p.paragraph_format.space_after = Pt(2)
        sub = w.word.add_paragraph()
        sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
        sub.paragraph_format.space_after = Pt(12)
        font(sub.add_run(clean(meeting["title"])), BODY_FONT, 12)
    _particulars(w, review, meeting)
    _overview(w, review, meeting)
    _decisions(w, meeting)
    _progress(w, review)
    _overdue(w, review)
    _notes(w, meeting)
    out = io.BytesIO()
    w.word.save(out)
    return out.getvalue()


def _particulars(w: _Writer, review: dict[str, Any], meeting: dict[str, Any] | None) -> None:
    """The lines under the title: date, committees, attendees, recorded by and when."""
    lang, sep = w.lang, pick(w.lang, "、", ", ")
    if meeting is not None:
        w.labelled(pick(lang, "会议时间：", "Held on: "), day_text(meeting["held_on"], lang))
        names = sep.join(committee_name(c, lang) for c in meeting["committees"])
        w.labelled(pick(lang, "督查专委会：", "Committees reviewed: "), names or "—")
        w.labelled(pick(lang, "参会人员：", "Attendees: "), clean(meeting["attendees"]) or "—")
        at = china_time(meeting["recorded_at"], seconds=False)
        at = pick(lang, f"{at}（北京时间）", f"{at} (China time)") if at else "—"
        by = clean(meeting["recorded_by"]) or "—"
        w.labelled(pick(lang, "记录人：", "Recorded by: "), f"{by}{pick(lang, '　', ', ')}")
        font(w.word.paragraphs[-1].add_run(pick(lang, "记录时间：", "at ")), HEAD_FONT, 11, True)
        font(w.word.paragraphs[-1].add_run(at), BODY_FONT, 11)
    else:
        names = sep.join(committee_name(c, lang) for c in review["committees"])
        w.labelled(pick(lang, "督查专委会：", "Committees: "), names or "—")
    w.labelled(pick(lang, "情况截至：", "Status as of: "), day_text(review["today"], lang))


def _overview(w: _Writer, review: dict[str, Any], meeting: dict[str, Any] | None) -> None:
    lang, t = w.lang, review["totals"]
    w.head(1)
    if meeting is not None:
        w.para(clean(meeting["summary"]) or pick(lang, "无。", "None."))
    else:
        w.para(
            pick(
                lang,
                "未选择督查会议，以下为任务督查情况。",
                "No meeting chosen: the review's status alone.",
            )
        )
    n, pct = len(review["committees"]), percent(t["rate"])
    w.para(
        pick(
            lang,
            f"本次督查 {n} 个专委会，共 {t['tasks']} 项重点任务，已完成 {t['done']} 项，"
            f"完成率 {pct}，逾期 {t['overdue']} 项。",
            f"{n} committee(s) reviewed: {t['tasks']} key tasks, {t['done']} done ({pct}), "
            f"{t['overdue']} overdue.",
        )
    )


def _decisions(w: _Writer, meeting: dict[str, Any] | None) -> None:
    lang = w.lang
    w.head(2)
    decisions = meeting["decisions"] if meeting else []
    if not decisions:
        w.none()
        return
    for i, d in enumerate(decisions, start=1):
        w.item(f"{i}. {clean(d['text'])}", left=0)
        task = d.get("task")
        if task:
            owner = clean(task["owner_unit"]) or "—"
            due = day_text(task["due_on"], lang)
            w.item(
                pick(
                    lang,
                    f"形成任务 {clean(task['code'])}，责任单位：{owner}，完成时限：{due}",
                    f"Became task {clean(task['code'])}, owner: {owner}, due {due}",
                ),
                left=21,
            )


def _task_line(t: dict[str, Any], lang: str) -> str:
    return f"{clean(t['code'])}{pick(lang, '　', '  ')}{clean(t['title'])}"


def _change_note(kind: str, t: dict[str, Any], lang: str) -> str:
    """What a task's line says after its text, by the change it is listed under."""
    owner = clean(t["owner_unit"]) or "—"
    due = day_text(t["due_on"], lang)
    if kind == "done":
        on = day_text(t.get("done_on"), lang) if t.get("done_on") else ""
        return pick(
            lang,
            f"（{owner}；完成于 {on}）" if on else f"（{owner}）",
            f" ({owner}; done {on})" if on else f" ({owner})",
        )
    if kind == "moved":
        was = t.get("was") or {}
        before = status_text(was.get("status"), was.get("progress"), lang)
        now = status_text(t["status"], t["progress"], lang)
        return pick(lang, f"（{owner}；{before} → {now}）", f" ({owner}; {before} → {now})")
    if kind == "newly_overdue":
        days = t["days_overdue"]
        return pick(
            lang,
            f"（{owner}；完成时限 {due}，逾期 {days} 天）",
            f" ({owner}; due {due}, {days} days late)",
        )
    if kind == "new":
        return pick(lang, f"（{owner}；完成时限 {due}）", f" ({owner}; due {due})")
    now = status_text(t["status"], t["progress"], lang)
    return pick(lang, f"（{owner}；{now}，完成时限 {due}）", f" ({owner}; {now}, due {due})")


def _progress(w: _Writer, review: dict[str, Any]) -> None:
    lang = w.lang
    w.head(3)
    if not review["committees"]:
        w.none()
        return
    for i, c in enumerate(review["committees"], start=1):
        name = committee_name(c, lang)
        lead = clean(c.get("lead_unit"))
        lead = pick(lang, f"（牵头单位：{lead}）", f" (lead: {lead})") if lead else ""
        w.sub(pick(lang, f"（{numeral(i)}）{name}{lead}", f"3.{i} {name}{lead}"))
        s, total, done, pct = c["by_status"], c["tasks_total"], c["done"], percent(c["rate"])
        w.para(
            pick(
                lang,
                f"共 {total} 项任务，已完成 {done}/{total}（{pct}）；其中未开始 "
                f"{s['not_started']} 项、进行中 {s['in_progress']} 项、已完成 {s['done']} 项、"
                f"逾期 {s['overdue']} 项。",
                f"{done}/{total} tasks done ({pct}): {s['not_started']} not started, "
                f"{s['in_progress']} in progress, {s['done']} done, {s['overdue']} overdue.",
            )
        )
        since = day_text(c["since"], lang)
        source = c["since_from"]
        if source == "given" and _a_meeting_of(review, c["code"], c["since"]):
            source = "meeting"  # the day given is a review meeting's (since_of_record)
        why = pick(lang, *SINCE_FROM.get(source, ("", "")))
        why = pick(lang, f"（{why}）", f" ({why})") if why else ""
        w.para(pick(lang, f"自 {since}{why}以来：", f"Since {since}{why}:"))
        by_code = {t["code"]: t for t in c["tasks"]}
        for kind, zh, en in CHANGES:
            codes = [code for code in c["changes"].get(kind, []) if code in by_code]
            if not codes:
                w.labelled(pick(lang, f"{zh}：", f"{en}: "), pick(lang, "无", "none"), 10.5, 21)
                continue
            count = pick(lang, f"{zh} {len(codes)} 项：", f"{en} ({len(codes)}):")
            w.labelled(count, "", 10.5, 21)
            for code in codes:
                t = by_code[code]
                w.item(_task_line(t, lang), _change_note(kind, t, lang), left=42)


def _a_meeting_of(review: dict[str, Any], committee: str, day: str) -> bool:
    """Whether one of the review's meetings reviewed the committee on that day."""
    return any(
        m["held_on"] == day and any(c["code"] == committee for c in m["committees"])
        for m in review.get("meetings", [])
    )


def overdue_rows(review: dict[str, Any], lang: str) -> list[list[str]]:
    """The overdue table's rows, committee by committee, most days late first: committee,
    task (text, then its code on a line of its own), owner unit, deadline, days late."""
    rows = []
    for c in review["committees"]:
        by_code = {t["code"]: t for t in c["tasks"]}
        for code in c["overdue"]:
            t = by_code[code]
            rows.append(
                [
                    committee_name(c, lang),
                    f"{clean(t['title'])}\n{clean(code)}",
                    clean(t["owner_unit"]) or "—",
                    t["due_on"] or "—",
                    str(t["days_overdue"]),
                ]
            )
    return rows


def _overdue(w: _Writer, review: dict[str, Any]) -> None:
    lang = w.lang
    w.head(4)
    rows = overdue_rows(review, lang)
    if not rows:
        w.none()
        return
    head = pick(
        lang, "专委会|任务|责任单位|完成时限|逾期天数", "Committee|Task|Owner unit|Due|Days late"
    )
    widths = (28, 62, 30, 25, 15)  # mm, the 160 mm text width
    add_table(w.word, Block("table", head=head.split("|"), rows=rows, widths=widths, align="LLLCC"))
    _fixed_columns(w.word.tables[-1], widths)


def _fixed_columns(table: Any, widths: tuple[float, ...]) -> None:
    """Columns of the given widths (LibreOffice reads the table's grid, not the cells'), the
    head row repeated on each page and no row split across pages: the last two go through
    the oxml layer (w:tblHeader, w:cantSplit), python-docx has no API for them."""
    table.autofit = False
    for column, mm in zip(table.columns, widths, strict=True):
        column.width = Mm(mm)
    for i, row in enumerate(table.rows):
        props = row._tr.get_or_add_trPr()
        for tag in ("w:tblHeader", "w:cantSplit") if i == 0 else ("w:cantSplit",):
            el = OxmlElement(tag)
            el.set(qn("w:val"), "true")
            props.append(el)


def _notes(w: _Writer, meeting: dict[str, Any] | None) -> None:
    lang = w.lang
    w.head(5)
    notes = meeting["notes"] if meeting else []
    if not notes:
        w.none()
        return
    for i, n in enumerate(notes, start=1):
        w.item(f"{i}. {clean(n['task'])}{pick(lang, '　', '  ')}{clean(n['title'])}", left=0)
        w.labelled(pick(lang, "会议意见：", "The meeting: "), clean(n["note"]) or "—", 10.5, 21)
