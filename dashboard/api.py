"""The HTTP API beside Dash: JSON by orjson, compressed, with ETag and 304. A route list
(routes()) of small handlers, each given what it needs (ApiDeps) and registered in a loop."""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson
from flask import Blueprint, Response, current_app, request
from sqlalchemy import Engine, select
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from caches.briefing_files import BriefingBusy, BriefingFiles, briefing_key
from caches.map_payloads import MapData
from caches.payload import Payload
from dashboard.auth import Auth
from dashboard.i18n import t
from dashboard.openapi import document
from data_loaders.actions.alarms import ActionError, NoSuchAlarm, NotAllowed, act_as
from data_loaders.actions.incidents import (
    IncidentError,
    NoSuchIncident,
    add_note,
    advance_task,
    close_incident,
    inject,
    open_incident,
    send_task,
)
from data_loaders.leader import count_beating, read_leader
from data_loaders.periods import BadPeriod, Period, parse_period
from data_loaders.rules.lifecycle import STATES
from data_loaders.rules.rankings import RankingConfig
from data_loaders.store import (
    get_meta,
    increment_meta,
    read_alarm_version,
    read_data_version,
    session_scope,
)
from data_loaders.store.schema import Grid
from data_loaders.telemetry.alarms import AlarmConfig
from data_loaders.telemetry.store import (
    MAX_MESSAGE_BYTES,
    SensorDirectory,
    count_ingest,
    ingest_body,
    load_ingest_counts,
    load_mqtt_conflicts,
    load_stream_gaps,
)
from data_loaders.times import china_today, parse_instant
from read_models.alarms import load_alarm, load_alarms
from read_models.documents.briefing_files import FORMATS, briefing_names, make_briefing
from read_models.documents.briefing_jobs import briefing_file, list_briefings
from read_models.documents.incident_lists import write_lists
from read_models.documents.incident_report import report_title, write_report
from read_models.documents.pdf import FontMissing
from read_models.exports import EXPORTS, MIMETYPES, ExportError, load_export, write_rows
from read_models.grids import UnknownGrid
from read_models.incidents import load_incident, load_incidents
from read_models.period_stats import load_period_stats
from read_models.rankings import load_rankings
from read_models.search import MAX_SEARCH_CHARS
from read_models.sensors import UnknownSensor, load_readings, load_sensors


def json_response(payload: Any, status: int = 200, cache: bool = True) -> Response:
    """A JSON response; when cacheable, an ETag and a 304 for a matching If-None-Match."""
    body = orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS)
    response = Response(body, status=status, mimetype="application/json")
    if cache and status == 200:
        response.set_etag(hashlib.blake2b(body, digest_size=12).hexdigest())
        response.headers["Cache-Control"] = "no-cache"  # always revalidate: cheap with 304
        response.make_conditional(request)
    return response


def payload_response(
    payload: Payload, immutable: bool, mimetype: str = "application/geo+json"
) -> Response:
    """A cached payload, precompressed (br, else gzip), with ETag/304 and cache headers."""
    accepted = request.headers.get("Accept-Encoding", "")
    encoding = "br" if "br" in accepted else "gzip" if "gzip" in accepted else "identity"
    response = Response(payload.encoded(encoding), mimetype=mimetype)
    if encoding != "identity":
        response.headers["Content-Encoding"] = encoding  # flask-compress leaves it alone
    response.headers["Vary"] = "Accept-Encoding"
    response.set_etag(f"{payload.etag}-{encoding}")
    response.headers["Cache-Control"] = "public, max-age=86400" if immutable else "no-cache"
    return response.make_conditional(request)


def bearer_ok(header: str | None, token: str) -> bool:
    """Whether an Authorization header carries the token (compared in constant time)."""
    if not token or not header or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header.removeprefix("Bearer ").strip().encode(), token.encode())


def error(message: str, status: int, code: str | None = None) -> Response:
    """A JSON error answer (never cached)."""
    body: dict[str, Any] = {"error": message}
    if code:
        body["code"] = code
    return json_response(body, status=status, cache=False)


def parse_time(value: str | None, default: datetime) -> datetime:
    """An ISO 8601 query parameter as an aware UTC time (China time when it has no offset),
    from 2000 to a year ahead; ValueError otherwise (year 1 at +01:00 was a 500)."""
    if not value:
        return default
    now = datetime.now(UTC)
    return parse_instant(value, datetime(2000, 1, 1, tzinfo=UTC), now + timedelta(days=366))


