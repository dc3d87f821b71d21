"""The committee review's routes (安委会督查): the review document, the review meetings (a
meeting recorded by an operator), the workbook offices fill in and send back, and the meeting
record in Word. Handlers in the API's shape (dashboard.api registers them with the rest)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from flask import Response, request

from dashboard.api import attachment, error, json_body, json_response
from data_loaders.actions.reviews import ReviewError, record_meeting_as
from data_loaders.files import FileProblem
from data_loaders.importers.committee_progress import import_progress
from data_loaders.store import session_scope
from data_loaders.times import china_today
from read_models.documents.review_record import (
    review_record_docx,
    review_record_name,
    since_of_record,
)
from read_models.documents.review_workbook import review_workbook
from read_models.review import (
    ALL,
    CODE,
    BadArgument,
    UnknownCommittee,
    load_meeting,
    load_meetings,
    load_review,
    review_args,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_UPLOAD = 10 * 1024 * 1024


def review_route(deps: Any) -> Response:
    today = china_today()
    try:
        committee, since = review_args(request.args, today)
        with session_scope(deps.engine) as session:
            doc = load_review(session, committee, since, today)
    except BadArgument as exc:
        return error(str(exc), 400, "bad_argument")
    except UnknownCommittee as exc:
        return error(f"no committee {exc}", 404)
    return json_response(doc)


def meetings_route(deps: Any) -> Response:
    committee = (request.args.get("committee") or ALL).strip()[:40]
    if committee != ALL and not CODE.match(committee):
        return error("committee: a committee code or all", 400, "bad_argument")
    with session_scope(deps.engine) as session:
        items = load_meetings(session, committee, limit=100)
    return json_response({"meetings": items})


def meeting_route(deps: Any, meeting_id: int) -> Response:
    with session_scope(deps.engine) as session:
        item = load_meeting(session, meeting_id)
    return json_response(item) if item else error(f"no meeting {meeting_id}", 404)


def record_meeting_route(deps: Any) -> Response:
    body = json_body()
    if isinstance(body, Response):
        return body
    who = deps.auth.current() if deps.auth else None
    try:
        new_id = record_meeting_as(
            deps.engine, who.name if who else None, who.role if who else None, body, now()
        )
    except PermissionError as exc:
        return error(str(exc), 403, "forbidden")
    except ReviewError as exc:
        return json_response(
            {"error": exc.en, "error_zh": exc.zh, "field": exc.where, "code": "bad_meeting"},
            400,
            cache=False,
        )
    with session_scope(deps.engine) as session:
        item = load_meeting(session, new_id)
    return json_response(item, 201, cache=False)


def _lang() -> str:
    return "en" if request.args.get("lang") == "en" else "zh"


def review_xlsx_route(deps: Any) -> Response:
    # the workbook the owner units fill in: the review shown on the page, as offices lay it out
    at = now()
    today = china_today(at)
    try:
        committee, since = review_args(request.args, today)
        with session_scope(deps.engine) as session:
            doc = load_review(session, committee, since, today)
    except BadArgument as exc:
        return error(str(exc), 400, "bad_argument")
    except UnknownCommittee as exc:
        return error(f"no committee {exc}", 404)
    body = review_workbook(doc, _lang(), at)
    name = f"review-{committee}-{today.isoformat()}.xlsx"
    local = f"安委会重点任务督查表-{today.isoformat()}.xlsx"
    return attachment(body, XLSX, name, local)


def review_docx_route(deps: Any) -> Response:
    # the review shown (no meeting): its figures and changes, as a Word document
    at = now()
    today = china_today(at)
    try:
        committee, since = review_args(request.args, today)
        with session_scope(deps.engine) as session:
            doc = load_review(session, committee, since, today)
    except BadArgument as exc:
        return error(str(exc), 400, "bad_argument")
    except UnknownCommittee as exc:
        return error(f"no committee {exc}", 404)
    body = review_record_docx(doc, None, _lang(), at)
    name = review_record_name(None, doc)
    return attachment(body, DOCX, name, name)


def meeting_docx_route(deps: Any, meeting_id: int) -> Response:
    # a meeting's record (纪要): the meeting, its decisions, and the changes of its committees
    # since the review before it, as they stand now
    at = now()
    with session_scope(deps.engine) as session:
        meeting = load_meeting(session, meeting_id)
        if meeting is None:
            return error(f"no meeting {meeting_id}", 404)
        since = since_of_record(meeting, load_meetings(session, ALL, limit=100))
        doc = load_review(session, ALL, since, china_today(at))
    body = review_record_docx(doc, meeting, _lang(), at)
    name = review_record_name(meeting, doc)
    return attachment(body, DOCX, name, name)


def progress_route(deps: Any) -> Response:
    # a returned progress workbook, as the request's body (the workbook's own content type: no
    # cross-site form can send that without a CORS preflight); ?name= the file's name
    if request.mimetype != XLSX:
        return error(f"send the workbook itself (Content-Type: {XLSX})", 415)
    if (request.content_length or 0) > MAX_UPLOAD:
        return error("the workbook is larger than 10 MiB", 413)
    raw = request.get_data(cache=False)
    if len(raw) > MAX_UPLOAD:
        return error("the workbook is larger than 10 MiB", 413)
    who = deps.auth.current() if deps.auth else None
    dry_run = request.args.get("dry_run") in ("1", "true")
    try:
        result = import_progress(
            deps.engine,
            raw,
            (request.args.get("name") or "upload.xlsx")[:255],
            who.name if who else None,
            who.role if who else None,
            now(),
            dry_run=dry_run,
        )
    except PermissionError as exc:
        return error(str(exc), 403, "forbidden")
    except FileProblem as exc:
        return json_response(problem_document(exc), 400, cache=False)
    return json_response(asdict(result), cache=False)


def problem_document(exc: FileProblem) -> dict[str, Any]:
    """A refused file as JSON: why, and every cell at fault (sheet, row, column)."""
    return {
        "error": exc.en,
        "error_zh": exc.zh,
        "code": "refused",
        "errors": [
            {"sheet": e.sheet, "row": e.row, "column": e.column, "zh": e.zh, "en": e.en}
            for e in exc.errors
        ],
    }


def now() -> datetime:
    """The time of a change (a function: tests may stand in for the clock)."""
    return datetime.now(UTC)


def routes() -> list[tuple[str, Any, tuple[str, ...]]]:
    """The review's routes, in dashboard.api's (rule, handler, methods) form."""
    meeting_id = "<int(max=2147483647):meeting_id>"
    return [
        ("/api/review", review_route, ("GET",)),
        ("/api/review/meetings", meetings_route, ("GET",)),
        ("/api/review/meetings", record_meeting_route, ("POST",)),
        (f"/api/review/meetings/{meeting_id}", meeting_route, ("GET",)),
        (f"/api/review/meetings/{meeting_id}/record.docx", meeting_docx_route, ("GET",)),
        ("/api/review.xlsx", review_xlsx_route, ("GET",)),
        ("/api/review/record.docx", review_docx_route, ("GET",)),
        ("/api/review/progress", progress_route, ("POST",)),
    ]
