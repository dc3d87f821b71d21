"""The review page's callbacks (/review/, dashboard.review): draw the page for its URL, follow
the filters (the URL follows them), add decision and note rows without redrawing what was
typed, save a meeting record as the signed-in operator (the role is checked on the server by
record_meeting_as), take a returned progress workbook, and draw the review again when the
data version moves. Each is thin: the work is in read_models.review and the actions."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qs

from dash import ALL, Input, Output, Patch, State, ctx, html, no_update

from callbacks.deps import Deps
from data_loaders.actions.reviews import ReviewError, record_meeting_as
from data_loaders.files import FileProblem
from data_loaders.importers.committee_progress import MAX_BYTES, import_progress
from data_loaders.store import session_scope
from data_loaders.times import china_today
from read_models.review import BadArgument, UnknownCommittee, load_review, review_args
from views import ids
from views.review import (
    MAX_DECISION_ROWS,
    MAX_NOTE_ROWS,
    ReviewView,
    create_meetings,
    create_review_body,
    decision_row,
    download_links,
    note_row,
    query_of,
)

MAX_UPLOAD_CHARS = (MAX_BYTES * 4) // 3 + 8  # the base64 of the largest workbook taken


def review_parts(
    deps: Deps, committee: str | None, since: str | None, lang: str, today: date | None = None
) -> tuple[dict[str, Any] | None, str, str, str | None]:
    """(review or None, problem, committee, since) for the filters: a bad day or committee is
    said on the page, not raised."""
    today = today or china_today()
    try:
        code, day = review_args({"committee": committee, "since": since}, today)
        with session_scope(deps.engine) as session:
            doc = load_review(session, code, day, today)
    except BadArgument as exc:
        problem = deps.label("review.bad_since", lang).format(error=str(exc))
        return None, problem, committee or "all", None
    except UnknownCommittee:
        return None, deps.label("review.no_committee", lang).format(code=committee), "all", None
    return doc, "", code, day.isoformat() if day else None


def meeting_body(
    held_on: Any,
    committees: Any,
    title: Any,
    attendees: Any,
    summary: Any,
    decisions: list[tuple[Any, Any, Any, Any, Any]],
    notes: list[tuple[Any, Any]],
) -> dict[str, Any]:
    """The form's values as the action's body (the API's JSON): empty rows left out, a
    decision a task only when its box is ticked."""
    out_decisions = []
    for text, makes_task, committee, owner, due in decisions:
        if not (text or "").strip():
            continue
        row: dict[str, Any] = {"text": text}
        if makes_task:
            row |= {"committee": committee or "", "owner_unit": owner, "due_on": due}
        out_decisions.append(row)
    return {
        "held_on": held_on,
        "committees": committees or [],
        "title": title,
        "attendees": attendees,
        "summary": summary,
        "decisions": out_decisions,
        "notes": [
            {"task": task, "note": note}
            for task, note in notes
            if task and isinstance(note, str) and note.strip()
        ],
    }


def upload_message(
    deps: Deps, contents: str, filename: str | None, lang: str, at: datetime
) -> tuple[Any, bool]:
    """Import an uploaded workbook (dcc.Upload's data URL) as the signed-in user: (what the
    page says, whether anything changed). A refused file names every cell at fault."""
    label = deps.label
    name = (filename or "upload.xlsx").replace("\\", "/").rsplit("/", 1)[-1][:255]
    _head, _sep, data = (contents or "").partition(",")
    if len(data) > MAX_UPLOAD_CHARS:
        problem = FileProblem("文件超过 10 MiB", "the file is larger than 10 MiB")
        return _refused(problem, name, label, lang), False
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        problem = FileProblem("文件无法读取", "the upload could not be read")
        return _refused(problem, name, label, lang), False
    who = deps.current_user()
    try:
        result = import_progress(
            deps.engine, raw, name, who.name if who else None, who.role if who else None, at
        )
    except PermissionError:
        return html.Span(label("review.upload_forbidden", lang), className="warn"), False
    except FileProblem as exc:
        return _refused(exc, name, label, lang), False
    text = label("review.upload_ok", lang).format(
        name=result.file_name, changed=result.changed, unchanged=result.unchanged
    )
    return html.Span(text, className="ok"), result.changed > 0


def _refused(exc: FileProblem, name: str, label: Any, lang: str) -> html.Div:
    head = label("review.upload_refused", lang).format(name=name)
    why = exc.zh if lang == "zh" else exc.en
    # every cell at fault, in Chinese and English, as the other imports say them (as text:
    # a name from the file is never markup)
    lines = [html.Li(str(e)) for e in exc.errors[:200]]
    return html.Div(
        [html.Span(f"{head} {why}", className="warn"), html.Ul(lines, className="rv-upload-errors")]
    )


def data_token(deps: Deps) -> str:
    """The data version the review follows (alarms do not move it)."""
    return deps.map_data.token() if deps.map_data else ""


def _lang(search: str | None, deps: Deps) -> str:
    lang = (parse_qs((search or "").lstrip("?")[:2000]).get("lang") or [""])[0]
    return lang if lang in ("zh", "en") else deps.lang


def register_review(
    app: Any,
    deps: Deps,
    page: Callable[[str], Any],
    view: Callable[[str], ReviewView],
    now: Callable[[], datetime],
) -> None:
    """The review page's callbacks on its own Dash app."""

    def drawn(committee: str | None, since: str | None, lang: str) -> tuple:
        doc, problem, code, day = review_parts(deps, committee, since, lang)
        body = create_review_body(doc, deps.label, lang) if doc else [html.P(problem)]
        meetings = create_meetings(doc["meetings"], deps.label, lang) if doc else []
        return body, meetings, code, day, doc

    @app.callback(
        Output(ids.PAGE_ROOT, "children"),
        Input(ids.PAGE_LOCATION, "pathname"),  # set once, when the location starts
        State(ids.PAGE_LOCATION, "search"),
        prevent_initial_call=True,
    )
    def render_review(_pathname, search):  # type: ignore[no-untyped-def]
        return page(search or "")

    @app.callback(
        Output(ids.REVIEW_BODY, "children"),
        Output(ids.REVIEW_MEETINGS, "children"),
        Output(ids.REVIEW_LINKS, "children"),
        Output(ids.PAGE_LOCATION, "search"),
        Input(ids.REVIEW_COMMITTEE, "value"),
        Input(ids.REVIEW_SINCE, "value"),
        State(ids.PAGE_LOCATION, "search"),
        prevent_initial_call=True,
    )
    def follow_filters(committee, since, search):  # type: ignore[no-untyped-def]
        lang = _lang(search, deps)
        body, meetings, code, day, _doc = drawn(committee, since or None, lang)
        links = download_links(code, day, lang, deps.label)
        return body, meetings, links, query_of(code, day, lang, deps.lang)

    @app.callback(
        Output(ids.MEET_DECISIONS, "children"),
        Input(ids.MEET_ADD_DECISION, "n_clicks"),
        State(ids.MEET_DECISIONS, "children"),
        State(ids.PAGE_LOCATION, "search"),
        prevent_initial_call=True,
    )
    def add_decision(n, rows, search):  # type: ignore[no-untyped-def]
        if not isinstance(n, int) or n < 1 or len(rows or []) >= MAX_DECISION_ROWS:
            return no_update
        lang = _lang(search, deps)
        patch = Patch()  # the rows typed in stay as they are
        patch.append(decision_row(int(n), view(lang).committees, deps.label, lang))
        return patch

    @app.callback(
        Output(ids.MEET_NOTES, "children"),
        Input(ids.MEET_ADD_NOTE, "n_clicks"),
        State(ids.MEET_NOTES, "children"),
        State(ids.REVIEW_COMMITTEE, "value"),
        State(ids.PAGE_LOCATION, "search"),
        prevent_initial_call=True,
    )
    def add_note(n, rows, committee, search):  # type: ignore[no-untyped-def]
        if not isinstance(n, int) or n < 1 or len(rows or []) >= MAX_NOTE_ROWS:
            return no_update
        lang = _lang(search, deps)
        doc, _problem, _code, _day = review_parts(deps, committee, None, lang)
        tasks = [t for s in (doc or {}).get("committees", []) for t in s["tasks"]]
        patch = Patch()
        patch.append(note_row(int(n), tasks, deps.label, lang))
        return patch

    @app.callback(
        Output(ids.MEET_MESSAGE, "children"),
        Output(ids.MEET_DECISIONS, "children", allow_duplicate=True),
        Output(ids.MEET_NOTES, "children", allow_duplicate=True),
        Output(ids.MEET_ATTENDEES, "value"),
        Output(ids.MEET_SUMMARY, "value"),
        Output(ids.MEET_TITLE, "value"),
        Output(ids.REVIEW_BODY, "children", allow_duplicate=True),
        Output(ids.REVIEW_MEETINGS, "children", allow_duplicate=True),
        Input(ids.MEET_SAVE, "n_clicks"),
        State(ids.MEET_DATE, "value"),
        State(ids.MEET_COMMITTEES, "value"),
        State(ids.MEET_TITLE, "value"),
        State(ids.MEET_ATTENDEES, "value"),
        State(ids.MEET_SUMMARY, "value"),
        State({"type": ids.DEC_TEXT, "row": ALL}, "value"),
        State({"type": ids.DEC_TASK, "row": ALL}, "value"),
        State({"type": ids.DEC_COMMITTEE, "row": ALL}, "value"),
        State({"type": ids.DEC_OWNER, "row": ALL}, "value"),
        State({"type": ids.DEC_DUE, "row": ALL}, "value"),
        State({"type": ids.NOTE_TASK, "row": ALL}, "value"),
        State({"type": ids.NOTE_TEXT, "row": ALL}, "value"),
        State(ids.REVIEW_COMMITTEE, "value"),
        State(ids.REVIEW_SINCE, "value"),
        State(ids.PAGE_LOCATION, "search"),
        prevent_initial_call=True,
        # one click, one record: the button waits while the record is kept
        running=[(Output(ids.MEET_SAVE, "disabled"), True, False)],
    )
    def save_meeting(  # type: ignore[no-untyped-def]
        n,
        held_on,
        committees,
        title,
        attendees,
        summary,
        texts,
        tasks,
        dec_committees,
        owners,
        dues,
        note_tasks,
        note_texts,
        committee,
        since,
        search,
    ):
        keep = (no_update,) * 7
        if not isinstance(n, int) or n < 1 or ctx.triggered_id != ids.MEET_SAVE:
            return (no_update, *keep)
        lang = _lang(search, deps)
        rows = (texts, tasks, dec_committees, owners, dues, note_tasks, note_texts)
        if not all(isinstance(r, list) for r in rows) or len({len(r) for r in rows[:5]}) > 1:
            return (no_update, *keep)  # not what the page sends: a forged request
        if len(note_tasks) != len(note_texts):
            return (no_update, *keep)
        body = meeting_body(
            held_on,
            committees,
            title,
            attendees,
            summary,
            [
                (text, bool(task), c, owner, due)
                for text, task, c, owner, due in zip(
                    texts, tasks, dec_committees, owners, dues, strict=True
                )
            ],
            list(zip(note_tasks, note_texts, strict=True)),
        )
        who = deps.current_user()
        label = deps.label
        try:
            new_id = record_meeting_as(
                deps.engine, who.name if who else None, who.role if who else None, body, now()
            )
        except PermissionError:
            return (html.Span(label("review.form.forbidden", lang), className="warn"), *keep)
        except ReviewError as exc:
            # nothing is lost: the form keeps everything typed, the message says what to mend
            text = label("review.form.error", lang).format(where=exc.where, zh=exc.zh, en=exc.en)
            return (html.Span(text, className="warn"), *keep)
        v = view(lang)
        review, meetings, _code, _day, doc = drawn(committee, since or None, lang)
        tasks_now = [t for s in (doc or {}).get("committees", []) for t in s["tasks"]]
        saved = label("review.form.saved", lang).format(id=new_id)
        return (
            html.Span(saved, className="ok"),
            [decision_row(10_000 + int(n), v.committees, label, lang)],
            [note_row(10_000 + int(n), tasks_now, label, lang)],
            "",
            "",
            "",
            review,
            meetings,
        )

    @app.callback(
        Output(ids.REVIEW_UPLOAD_MESSAGE, "children"),
        Output(ids.REVIEW_BODY, "children", allow_duplicate=True),
        Input(ids.REVIEW_UPLOAD, "contents"),
        State(ids.REVIEW_UPLOAD, "filename"),
        State(ids.REVIEW_COMMITTEE, "value"),
        State(ids.REVIEW_SINCE, "value"),
        State(ids.PAGE_LOCATION, "search"),
        prevent_initial_call=True,
    )
    def take_workbook(contents, filename, committee, since, search):  # type: ignore[no-untyped-def]
        if not contents:
            return no_update, no_update
        lang = _lang(search, deps)
        message, changed = upload_message(deps, contents, filename, lang, now())
        if not changed:
            return message, no_update
        body, _meetings, _code, _day, _doc = drawn(committee, since or None, lang)
        return message, body

    @app.callback(
        Output(ids.REVIEW_BODY, "children", allow_duplicate=True),
        Output(ids.REVIEW_MEETINGS, "children", allow_duplicate=True),
        Output(ids.REVIEW_CONF, "data"),
        Input(ids.REVIEW_TICK, "n_intervals"),
        State(ids.REVIEW_CONF, "data"),
        State(ids.REVIEW_COMMITTEE, "value"),
        State(ids.REVIEW_SINCE, "value"),
        State(ids.PAGE_LOCATION, "search"),
        prevent_initial_call=True,
    )
    def follow_data(_n, conf, committee, since, search):  # type: ignore[no-untyped-def]
        # an import, a task updated elsewhere, a meeting recorded at another desk: the review
        # is drawn again; otherwise nothing is sent
        version = data_token(deps)
        if conf and version == conf.get("version"):
            return no_update, no_update, no_update
        lang = _lang(search, deps)
        body, meetings, _code, _day, _doc = drawn(committee, since or None, lang)
        return body, meetings, {"version": version}
