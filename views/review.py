"""The committee review page (/review/?committee=CODE|all&since=DAY): full width, no map, for
a projector or a laptop. Per committee: completion, tasks by status, what changed since the
last review, the overdue with owner unit and days late, every task whole (never cut), with
its evidence link. Below: the review meetings recorded and, for operators, the form that
records one and the upload of a returned progress workbook. Drawn from read_models.review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from dash import dcc, html

from data_loaders.times import CHINA
from views import ids
from views.labels import Label

MAX_DECISION_ROWS = 50  # the action's bound (data_loaders.actions.reviews.MAX_DECISIONS)
MAX_NOTE_ROWS = 50


@dataclass(frozen=True)
class ReviewView:
    """What the page needs besides the review: who may act, the language, the options."""

    lang: str
    label: Label
    committees: list[dict[str, Any]]  # [{code, name, name_en}] of the store, in order
    may_record: bool
    today: str
    poll_ms: int
    version: str


def short_name(c: dict[str, Any], lang: str) -> str:
    """A committee's name as a heading says it: English, or the Chinese in full."""
    return (c.get("name_en") or c["name"]) if lang == "en" else c["name"]


def query_of(committee: str, since: str | None, lang: str, default_lang: str = "zh") -> str:
    """The review's query string for a committee, a since-day and a language."""
    args = {"committee": committee}
    if since:
        args["since"] = since
    if lang != default_lang:
        args["lang"] = lang
    return "?" + urlencode(args)


def china_minute(iso: str | None) -> str:
    """An ISO instant as China time to the minute (2026-10-15 17:00)."""
    if not iso:
        return "—"
    return datetime.fromisoformat(iso).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def create_review_shell() -> html.Div:
    """What /review/'s layout serves for every URL: where the page for the URL is drawn."""
    # the filters write the URL (shareable) without loading the page again
    location = dcc.Location(id=ids.PAGE_LOCATION, refresh="callback-nav")
    return html.Div([location, html.Div(id=ids.PAGE_ROOT)])


def _since_text(section: dict[str, Any], label: Label, lang: str) -> str:
    return label(f"review.since.{section['since_from']}", lang).format(day=section["since"])


def _figure(value: str, caption: str, tone: str = "") -> html.Div:
    return html.Div(
        [html.Div(value, className="rv-value"), html.Div(caption, className="rv-caption")],
        className=f"rv-figure {tone}".strip(),
    )


def _status_text(task: dict[str, Any], label: Label, lang: str) -> str:
    text = label(f"task.{task['status']}", lang)
    if task["overdue"]:
        text += f"（{label('task.overdue', lang)}）" if lang == "zh" else " (overdue)"
    return text


def _change_item(kind: str, task: dict[str, Any], label: Label, lang: str) -> html.Li:
    """One task in a "what changed" list, with what says how it changed."""
    detail = ""
    was = task.get("was") or {}
    if kind == "moved":
        before = was.get("progress")
        detail = f"{'—' if before is None else before}% → {task['progress']}%"
        if was.get("status") and was["status"] != task["status"]:
            status = label(f"task.{task['status']}", lang)
            detail += f"，{status}" if lang == "zh" else f", {status}"
    elif kind == "newly_overdue":
        detail = label("review.due_passed", lang).format(day=task["due_on"])
    elif kind == "not_moved":
        detail = label("review.progress_at", lang).format(p=task["progress"])
    elif kind in ("done", "new"):
        detail = task["owner_unit"] or ""
    return html.Li(
        [
            html.Span(task["title"], className="rv-task-text"),
            html.Span(f"（{detail}）" if lang == "zh" else f" ({detail})", className="rv-detail")
            if detail
            else None,
        ],
        **{"data-task": task["code"]},
    )