def health_status(
    heartbeat_age_s: float | None, heartbeat_s: int, mqtt_conflicts: dict[str, str] | None = None
) -> tuple[str, list[dict[str, str]]]:
    """ "ok", or "degraded" with its reasons (code and message): the ingest scheduler has never
    beaten, its last heartbeat is older than 3 beats (the data has stopped moving), or another
    MQTT client has lately taken an ingest process's session (its client id)."""
    reasons = []
    if heartbeat_age_s is None:
        reasons.append(
            {"code": "ingest_never_seen", "message": "no ingest heartbeat: is onemap ingest up?"}
        )
    elif heartbeat_age_s > 3 * heartbeat_s:
        message = f"ingest heartbeat {heartbeat_age_s:.0f} s old (beats every {heartbeat_s} s)"
        reasons.append({"code": "ingest_heartbeat_stale", "message": message})
    for client_id, at in sorted((mqtt_conflicts or {}).items()):
        message = f"another MQTT client took the session of client id {client_id!r} ({at})"
        reasons.append({"code": "mqtt_client_id_conflict", "message": message})
    return ("degraded" if reasons else "ok"), reasons


def _age_s(stamp: str) -> float | None:
    """Seconds since an ISO time (None when it is none)."""
    try:
        return round((datetime.now(UTC) - datetime.fromisoformat(stamp)).total_seconds(), 1)
    except ValueError:
        return None


CONFLICT_RECENT_S = 60  # a session taken within this long: still degraded


@dataclass(frozen=True)
class ApiDeps:
    """What the data routes need (see create_api)."""

    engine: Engine
    map_data: MapData
    ingest_token: str = ""
    auth: Auth | None = None
    alarm_config: AlarmConfig = field(default_factory=AlarmConfig)
    ranking: RankingConfig | None = None
    panel_state: Callable[[], dict[str, Any]] | None = None
    bulletin: Callable[[str | None], dict[str, Any]] | None = None
    heartbeat_s: int = 10
    directory: SensorDirectory = field(default_factory=SensorDirectory)
    briefing_dir: str = ""
    briefing_files: BriefingFiles = field(default_factory=BriefingFiles)


Handler = Callable[..., Response]


def telemetry(deps: ApiDeps) -> Response:
    if not deps.ingest_token:
        return json_response({"error": "the HTTP telemetry source is off"}, status=503, cache=False)
    if not bearer_ok(request.headers.get("Authorization"), deps.ingest_token):
        response = json_response(
            {"error": "a valid bearer token is required"}, status=401, cache=False
        )
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    # Also for a chunked body (no Content-Length): Werkzeug stops reading at the limit,
    # silently for a chunked one, so one byte more is read to tell a full body from a cut.
    request.max_content_length = MAX_MESSAGE_BYTES + 1
    try:
        body = request.get_data()
    except RequestEntityTooLarge:
        body = None
    if body is None or len(body) > MAX_MESSAGE_BYTES:
        with session_scope(deps.engine) as session:
            increment_meta(session, "ingest.http.refused", 1)
        return error(f"a message has at most {MAX_MESSAGE_BYTES} bytes", 413, "too_large")
    now = datetime.now(UTC)
    with session_scope(deps.engine) as session:
        result = ingest_body(session, body, deps.directory, "http", now, deps.alarm_config)
        count_ingest(session, "http", result, now)
    counts = {
        "accepted": result.accepted,
        "duplicates": result.duplicates,
        "rejected": result.rejected,
    }
    return json_response(counts, cache=False)


def layer(
    deps: ApiDeps,
    make: Callable[[], Payload],
    live: bool = False,
    mimetype: str = "application/geo+json",
) -> Response:
    """A map layer's payload, made by `make`, for the request's query."""
    map_data = deps.map_data
    if len(request.args.get("q", "")) > MAX_SEARCH_CHARS:
        return error(f"q has at most {MAX_SEARCH_CHARS} characters", 400, "bad_q")
    fresh = request.args.get("v") == map_data.token(live)
    try:
        payload = make()
        if request.args.get("end") == "1":  # the map's own request (MapData.ended)
            payload = map_data.ended(payload, live)
        return payload_response(payload, immutable=fresh, mimetype=mimetype)
    except UnknownGrid as exc:
        return json_response({"error": f"no grid {exc}"}, status=404)
    except ValueError:
        return json_response({"error": "bad parameter"}, status=400)


def grids_layer(deps: ApiDeps) -> Response:
    level = request.args.get("level") or ""
    if level and level not in ("1", "2", "3", "4"):
        return error("level is 1, 2, 3 or 4", 400, "bad_level")
    return layer(
        deps,
        lambda: deps.map_data.grids_geojson(
            int(level) if level else None, request.args.get("parent")
        ),
        live="." in request.args.get("v", ""),  # coloured by open alarms
    )


