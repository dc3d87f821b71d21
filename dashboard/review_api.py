"""The committee review's routes (安委会督查): the review document, the review meetings (a
meeting recorded by an operator), the workbook offices fill in and send back, and the meeting
record in Word. Handlers in the API's shape (dashboard.api registers them with the rest)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, request

from dashboard.api import error, json_body, json_response
from data_loaders.actions.reviews import ReviewError, record_meeting_as
from data_loaders.store import session_scope
from data_loaders.times import china_today
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
    ]