def _changes(section: dict[str, Any], by_code: dict[str, dict], label: Label, lang: str) -> list:
    blocks = []
    for kind in ("done", "moved", "newly_overdue", "not_moved", "new"):
        codes = section["changes"][kind]
        if kind == "new" and not codes:
            continue  # most reviews make none: no empty box for it
        items = [_change_item(kind, by_code[c], label, lang) for c in codes]
        blocks.append(
            html.Div(
                [
                    html.H4([label(f"review.change.{kind}", lang), html.Span(f" {len(codes)}")]),
                    html.Ul(items)
                    if items
                    else html.P(label("common.none", lang), className="muted"),
                ],
                className=f"rv-change rv-change-{kind}",
                **{"data-kind": kind},
            )
        )
    return blocks


def _table(head: list[str], rows: list[list[Any]], marked: list[bool], cls: str) -> html.Table:
    return html.Table(
        [
            html.Thead(html.Tr([html.Th(h) for h in head])),
            html.Tbody(
                [
                    html.Tr([html.Td(v) for v in row], className="overdue" if late else "")
                    for row, late in zip(rows, marked, strict=True)
                ]
            ),
        ],
        className=f"rv-table {cls}",
    )


def _evidence(task: dict[str, Any], label: Label, lang: str) -> Any:
    url = task.get("evidence_url")
    if not url:
        return "—"
    # safe_link has vetted it (http/https only); shown as a link, opened apart
    return html.A(label("review.evidence_link", lang), href=url, target="_blank", rel="noopener")


def create_section(section: dict[str, Any], label: Label, lang: str) -> html.Section:
    """One committee's review: figures, what changed, the overdue, every task."""
    by_code = {t["code"]: t for t in section["tasks"]}
    s = section["by_status"]
    overdue = [by_code[c] for c in section["overdue"]]
    col = lambda key: label(f"review.col.{key}", lang)  # noqa: E731
    return html.Section(
        [
            html.Div(
                [
                    html.H2(short_name(section, lang)),
                    html.Span(
                        f"{label('review.lead', lang)}：{section['lead_unit'] or '—'}"
                        if lang == "zh"
                        else f"{label('review.lead', lang)}: {section['lead_unit'] or '—'}",
                        className="rv-lead",
                    ),
                    html.Span(_since_text(section, label, lang), className="rv-since"),
                ],
                className="rv-head",
            ),
            html.Div(
                [
                    _figure(f"{section['rate']:.2%}", label("review.rate", lang), "good"),
                    _figure(
                        f"{section['done']}/{section['tasks_total']}",
                        label("review.done_of", lang),
                    ),
                    _figure(str(s["in_progress"]), label("task.in_progress", lang)),
                    _figure(str(s["not_started"]), label("task.not_started", lang)),
                    _figure(
                        str(s["overdue"]), label("review.overdue_n", lang), "warn" if s else ""
                    ),
                ],
                className="rv-figures",
            ),
            html.H3(label("review.changes", lang)),
            html.Div(_changes(section, by_code, label, lang), className="rv-changes"),
            html.H3([label("review.overdue", lang), html.Span(f" {len(overdue)}")]),
            _table(
                [col("task"), col("owner"), col("due"), label("review.days_late", lang)],
                [
                    [
                        t["title"],
                        t["owner_unit"] or "—",
                        t["due_on"] or "—",
                        label("review.days", lang).format(n=t["days_overdue"]),
                    ]
                    for t in overdue
                ],
                [True] * len(overdue),
                "rv-overdue",
            )
            if overdue
            else html.P(label("common.none", lang), className="muted"),
            html.H3(label("review.tasks", lang)),
            _table(
                [
                    col("seq"),
                    col("task"),
                    col("owner"),
                    col("due"),
                    col("status"),
                    col("progress"),
                    col("note"),
                    col("evidence"),
                ],
                [
                    [
                        str(i),
                        t["title"],
                        t["owner_unit"] or "—",
                        t["due_on"] or "—",
                        _status_text(t, label, lang),
                        f"{t['progress']}%",
                        t["note"] or "—",
                        _evidence(t, label, lang),
                    ]
                    for i, t in enumerate(section["tasks"], start=1)
                ],
                [t["overdue"] for t in section["tasks"]],
                "rv-tasks",
            ),
        ],
        className="rv-section",
        id=f"review-{section['code']}",
        **{"data-committee": section["code"]},
    )