def enterprises_layer(deps: ApiDeps) -> Response:
    return layer(deps, lambda: deps.map_data.enterprises_geojson(request.args.to_dict()))


def enterprise_clusters(deps: ApiDeps) -> Response:
    # what the map draws: clusters made here, for the zoom and squares it shows
    return layer(
        deps,
        lambda: deps.map_data.enterprise_clusters_json(request.args.to_dict()),
        mimetype="application/json",
    )


def enterprise_clusters_geojson(deps: ApiDeps) -> Response:
    # the same as GeoJSON: what the map's layer draws
    return layer(deps, lambda: deps.map_data.enterprise_clusters_geojson(request.args.to_dict()))


def major_hazards_layer(deps: ApiDeps) -> Response:
    return layer(deps, deps.map_data.major_hazards_geojson)


def listed_dangers_layer(deps: ApiDeps) -> Response:
    return layer(deps, deps.map_data.listed_dangers_geojson)


def incident_layer(deps: ApiDeps) -> Response:
    ident = request.args.get("id", "")
    if not (ident.isascii() and ident.isdigit()) or len(ident) > 9:
        return error("id is an incident's number", 400, "bad_id")
    try:
        return layer(
            deps,
            lambda: deps.map_data.incident_geojson(int(ident), request.args.get("w", "")),
            live=True,
        )
    except LookupError:
        return error(f"no incident {ident}", 404)


def resources_layer(deps: ApiDeps) -> Response:
    return layer(deps, deps.map_data.resources_geojson)


def targets_layer(deps: ApiDeps) -> Response:
    return layer(deps, deps.map_data.targets_geojson)


def alarms_layer(deps: ApiDeps) -> Response:
    return layer(deps, deps.map_data.alarms_geojson, live=True)


def health(deps: ApiDeps) -> Response:
    engine, auth = deps.engine, deps.auth
    with session_scope(engine) as session:
        version = read_data_version(session)
        alarm_version = read_alarm_version(session)
        telemetry_version = int(get_meta(session, "telemetry_version", "0") or 0)
        heartbeat = get_meta(session, "ingest_heartbeat") or None
        last_message = get_meta(session, "ingest.last_message_at") or None
        by_source = load_ingest_counts(session)
        conflicts = load_mqtt_conflicts(session)
        gaps = load_stream_gaps(session)
        dead_letters = int(get_meta(session, "ingest.mqtt.dead_letters", "0") or 0)
        refused = int(get_meta(session, "ingest.http.refused", "0") or 0)
        # the cluster: which ingest process leads the cluster-wide jobs, how many beat
        leader = read_leader(session)
        beating = count_beating(session, datetime.now(UTC), 3 * deps.heartbeat_s)
    age = None
    if heartbeat:
        age = (datetime.now(UTC) - datetime.fromisoformat(heartbeat)).total_seconds()
    now = datetime.now(UTC)
    recent = {
        cid: at
        for cid, at in conflicts.items()
        if (now - datetime.fromisoformat(at)).total_seconds() < CONFLICT_RECENT_S
    }
    status, reasons = health_status(age, deps.heartbeat_s, recent)
    # Watchdogs need no sign-in; what names the store's contents (sensor tags, topics,
    # client ids) is for signed-in people only.
    # (a wall screen's link is no person: it sees what a watchdog sees)
    who = auth.current() if auth is not None else None
    signed_in = who is not None and who.may("viewer")
    if not signed_in:
        gaps = {k: v for k, v in gaps.items() if k != "with_gaps"}
        reasons = [{"code": r["code"], "message": r["code"]} for r in reasons]
    payload = {
        "status": status,
        "reasons": reasons,
        "database": engine.dialect.name,
        "data_version": version,
        "alarm_version": alarm_version,
        "telemetry_version": telemetry_version,
        "ingest": {
            "heartbeat": heartbeat,
            "heartbeat_age_s": age,
            "last_message_at": last_message,
            "sources": by_source,
            "dead_letters": dead_letters,
            "http_refused": refused,
            "mqtt_client_id_conflicts": recent if signed_in else len(recent),
            "gaps": gaps,
            # the leader's name (host:pid) for signed-in users only, as the client ids
            "leader": (leader[0] if signed_in else True) if leader else None,
            "leader_checked_at": leader[1] if leader else None,
            # the leader re-checks every 3 s: much older, the cluster-wide jobs have stopped
            "leader_age_s": _age_s(leader[1]) if leader else None,
            "processes": beating,
        },
        "map_cache": deps.map_data.state(),
    }
    if deps.panel_state is not None:
        payload["panel_cache"] = deps.panel_state()
    # Degraded is still 200: maps and panels are served; a load balancer must keep us.
    # A watchdog of the data asks ?require=ingest and gets 503 then.
    wanted = request.args.get("require", "")
    code = 503 if wanted == "ingest" and status != "ok" else 200
    if wanted not in ("", "ingest"):
        return error("require must be ingest", 400, "bad_require")
    return json_response(payload, status=code, cache=False)