def create_review_body(doc: dict[str, Any], label: Label, lang: str) -> list:
    """The review: the totals, then one section per committee."""
    tot = doc["totals"]
    return [
        html.Div(
            [
                _figure(f"{tot['rate']:.2%}", label("review.rate", lang), "good"),
                _figure(f"{tot['done']}/{tot['tasks']}", label("review.done_of", lang)),
                _figure(str(tot["overdue"]), label("review.overdue_n", lang), "warn"),
            ],
            className="rv-figures rv-totals",
        )
        if len(doc["committees"]) > 1
        else None,
        *(create_section(s, label, lang) for s in doc["committees"]),
    ]


def download_links(committee: str, since: str | None, lang: str, label: Label) -> list:
    """The review's downloads: the workbook for the owner units, the record in Word."""
    args = {"committee": committee, **({"since": since} if since else {}), "lang": lang}
    query = urlencode(args)
    return [
        html.A(label("review.export", lang), href=f"/api/review.xlsx?{query}", className="btn"),
        html.A(
            label("review.record_docx", lang),
            href=f"/api/review/record.docx?{query}",
            className="btn",
        ),
    ]


def create_meetings(meetings: list[dict[str, Any]], label: Label, lang: str) -> list:
    """The review meetings recorded, newest first, each whole."""
    if not meetings:
        return [html.P(label("review.no_meetings", lang), className="muted")]
    out = []
    sep = "、" if lang == "zh" else ", "
    for m in meetings:
        decisions = [
            html.Li(
                [
                    d["text"],
                    html.Span(
                        " "
                        + label("review.meeting.task", lang).format(
                            code=d["task"]["code"],
                            owner=d["task"]["owner_unit"] or "—",
                            due=d["task"]["due_on"] or "—",
                        ),
                        className="rv-detail",
                    )
                    if d["task"]
                    else None,
                ]
            )
            for d in m["decisions"]
        ]
        notes = [
            html.Li([html.B(n["title"]), "：" if lang == "zh" else ": ", n["note"]])
            for n in m["notes"]
        ]
        out.append(
            html.Article(
                [
                    html.H4(f"{m['held_on']} {m['title']}"),
                    html.P(
                        sep.join(short_name(c, lang) for c in m["committees"]),
                        className="rv-detail",
                    ),
                    html.P(
                        [html.B(label("review.meeting.attendees", lang) + "："), m["attendees"]]
                    ),
                    html.P([html.B(label("review.meeting.summary", lang) + "："), m["summary"]])
                    if m["summary"]
                    else None,
                    html.H5(label("review.meeting.decisions", lang)) if decisions else None,
                    html.Ol(decisions) if decisions else None,
                    html.H5(label("review.meeting.notes", lang)) if notes else None,
                    html.Ul(notes) if notes else None,
                    html.P(
                        [
                            label("review.meeting.recorded", lang).format(
                                who=m["recorded_by"],
                                at=china_minute(m["recorded_at"]),
                            ),
                            " · ",
                            html.A(
                                label("review.meeting.docx", lang),
                                href=f"/api/review/meetings/{m['id']}/record.docx?lang={lang}",
                            ),
                        ],
                        className="rv-detail",
                    ),
                ],
                className="rv-meeting",
                **{"data-meeting": str(m["id"])},
            )
        )
    return out


def decision_row(n: int, committees: list[dict[str, Any]], label: Label, lang: str) -> html.Div:
    """One decision of the form: its text and, when it becomes a task, committee, owner, due."""
    return html.Div(
        [
            dcc.Textarea(
                id={"type": ids.DEC_TEXT, "row": n},
                placeholder=label("review.form.decision", lang),
                className="rv-input rv-wide",
                maxLength=1000,
            ),
            dcc.Checklist(
                id={"type": ids.DEC_TASK, "row": n},
                options=[{"label": label("review.form.makes_task", lang), "value": "task"}],
                value=[],
                className="rv-check",
            ),
            dcc.Dropdown(
                id={"type": ids.DEC_COMMITTEE, "row": n},
                options=[{"label": short_name(c, lang), "value": c["code"]} for c in committees],
                placeholder=label("review.committee", lang),
                className="rv-select",
                clearable=True,
            ),
            dcc.Input(
                id={"type": ids.DEC_OWNER, "row": n},
                placeholder=label("review.form.owner", lang),
                className="rv-input",
                maxLength=100,
            ),
            html.Label(
                [
                    html.Span(label("review.form.due", lang), className="rv-label"),
                    dcc.Input(
                        id={"type": ids.DEC_DUE, "row": n}, type="date", className="rv-input"
                    ),
                ],
                className="rv-field rv-inline",
            ),
        ],
        className="rv-decision",
        **{"data-row": str(n)},
    )


def note_row(n: int, tasks: list[dict[str, Any]], label: Label, lang: str) -> html.Div:
    """One task discussed: which task, the note."""
    return html.Div(
        [
            dcc.Dropdown(
                id={"type": ids.NOTE_TASK, "row": n},
                options=[{"label": t["title"], "value": t["code"]} for t in tasks],
                placeholder=label("review.form.note_task", lang),
                className="rv-select rv-wide",
            ),
            dcc.Textarea(
                id={"type": ids.NOTE_TEXT, "row": n},
                placeholder=label("review.form.note", lang),
                className="rv-input rv-wide",
                maxLength=2000,
            ),
        ],
        className="rv-note",
        **{"data-row": str(n)},
    )


def create_form(
    view: ReviewView, picked: list[str], tasks: list[dict[str, Any]]
) -> html.Div | html.P:
    """The meeting record's form (operators): date, committees, title, attendees, summary,
    decisions, task notes; what was typed stays in the browser until it is saved."""
    label, lang = view.label, view.lang
    if not view.may_record:
        return html.P(label("review.form.readonly", lang), className="muted")
    field = lambda key, control: html.Label(  # noqa: E731
        [html.Span(label(key, lang), className="rv-label"), control], className="rv-field"
    )
    return html.Div(
        [
            html.Div(
                [
                    field(
                        "review.form.date",
                        dcc.Input(
                            id=ids.MEET_DATE, type="date", value=view.today, className="rv-input"
                        ),
                    ),
                    field(
                        "review.form.title",
                        dcc.Input(
                            id=ids.MEET_TITLE,
                            placeholder=label("review.form.title_hint", lang),
                            className="rv-input rv-wide",
                            maxLength=200,
                        ),
                    ),
                ],
                className="rv-row",
            ),
            field(
                "review.form.committees",
                dcc.Checklist(
                    id=ids.MEET_COMMITTEES,
                    options=[
                        {"label": short_name(c, lang), "value": c["code"]} for c in view.committees
                    ],
                    value=picked,
                    inline=True,
                    className="rv-check",
                ),
            ),
            field(
                "review.form.attendees",
                dcc.Textarea(id=ids.MEET_ATTENDEES, className="rv-input rv-wide", maxLength=2000),
            ),
            field(
                "review.form.summary",
                dcc.Textarea(id=ids.MEET_SUMMARY, className="rv-input rv-wide", maxLength=2000),
            ),
            html.H4(label("review.form.decisions", lang)),
            html.Div([decision_row(0, view.committees, label, lang)], id=ids.MEET_DECISIONS),
            html.Button(
                label("review.form.add_decision", lang), id=ids.MEET_ADD_DECISION, className="btn"
            ),
            html.H4(label("review.form.notes", lang)),
            html.Div([note_row(0, tasks, label, lang)], id=ids.MEET_NOTES),
            html.Button(label("review.form.add_note", lang), id=ids.MEET_ADD_NOTE, className="btn"),
            html.Div(
                [
                    html.Button(
                        label("review.form.save", lang), id=ids.MEET_SAVE, className="btn primary"
                    ),
                    html.Span(id=ids.MEET_MESSAGE, role="status"),
                ],
                className="rv-row rv-save",
            ),
        ],
        id=ids.MEET_FORM,
        className="rv-form",
    )