def sensors(deps: ApiDeps) -> Response:
    with session_scope(deps.engine) as session:
        items = load_sensors(session, request.args.get("enterprise") or None)
    return json_response(items)


def readings(deps: ApiDeps, tag: str) -> Response:
    now = datetime.now(UTC)
    try:
        since = parse_time(request.args.get("since"), now - timedelta(hours=24))
        until = parse_time(request.args.get("until"), now) if "until" in request.args else None
    except ValueError:
        return error("since/until must be ISO 8601 times", 400)
    try:
        with session_scope(deps.engine) as session:
            items = load_readings(session, tag, since, until)
    except UnknownSensor:
        return error(f"no sensor {tag}", 404)
    return json_response({"sensor": tag, "since": since.isoformat(), "readings": items})


def alarms(deps: ApiDeps) -> Response:
    states = [x for x in (request.args.get("state") or "").split(",") if x]
    if any(x not in STATES for x in states):
        return error(f"state is one of {', '.join(STATES)}", 400)
    try:
        limit = min(max(int(request.args.get("limit", 500)), 1), 5000)
    except ValueError:
        return error("limit must be a number", 400)
    drill = request.args.get("drill") in ("1", "true")
    with session_scope(deps.engine) as session:
        items = load_alarms(session, states, limit, drill)
    return json_response(items)


def alarm(deps: ApiDeps, alarm_id: int) -> Response:
    with session_scope(deps.engine) as session:
        item = load_alarm(session, alarm_id)
    return json_response(item) if item else error(f"no alarm {alarm_id}", 404)


NUL = "\x00"


def nul_at(value: Any, where: str = "body") -> str | None:
    """Where a decoded JSON value first holds a NUL character (a key or a text), else None:
    PostgreSQL cannot store one (psycopg raised DataError, a 500, on every such text)."""
    stack = [(value, where)]
    while stack:  # (no recursion: the parser already bounds the depth)
        item, at = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                return at
        elif isinstance(item, dict):
            for key, inner in item.items():
                if NUL in str(key):
                    return at
                stack.append((inner, f"{at}.{key}"))
        elif isinstance(item, list):
            stack.extend((inner, f"{at}[{i}]") for i, inner in enumerate(item))
    return None


def no_nul() -> Response | None:
    """Before every API route: a query argument or path part holding a NUL is a 400 (the
    stores' texts cannot hold one; PostgreSQL raised DataError, a 500, for ?grid=%00)."""
    for key, value in request.args.items(multi=True):
        if NUL in key or NUL in value:
            return error(f"{key.replace(NUL, '')!r}: no NUL characters", 400, "bad_text")
    for key, value in (request.view_args or {}).items():
        if isinstance(value, str) and NUL in value:
            return error(f"{key}: no NUL characters", 400, "bad_text")
    return None


def json_body() -> Any:
    """The request's JSON body, or an error response (JSON only: a cross-site form cannot
    send it without a CORS preflight, the CSRF guard of every state change here)."""
    if not request.is_json:
        return error("send a JSON body (Content-Type: application/json)", 415)
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # [[[[… nested past the parser's depth
        return error("the body is nested too deeply", 400)
    if not isinstance(body, dict):
        return error("the body must be a JSON object", 400)
    where = nul_at(body)
    if where:
        return error(f"{where}: no NUL characters", 400, "bad_text")
    return body


def alarm_action(deps: ApiDeps, alarm_id: int, action: str) -> Response:
    body = json_body()
    if isinstance(body, Response):
        return body
    who = deps.auth.current() if deps.auth else None
    try:
        act_as(
            deps.engine,
            who.name if who else None,
            who.role if who else None,
            alarm_id,
            action,
            body,
        )
    except NotAllowed as exc:
        return error(str(exc), 403, "forbidden")
    except NoSuchAlarm:
        return error(f"no alarm {alarm_id}", 404)
    except ActionError as exc:
        return error(str(exc), 409 if exc.code == "wrong_state" else 400, exc.code)
    with session_scope(deps.engine) as session:
        return json_response(load_alarm(session, alarm_id), cache=False)


def _incident_error(exc: IncidentError) -> Response:
    return json_response(
        {
            "error": exc.message_en,
            "error_zh": exc.message_zh,
            "code": exc.code,
            "field": exc.field,
        },
        409 if exc.code in ("wrong_state", "not_drill") else 400,
        cache=False,
    )


def incidents(deps: ApiDeps) -> Response:
    state = request.args.get("state", "open")
    if state not in ("open", "closed", "all"):
        return error("state is open, closed or all", 400)
    with session_scope(deps.engine) as session:
        return json_response(load_incidents(session, None if state == "all" else state))


def incident(deps: ApiDeps, incident_id: int) -> Response:
    with session_scope(deps.engine) as session:
        item = load_incident(session, incident_id, datetime.now(UTC))
    return json_response(item, cache=False) if item else error(f"no incident {incident_id}", 404)


def attachment(body: bytes, mimetype: str, ascii_name: str, name: str) -> Response:
    """A file to download, never cached: its name in ASCII and, for browsers that read it,
    in UTF-8 (RFC 6266 / 5987 filename*)."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def incident_document(deps: ApiDeps, incident_id: int, kind: str) -> Response:
    # the after-action report (PDF) or the lists (XLSX), both made from the incident
    # document the page shows (load_incident), so their figures are its figures
    lang = "en" if request.args.get("lang") == "en" else "zh"
    now = datetime.now(UTC)
    with session_scope(deps.engine) as session:
        doc = load_incident(session, incident_id, now)
    if doc is None:
        return error(f"no incident {incident_id}", 404)
    day = china_today(now).strftime("%Y%m%d")
    if kind == "report":
        try:
            body = write_report(doc, now, lang)
        except FontMissing as exc:
            return error(str(exc), 503, "no_font")
        title = report_title(doc, lang)
        local = f"{title}-{incident_id}-{day}.pdf"
        return attachment(body, "application/pdf", f"incident-{incident_id}-report.pdf", local)
    part = "疏散与通知名单" if lang == "zh" else "lists"
    mark = ("演练-" if lang == "zh" else "drill-") if doc["drill"] else ""
    local = f"{mark}{part}-{incident_id}-{day}.xlsx"
    return attachment(
        write_lists(doc, now, lang), MIMETYPES["xlsx"], f"incident-{incident_id}-lists.xlsx", local
    )


def incident_report(deps: ApiDeps, incident_id: int) -> Response:
    return incident_document(deps, incident_id, "report")


def incident_lists(deps: ApiDeps, incident_id: int) -> Response:
    return incident_document(deps, incident_id, "lists")


def open_incident_route(deps: ApiDeps) -> Response:
    body = json_body()
    if isinstance(body, Response):
        return body
    who = deps.auth.current() if deps.auth else None
    try:
        new_id = open_incident(
            deps.engine, who.name if who else None, who.role if who else None, body
        )
    except NotAllowed as exc:
        return error(str(exc), 403, "forbidden")
    except IncidentError as exc:
        return _incident_error(exc)
    except LookupError as exc:
        return error(str(exc), 404, "not_found")
    with session_scope(deps.engine) as session:
        item = load_incident(session, new_id, datetime.now(UTC))
    return json_response(item, 201, cache=False)


def _change_incident(deps: ApiDeps, incident_id: int, change: Callable[..., Any]) -> Response:
    """Run one operator change on an incident (JSON body; the role is checked by the action)
    and answer with the incident as it now is."""
    body = json_body()
    if isinstance(body, Response):
        return body
    who = deps.auth.current() if deps.auth else None
    try:
        change(deps.engine, who.name if who else None, who.role if who else None, body)
    except NotAllowed as exc:
        return error(str(exc), 403, "forbidden")
    except NoSuchIncident as exc:
        return error(str(exc) or f"no incident {incident_id}", 404)
    except IncidentError as exc:
        return _incident_error(exc)
    with session_scope(deps.engine) as session:
        return json_response(load_incident(session, incident_id, datetime.now(UTC)), cache=False)


def close_incident_route(deps: ApiDeps, incident_id: int) -> Response:
    return _change_incident(
        deps, incident_id, lambda e, a, r, b: close_incident(e, a, r, incident_id, b)
    )


def note_route(deps: ApiDeps, incident_id: int) -> Response:
    return _change_incident(deps, incident_id, lambda e, a, r, b: add_note(e, a, r, incident_id, b))


def task_route(deps: ApiDeps, incident_id: int) -> Response:
    return _change_incident(
        deps, incident_id, lambda e, a, r, b: send_task(e, a, r, incident_id, b)
    )


def task_step_route(deps: ApiDeps, incident_id: int, task_id: int) -> Response:
    return _change_incident(
        deps, incident_id, lambda e, a, r, b: advance_task(e, a, r, incident_id, task_id, b)
    )


def inject_route(deps: ApiDeps, incident_id: int) -> Response:
    # a telemetry body (any of the three formats) naming real sensors; JSON only (CSRF)
    if not request.is_json:
        return error("send a JSON body (Content-Type: application/json)", 415)
    request.max_content_length = MAX_MESSAGE_BYTES + 1
    try:
        body = request.get_data()
    except RequestEntityTooLarge:
        return error(f"a message has at most {MAX_MESSAGE_BYTES} bytes", 413, "too_large")
    try:  # (a NUL in a sensor tag was a 500 on PostgreSQL; other faults are inject's)
        where = nul_at(orjson.loads(body))
    except (orjson.JSONDecodeError, RecursionError):
        where = None
    if where:
        return error(f"{where}: no NUL characters", 400, "bad_text")
    who = deps.auth.current() if deps.auth else None
    try:
        counts = inject(
            deps.engine,
            who.name if who else None,
            who.role if who else None,
            incident_id,
            body,
            config=deps.alarm_config,
        )
    except NotAllowed as exc:
        return error(str(exc), 403, "forbidden")
    except NoSuchIncident:
        return error(f"no incident {incident_id}", 404)
    except IncidentError as exc:
        return _incident_error(exc)
    return json_response(counts, cache=False)


def _period_arg(now: datetime) -> Period | Response:
    """The `period` of a request (YYYY-MM, YYYY-Qn, YYYY-Wnn; none: this month), or the 400."""
    try:
        return parse_period(request.args.get("period"), china_today(now))
    except BadPeriod as exc:
        return error(str(exc), 400, "bad_period")


def stats(deps: ApiDeps) -> Response:
    grid = request.args.get("grid") or None
    if request.args.get("period"):  # the KPI document as at a period's end, with the period
        now = datetime.now(UTC)
        period = _period_arg(now)
        if isinstance(period, Response):
            return period
        try:
            with session_scope(deps.engine) as session:
                doc = load_period_stats(session, grid, period, now)
        except UnknownGrid:
            return json_response({"error": f"no grid {grid}"}, status=404)
        return json_response(doc, cache=False)
    try:
        payload = deps.map_data.stats_json(grid)
    except UnknownGrid:
        return json_response({"error": f"no grid {grid}"}, status=404)
    return payload_response(payload, immutable=False, mimetype="application/json")


def rankings(deps: ApiDeps) -> Response:
    # the bulletin of the towns, monthly (?month=YYYY-MM) or quarterly (?quarter=YYYY-Qn,
    # 一季一排名); README "Monthly ranking" documents the score
    args = request.args
    quarter = args.get("quarter")
    if quarter is not None and not QUARTER.match(quarter[:10]):
        return error(f"quarter must be YYYY-Qn, not {quarter[:10]!r}", 400, "bad_period")
    month = args.get("month")
    if quarter is None and month and not MONTH.match(month.strip()[:10]):
        return error(f"month must be YYYY-MM, not {month[:10]!r}", 400, "bad_month")
    wanted = quarter if quarter is not None else month
    try:
        if deps.bulletin is not None:
            doc = deps.bulletin(wanted)
        else:
            with session_scope(deps.engine) as session:
                doc = load_rankings(session, wanted, china_today(), deps.ranking)
    except BadPeriod as exc:
        return error(str(exc), 400, "bad_month" if quarter is None else "bad_period")
    return json_response(doc)


def export_list(deps: ApiDeps, name: str, fmt: str) -> Response:
    # a panel list whole (the panel shows its first rows), as CSV or XLSX; signed-in
    # viewers and up, like every GET here (the gate in dashboard.auth)
    args = request.args
    lang = args.get("lang") if args.get("lang") in ("zh", "en") else "zh"
    if name not in EXPORTS or fmt not in MIMETYPES:
        return error(f"no export {name}.{fmt}", 404)
    try:
        with session_scope(deps.engine) as session:
            rows = load_export(
                session,
                name,
                china_today(),
                grid=args.get("grid") or None,
                campaign=args.get("campaign") or None,
                enterprise=args.get("enterprise") or None,
            )
    except UnknownGrid as exc:
        return error(f"no grid {exc}", 404)
    except ExportError as exc:
        return error(str(exc), 400, "bad_export")
    columns = EXPORTS[name]
    body = write_rows(
        [t(key, lang) for _f, key, _p in columns],
        [[t(p + str(r[f]), lang) if p and r[f] else r[f] for f, _k, p in columns] for r in rows],
        fmt,
    )
    response = Response(body, content_type=MIMETYPES[fmt])
    scope = "".join(
        ch
        for ch in (args.get("grid") or args.get("enterprise") or "")
        if ch.isascii() and ch.isalnum()
    )
    filename = f"{name}-{scope[:40] or 'county'}-{china_today().isoformat()}.{fmt}"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def briefing(deps: ApiDeps, fmt: str) -> Response:
    # the leadership briefing of a scope and period, PDF or Word; viewers and up alike (a
    # GET, behind the gate in dashboard.auth). Made on request: the county's takes seconds.
    if fmt not in FORMATS:
        return error(f"no briefing .{fmt}", 404)
    now = datetime.now(UTC)
    period = _period_arg(now)
    if isinstance(period, Response):
        return period
    lang = "en" if request.args.get("lang") == "en" else "zh"
    grid = request.args.get("grid") or None

    def make() -> tuple[bytes, dict[str, Any]]:
        with session_scope(deps.engine) as session:
            return make_briefing(session, grid, period, now, fmt, lang, deps.ranking)

    # the same file for the same data: kept, and made one at a time (caches.briefing_files)
    key = briefing_key(deps.map_data, period, "file", grid, fmt, lang)
    try:
        body, doc = deps.briefing_files.get(key, make)
    except UnknownGrid:
        return error(f"no grid {(grid or '')[:40]}", 404)
    except FontMissing as exc:
        return error(str(exc), 503, "no_font")
    except BriefingBusy as exc:
        response = error(str(exc), 503, "busy")
        response.headers["Retry-After"] = "10"
        return response
    ascii_name, local = briefing_names(doc, fmt, lang)
    return attachment(body, FORMATS[fmt], ascii_name, local)


def briefings(deps: ApiDeps) -> Response:
    # the monthly briefings the scheduler made (ONEMAP_BRIEFING_DIR), newest first, named
    if not deps.briefing_dir:
        return json_response({"briefings": [], "folder": False}, cache=False)
    items = list_briefings(Path(deps.briefing_dir))
    with session_scope(deps.engine) as session:
        names = dict(session.execute(select(Grid.code, Grid.name)).all())
    for item in items:
        item["grid_name"] = names.get(item["grid"])
        item["url"] = f"/api/briefings/{item['period']}/{item['name']}"
    return json_response({"briefings": items, "folder": True}, cache=False)


def openapi_route(deps: ApiDeps) -> Response:
    # the API described, from this very route list (dashboard.openapi)
    return json_response(document(routes()))


def not_found(deps: ApiDeps, rest: str) -> Response:
    # any other /api/ path: a JSON 404 (Dash's catch-all page route answered it in text), or
    # a 405 naming the methods the path has (a GET of /api/telemetry, a POST of /api/alarms)
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in ("GET", "POST"):
        try:
            rule, _args = adapter.match(method=method, return_rule=True)
        except HTTPException:
            continue
        # (Dash's page route takes any path: not this one's)
        page = rule.endpoint == "onemap_api.not_found" or rule.rule.endswith("<path:path>")
        if method != request.method and not page:
            allowed.append(method)
    if allowed:
        response = error(f"{request.method} is not allowed here: {', '.join(allowed)}", 405)
        response.headers["Allow"] = ", ".join(allowed)
        return response
    return error(f"no route /api/{rest[:80]}", 404, "no_route")


def briefing_download(deps: ApiDeps, period: str, name: str) -> Response:
    path = briefing_file(Path(deps.briefing_dir), period, name) if deps.briefing_dir else None
    if path is None:
        return error("no such briefing", 404)
    fmt = path.suffix.lstrip(".")
    return attachment(path.read_bytes(), FORMATS[fmt], path.name, path.name)


GET, POST = ("GET",), ("POST",)
QUARTER = re.compile(r"^\d{4}-Q[1-4]$")
MONTH = re.compile(r"^\d{4}-\d{2}$")
ALARM_ID = "<int(max=2147483647):alarm_id>"  # an id the store can hold
INCIDENT_ID = "<int(max=2147483647):incident_id>"
TASK_ID = "<int(max=2147483647):task_id>"


def routes() -> list[tuple[str, Handler, tuple[str, ...]]]:
    """The data routes: (URL rule, handler, methods); a handler takes the ApiDeps, then the
    rule's variables. State changes (POST) check who may: telemetry by its bearer token,
    alarm actions by the signed-in role (act_as); the gate in dashboard.auth guards them all."""
    # the review's routes live in their own module, which takes this one's helpers
    from dashboard.review_api import routes as review_routes

    return [
        ("/api/telemetry", telemetry, POST),
        ("/api/layers/grids.geojson", grids_layer, GET),
        ("/api/layers/enterprises.geojson", enterprises_layer, GET),
        ("/api/layers/enterprise-clusters.json", enterprise_clusters, GET),
        ("/api/layers/enterprise-clusters.geojson", enterprise_clusters_geojson, GET),
        ("/api/layers/major-hazards.geojson", major_hazards_layer, GET),
        ("/api/layers/listed-dangers.geojson", listed_dangers_layer, GET),
        ("/api/layers/resources.geojson", resources_layer, GET),
        ("/api/layers/incident.geojson", incident_layer, GET),
        ("/api/layers/targets.geojson", targets_layer, GET),
        ("/api/layers/alarms.geojson", alarms_layer, GET),
        ("/health", health, GET),
        ("/api/sensors", sensors, GET),
        ("/api/sensors/<tag>/readings", readings, GET),
        ("/api/alarms", alarms, GET),
        (f"/api/alarms/{ALARM_ID}", alarm, GET),
        (f"/api/alarms/{ALARM_ID}/<action>", alarm_action, POST),
        ("/api/incidents", incidents, GET),
        ("/api/incidents", open_incident_route, POST),
        (f"/api/incidents/{INCIDENT_ID}", incident, GET),
        (f"/api/incidents/{INCIDENT_ID}/report.pdf", incident_report, GET),
        (f"/api/incidents/{INCIDENT_ID}/lists.xlsx", incident_lists, GET),
        (f"/api/incidents/{INCIDENT_ID}/close", close_incident_route, POST),
        (f"/api/incidents/{INCIDENT_ID}/inject", inject_route, POST),
        (f"/api/incidents/{INCIDENT_ID}/notes", note_route, POST),
        (f"/api/incidents/{INCIDENT_ID}/tasks", task_route, POST),
        (f"/api/incidents/{INCIDENT_ID}/tasks/{TASK_ID}", task_step_route, POST),
        ("/api/stats", stats, GET),
        ("/api/rankings", rankings, GET),
        ("/api/briefing.<fmt>", briefing, GET),
        ("/api/briefings", briefings, GET),
        ("/api/briefings/<period>/<name>", briefing_download, GET),
        ("/api/exports/<name>.<fmt>", export_list, GET),
        ("/api/openapi.json", openapi_route, GET),
        *review_routes(),
    ]


def create_api(
    engine: Engine,
    map_data: MapData,
    ingest_token: str = "",
    auth: Auth | None = None,
    alarm_config: AlarmConfig | None = None,
    ranking: RankingConfig | None = None,
    panel_state: Callable[[], dict[str, Any]] | None = None,
    bulletin: Callable[[str | None], dict[str, Any]] | None = None,
    heartbeat_s: int = 10,
    briefing_dir: str = "",
    briefing_files: BriefingFiles | None = None,
) -> Blueprint:
    """The blueprint of the data routes (panel_state: the panel cache's, for /health;
    bulletin(month): the monthly ranking from that cache, else read from the store)."""
    deps = ApiDeps(
        engine,
        map_data,
        ingest_token,
        auth,
        alarm_config or AlarmConfig(),
        ranking,
        panel_state,
        bulletin,
        heartbeat_s,
        briefing_dir=briefing_dir,
        briefing_files=briefing_files or BriefingFiles(),
    )
    api = Blueprint("onemap_api", __name__)
    api.before_request(no_nul)
    for rule, handler, methods in routes():
        api.add_url_rule(
            rule, handler.__name__, functools.partial(handler, deps), methods=list(methods)
        )
    # not in routes() (so not in the document): the answer for a path no route has
    api.add_url_rule(
        "/api/<path:rest>",
        "not_found",
        functools.partial(not_found, deps),
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
    )

    @api.app_errorhandler(HTTPException)
    def api_http_error(exc: HTTPException) -> Response | HTTPException:
        # an /api/ path's HTTP error (an id past its rule's bound, a body too large) in JSON,
        # as the document says; the pages keep Flask's own
        if not request.path.startswith("/api/") or exc.code is None or exc.code < 400:
            return exc
        return error(exc.description or exc.name, exc.code, exc.name.lower().replace(" ", "_"))

    return api