def create_upload(view: ReviewView) -> html.Div | None:
    """The upload of a returned progress workbook (operators only)."""
    if not view.may_record:
        return None
    label, lang = view.label, view.lang
    return html.Div(
        [
            dcc.Upload(
                html.Div(label("review.upload", lang), className="btn"),
                id=ids.REVIEW_UPLOAD,
                accept=".xlsx",
                max_size=10 * 1024 * 1024,
                multiple=False,
            ),
            html.P(label("review.upload_hint", lang), className="rv-detail"),
            html.Div(id=ids.REVIEW_UPLOAD_MESSAGE, role="status"),
        ],
        className="rv-upload",
    )


def create_review_page(
    view: ReviewView,
    doc: dict[str, Any] | None,
    committee: str,
    since: str | None,
    problem: str,
    links: dict[str, str],
) -> html.Div:
    """The whole page for a URL: header with the filters and downloads, the review, the
    meetings, the form and the upload."""
    label, lang = view.label, view.lang
    tasks = [t for s in (doc or {}).get("committees", []) for t in s["tasks"]]
    picked = [s["code"] for s in (doc or {}).get("committees", [])]
    options = [{"label": label("review.all", lang), "value": "all"}] + [
        {"label": short_name(c, lang), "value": c["code"]} for c in view.committees
    ]
    return html.Div(
        [
            dcc.Store(id=ids.REVIEW_CONF, data={"version": view.version}),
            dcc.Interval(id=ids.REVIEW_TICK, interval=view.poll_ms),
            html.Header(
                [
                    html.H1(label("review.title", lang)),
                    html.Span(
                        label("review.as_of", lang).format(day=view.today), className="rv-detail"
                    ),
                    html.Nav(
                        [
                            html.A(label("review.back", lang), href=links["back"]),
                            html.A(links["lang_label"], href=links["lang"]),
                        ],
                        className="rv-nav",
                    ),
                ],
                className="rv-header",
            ),
            html.Div(
                [
                    html.Label(
                        [
                            html.Span(label("review.committee", lang), className="rv-label"),
                            dcc.Dropdown(
                                id=ids.REVIEW_COMMITTEE,
                                options=options,
                                value=committee,
                                clearable=False,
                                className="rv-select",
                            ),
                        ],
                        className="rv-field",
                    ),
                    html.Label(
                        [
                            html.Span(label("review.since", lang), className="rv-label"),
                            dcc.Input(
                                id=ids.REVIEW_SINCE,
                                type="date",
                                value=since or "",
                                max=view.today,
                                min="2000-01-01",
                                debounce=True,
                                className="rv-input",
                            ),
                            html.Span(label("review.since_hint", lang), className="rv-detail"),
                        ],
                        className="rv-field",
                    ),
                    html.Div(
                        download_links(committee, since, lang, label),
                        id=ids.REVIEW_LINKS,
                        className="rv-links",
                    ),
                ],
                className="rv-filters",
            ),
            create_upload(view),
            html.Div(problem, className="rv-problem", role="alert") if problem else None,
            html.Main(create_review_body(doc, label, lang) if doc else [], id=ids.REVIEW_BODY),
            html.Section(
                [
                    html.H2(label("review.meetings", lang)),
                    html.Details(
                        [
                            html.Summary(label("review.form", lang)),
                            create_form(view, picked, tasks),
                        ],
                        open=False,
                        className="rv-record",
                    ),
                    html.Div(
                        create_meetings((doc or {}).get("meetings", []), label, lang),
                        id=ids.REVIEW_MEETINGS,
                    ),
                ],
                className="rv-section rv-meetings",
            ),
        ],
        className="review",
        id="review-root",
    )
