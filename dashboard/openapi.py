"""The API described: an OpenAPI 3.1 document built from the route list (dashboard.api.routes)
and a description per handler here (DESCRIBED), so a route added without one fails the test
that builds the document (KeyError). Bounds in the schemas are the routes' own checks."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from data_loaders.actions.incidents import (
    LAT_RANGE,
    LON_RANGE,
    MAX_NOTE,
    MAX_SUMMARY,
    MAX_TITLE,
    RELEASE_KINDS,
    TASK_STEPS,
)
from data_loaders.actions.reviews import (
    ATTENDEES_MAX,
    MAX_DECISIONS,
    MAX_NOTES,
    OWNER_MAX,
    TEXT_MAX,
    TITLE_MAX,
)
from data_loaders.rules.lifecycle import ACTIONS, MAX_TEXT, STATES
from data_loaders.rules.zones import MAX_RADIUS_M, MAX_RINGS, MIN_RADIUS_M
from data_loaders.telemetry.store import MAX_MESSAGE_BYTES
from data_loaders.vocab import INCIDENT_KINDS
from read_models.documents.briefing_files import FORMATS
from read_models.exports import EXPORTS, MIMETYPES
from read_models.search import MAX_SEARCH_CHARS

Schema = dict[str, Any]
Route = tuple[str, Callable[..., Any], tuple[str, ...]]

INT_ID = {"type": "integer", "minimum": 0, "maximum": 2147483647}  # the rules' int(max=…)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
BINARY: Schema = {"type": "string", "format": "binary"}
ANY_OBJECT: Schema = {"type": "object"}  # a document whose fields grow (readers ignore more)
ERROR: Schema = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string"},
        "code": {"type": "string"},
        "error_zh": {"type": "string"},
        "field": {"type": ["string", "null"]},
    },
}
FEATURES: Schema = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"const": "FeatureCollection"},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "geometry", "properties"],
                "properties": {"type": {"const": "Feature"}},
            },
        },
    },
}
COUNTS: Schema = {
    "type": "object",
    "required": ["accepted", "duplicates", "rejected"],
    "properties": {
        k: {"type": "integer", "minimum": 0} for k in ("accepted", "duplicates", "rejected")
    },
}
ALARM: Schema = {
    "type": "object",
    "required": ["id", "sensor", "level", "state", "opened_at", "peak", "count"],
    "properties": {
        "id": {"type": "integer"},
        "sensor": {"type": "string"},
        "level": {"type": "integer", "enum": [1, 2]},
        "state": {"enum": list(STATES)},
        "opened_at": {"type": "string", "format": "date-time"},
        "count": {"type": "integer"},
        "events": {
            "type": "array",
            "items": {"type": "object", "required": ["at", "actor", "action", "note"]},
        },
    },
}
INCIDENT: Schema = {"type": "object", "required": ["id", "state"]}
MEETING: Schema = {
    "type": "object",
    "required": ["id", "held_on", "title", "committees", "decisions"],
    "properties": {
        "id": {"type": "integer"},
        "held_on": {"type": "string", "format": "date"},
        "committees": {"type": "array"},
        "decisions": {"type": "array"},
    },
}
PROBLEMS: Schema = {
    "type": "object",
    "required": ["error", "errors"],
    "properties": {
        "error": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {"type": "object", "required": ["sheet", "row", "column", "zh", "en"]},
        },
    },
}
STATS: Schema = {
    "type": "object",
    "required": ["grid", "grids", "enterprises", "hidden_dangers", "alarms", "data_version"],
}
RANKINGS: Schema = {"type": "object", "required": ["period", "kind", "towns"]}
REVIEW: Schema = {"type": "object", "required": ["committee", "since", "today", "committees"]}
HEALTH: Schema = {
    # another field may join at any time: readers take what they know (additional allowed)
    "type": "object",
    "required": ["status", "reasons", "database", "data_version", "ingest"],
    "properties": {
        "status": {"enum": ["ok", "degraded"]},
        "reasons": {
            "type": "array",
            "items": {"type": "object", "required": ["code", "message"]},
        },
        "database": {"type": "string"},
        "data_version": {"type": "integer"},
    },
    "additionalProperties": True,
}

# --- parameters ------------------------------------------------------------------------


def query(name: str, schema: Schema, text: str, required: bool = False) -> Schema:
    """A query parameter."""
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": text,
        "schema": schema,
    }


TEXT = {"type": "string", "maxLength": 200}
GRID = query("grid", {"type": "string", "maxLength": 40}, "a grid's code (its area and below)")
LANG = query("lang", {"enum": ["zh", "en"]}, "the document's language (zh by default)")
V = query("v", {"type": "string", "maxLength": 40}, "the data version (cached a day when current)")
END = query("end", {"enum": ["1"]}, "end the collection with the map's end feature")
PERIOD = query(
    "period",
    {"type": "string", "pattern": r"^\d{4}-(\d{2}|Q[1-4]|W\d{2})$"},
    "a month YYYY-MM, a quarter YYYY-Qn or an ISO week YYYY-Wnn (default this month)",
)
FILTERS = [
    query("class", TEXT, "safety classes, comma separated (green, blue, yellow, red)"),
    query("industry", TEXT, "industries, comma separated"),
    query("tag", TEXT, "risk tags, comma separated"),
    GRID,
    query("q", {"type": "string", "maxLength": MAX_SEARCH_CHARS}, "a name or credit code"),
]
CLUSTERS = [
    query("z", {"type": "integer", "minimum": 0, "maximum": 22}, "the map's zoom", True),
    query(
        "cells",
        {"type": "string", "pattern": r"^\d{1,7},\d{1,7},\d{1,7},\d{1,7}$"},
        "squares x0,y0,x1,y1 at the zoom (at most 250,000 of them)",
    ),
    *FILTERS,
    V,
    END,
]
REVIEW_ARGS = [
    query(
        "committee",
        {"type": "string", "pattern": r"^(all|[A-Za-z0-9_\-]{1,32})$"},
        "a committee's code, or all (the default)",
    ),
    query("since", {"type": "string", "format": "date"}, "changes since this day (2000 to today)"),
]


def body(schema: Schema, media: str = "application/json", required: bool = True) -> Schema:
    """A request body."""
    return {"required": required, "content": {media: {"schema": schema}}}


def json_of(schema: Schema, text: str = "") -> Schema:
    """A JSON response."""
    return {"description": text or "JSON", "content": {"application/json": {"schema": schema}}}


def file_of(media: str, text: str) -> Schema:
    """A file to download (Content-Disposition: attachment)."""
    return {"description": text, "content": {media: {"schema": BINARY}}}


def geojson(text: str) -> Schema:
    """A map layer's GeoJSON."""
    return {"description": text, "content": {"application/geo+json": {"schema": FEATURES}}}


def err(text: str) -> Schema:
    """An error answer."""
    return json_of(ERROR, text)


BAD = err("a parameter is out of its bounds or holds a NUL (the message says which)")
NOT_FOUND = err("no such thing")
BUSY = err("the document's font is missing or it is being made (Retry-After)")

# --- the routes' descriptions, by handler name --------------------------------------------


def layer_of(text: str, *params: Schema, not_found: bool = False) -> dict[str, Any]:
    """A map layer route's description."""
    responses = {"200": geojson(text), "400": BAD}
    if not_found:
        responses["404"] = NOT_FOUND
    return {
        "summary": text,
        "tags": ["map"],
        "parameters": [*params, V, END],
        "etag": True,
        "responses": responses,
    }


ACTION_BODY = {
    "type": "object",
    "description": "dispatch: assignee, due (within a year); dispose: feedback; close: reason",
    "properties": {
        "note": {"type": "string", "maxLength": MAX_TEXT},
        "assignee": {"type": "string", "maxLength": MAX_TEXT},
        "due": {"type": "string", "format": "date-time"},
        "feedback": {"type": "string", "maxLength": MAX_TEXT},
        "reason": {"type": "string", "maxLength": MAX_TEXT},
    },
}
INCIDENT_BODY = {
    "type": "object",
    "required": ["kind"],
    "properties": {
        "kind": {"enum": list(INCIDENT_KINDS)},
        "drill": {"type": "boolean"},
        "title": {"type": "string", "maxLength": MAX_TITLE},
        "enterprise": {"type": "string", "maxLength": 18, "description": "its credit code"},
        "lon": {"type": "number", "minimum": LON_RANGE[0], "maximum": LON_RANGE[1]},
        "lat": {"type": "number", "minimum": LAT_RANGE[0], "maximum": LAT_RANGE[1]},
        "radii_m": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_RINGS,
            "items": {"type": "number", "minimum": MIN_RADIUS_M, "maximum": MAX_RADIUS_M},
        },
        "release": {
            "type": "object",
            "description": f"a plume's release (kinds {', '.join(RELEASE_KINDS)} only)",
            "additionalProperties": False,
            "properties": {
                "substance": {"type": "string"},
                "rate_kg_s": {"type": "number"},
                "wind_from_deg": {"type": "number"},
                "wind_m_s": {"type": "number"},
                "stability": {"type": "string"},
            },
        },
        "alarm": {"type": "integer", "minimum": 1, "maximum": 2147483647},
    },
}
CHANGE = {
    "200": json_of(INCIDENT, "the incident as it now is"),
    "400": BAD,
    "409": err("the incident is closed, or a task's step is skipped"),
}
TELEMETRY_BODY = {
    "description": "native, SenML or ThingsBoard gateway JSON (README: Telemetry)",
    "oneOf": [{"type": "object"}, {"type": "array"}],
}

DESCRIBED: dict[str, dict[str, Any]] = {
    "telemetry": {
        "summary": "Take sensor readings (native, SenML or ThingsBoard JSON)",
        "tags": ["telemetry"],
        "security": [{"bearer": []}],
        "any_type": True,
        "requestBody": body(TELEMETRY_BODY, required=False),
        "responses": {
            "200": json_of(COUNTS, "how many readings were taken, repeated, refused"),
            "401": err("a valid bearer token is required"),
            "413": err(f"a message has at most {MAX_MESSAGE_BYTES} bytes"),
            "503": err("the HTTP telemetry source is off (no ONEMAP_INGEST_TOKEN)"),
        },
    },
    "grids_layer": layer_of(
        "Grids of a level, or the children of a grid",
        query("level", {"type": "integer", "enum": [1, 2, 3, 4]}, "the grid level"),
        query("parent", {"type": "string", "maxLength": 40}, "a grid's code: its children"),
        not_found=True,
    ),
    "enterprises_layer": layer_of("Enterprises the filters keep", *FILTERS, not_found=True),
    "enterprise_clusters": {
        "summary": "Enterprise clusters at a zoom, made on the server",
        "tags": ["map"],
        "parameters": CLUSTERS,
        "etag": True,
        "responses": {
            "200": json_of(
                {"type": "object", "required": ["zoom", "clusters", "points"]}, "clusters"
            ),
            "400": BAD,
            "404": NOT_FOUND,
        },
    },
    "enterprise_clusters_geojson": layer_of("The clusters as GeoJSON", *CLUSTERS[:-2])
    | {"responses": {"200": geojson("clusters"), "400": BAD, "404": NOT_FOUND}},
    "major_hazards_layer": layer_of("Major hazard installations"),
    "listed_dangers_layer": layer_of("Listed major hidden dangers"),
    "resources_layer": layer_of("Emergency resources"),
    "incident_layer": layer_of(
        "An incident's zones",
        query("id", {"type": "integer", "minimum": 0, "maximum": 999999999}, "", True),
        query("w", {"type": "string", "maxLength": 40}, "the minute of the wind"),
        not_found=True,
    ),
    "targets_layer": layer_of("Sensitive targets"),
    "alarms_layer": layer_of("Open alarms"),
    "health": {
        "summary": "Health for watchdogs (degraded is still 200)",
        "tags": ["operations"],
        "public": True,
        "parameters": [
            query("require", {"enum": ["ingest"]}, "503 when the ingest is not ok"),
        ],
        "responses": {
            "200": json_of(HEALTH, "ok or degraded, with the reasons"),
            "400": BAD,
            "503": json_of(HEALTH, "?require=ingest and the ingest is not ok"),
        },
    },
    "sensors": {
        "summary": "Sensors with their latest reading",
        "tags": ["telemetry"],
        "etag": True,
        "parameters": [
            query("enterprise", {"type": "string", "maxLength": 40}, "an enterprise's code")
        ],
        "responses": {
            "200": json_of(
                {
                    "type": "array",
                    "items": {"type": "object", "required": ["tag", "kind", "unit", "latest"]},
                },
                "sensors",
            )
        },
    },
    "readings": {
        "summary": "A sensor's readings",
        "tags": ["telemetry"],
        "etag": True,
        "parameters": [
            query("since", {"type": "string", "format": "date-time"}, "default a day ago"),
            query("until", {"type": "string", "format": "date-time"}, "default now"),
        ],
        "responses": {
            "200": json_of(
                {"type": "object", "required": ["sensor", "since", "readings"]}, "readings"
            ),
            "400": BAD,
        },
    },
    "alarms": {
        "summary": "Alarms, newest first",
        "tags": ["alarms"],
        "etag": True,
        "parameters": [
            query(
                "state",
                {"type": "string", "pattern": rf"^({'|'.join(STATES)})(,({'|'.join(STATES)}))*$"},
                "states, comma separated",
            ),
            query("limit", {"type": "integer", "minimum": 1, "maximum": 5000}, "default 500"),
            query("drill", {"enum": ["1", "true", "0", "false"]}, "a drill's alarms"),
        ],
        "responses": {"200": json_of({"type": "array", "items": ALARM}, "alarms"), "400": BAD},
    },
    "alarm": {
        "summary": "An alarm with its events",
        "tags": ["alarms"],
        "etag": True,
        "responses": {"200": json_of(ALARM, "the alarm")},
    },
    "alarm_action": {
        "summary": "Acknowledge, dispatch, dispose or close an alarm (operator)",
        "tags": ["alarms"],
        "path": {"action": {"enum": list(ACTIONS)}},
        "requestBody": body(ACTION_BODY),
        "responses": {
            "200": json_of(ALARM, "the alarm as it now is"),
            "400": BAD,
            "409": err("the alarm's state does not allow the action"),
        },
    },
    "incidents": {
        "summary": "Incidents",
        "tags": ["incidents"],
        "etag": True,
        "parameters": [query("state", {"enum": ["open", "closed", "all"]}, "default open")],
        "responses": {"200": json_of({"type": "array", "items": ANY_OBJECT}), "400": BAD},
    },
    "open_incident_route": {
        "summary": "Open an incident (operator)",
        "tags": ["incidents"],
        "requestBody": body(INCIDENT_BODY),
        "responses": {"201": json_of(INCIDENT, "the new incident"), "400": BAD, "404": NOT_FOUND},
    },
    "incident": {
        "summary": "An incident: zones, plume, tasks, notes",
        "tags": ["incidents"],
        "responses": {"200": json_of(INCIDENT)},
    },
    "incident_report": {
        "summary": "An incident's after-action report",
        "tags": ["incidents"],
        "parameters": [LANG],
        "responses": {"200": file_of("application/pdf", "the report"), "503": BUSY},
    },
    "incident_lists": {
        "summary": "An incident's evacuation and notification lists",
        "tags": ["incidents"],
        "parameters": [LANG],
        "responses": {"200": file_of(XLSX, "the lists")},
    },
    "close_incident_route": {
        "summary": "Close an incident (operator)",
        "tags": ["incidents"],
        "requestBody": body(
            {
                "type": "object",
                "required": ["summary"],
                "properties": {
                    "summary": {"type": "string", "minLength": 1, "maxLength": MAX_SUMMARY}
                },
            }
        ),
        "responses": CHANGE,
    },
    "inject_route": {
        "summary": "Inject a drill's readings (operator)",
        "tags": ["incidents"],
        "requestBody": body(TELEMETRY_BODY),
        "responses": {
            "200": json_of(COUNTS),
            "400": BAD,
            "409": err("the incident is not a drill, or it is closed"),
            "413": err(f"a message has at most {MAX_MESSAGE_BYTES} bytes"),
        },
    },
    "note_route": {
        "summary": "Add a note to an incident (operator)",
        "tags": ["incidents"],
        "requestBody": body(
            {
                "type": "object",
                "required": ["note"],
                "properties": {"note": {"type": "string", "minLength": 1, "maxLength": MAX_NOTE}},
            }
        ),
        "responses": CHANGE,
    },
    "task_route": {
        "summary": "Send a task (operator)",
        "tags": ["incidents"],
        "requestBody": body(
            {
                "type": "object",
                "properties": {
                    "resource": {"type": "string", "maxLength": 40, "description": "its code"},
                    "title": {"type": "string", "maxLength": 300},
                },
            }
        ),
        "responses": CHANGE,
    },
    "task_step_route": {
        "summary": "Move a task on (operator)",
        "tags": ["incidents"],
        "requestBody": body(
            {
                "type": "object",
                "required": ["state"],
                "properties": {"state": {"enum": list(TASK_STEPS.values())}},
            }
        ),
        "responses": CHANGE,
    },
    "stats": {
        "summary": "The KPI document of the county or a grid (at a period's end with period)",
        "tags": ["figures"],
        "etag": True,
        "parameters": [GRID, PERIOD],
        "responses": {"200": json_of(STATS, "the KPI document"), "400": BAD, "404": NOT_FOUND},
    },
    "rankings": {
        "summary": "The towns' ranking, monthly or quarterly",
        "tags": ["figures"],
        "etag": True,
        "parameters": [
            query("quarter", {"type": "string", "pattern": r"^\d{4}-Q[1-4]$"}, "YYYY-Qn"),
            query("month", {"type": "string", "pattern": r"^\d{4}-\d{2}$"}, "YYYY-MM"),
        ],
        "responses": {"200": json_of(RANKINGS, "the ranking"), "400": BAD},
    },
    "briefing": {
        "summary": "The leadership briefing of a scope and period",
        "tags": ["documents"],
        "path": {"fmt": {"enum": list(FORMATS)}},
        "parameters": [PERIOD, GRID, LANG],
        "responses": {
            "200": {
                "description": "the briefing",
                "content": {media: {"schema": BINARY} for media in FORMATS.values()},
            },
            "400": BAD,
            "503": BUSY,
        },
    },
    "briefings": {
        "summary": "The briefings the scheduler made, newest first",
        "tags": ["documents"],
        "responses": {
            "200": json_of({"type": "object", "required": ["briefings", "folder"]}, "briefings")
        },
    },
    "briefing_download": {
        "summary": "One briefing the scheduler made",
        "tags": ["documents"],
        "path": {
            "period": {"type": "string", "maxLength": 20},
            "name": {"type": "string", "maxLength": 120},
        },
        "responses": {
            "200": {
                "description": "the briefing",
                "content": {media: {"schema": BINARY} for media in FORMATS.values()},
            }
        },
    },
    "export_list": {
        "summary": "A panel's list whole, as CSV or XLSX",
        "tags": ["documents"],
        "path": {"name": {"enum": sorted(EXPORTS)}, "fmt": {"enum": sorted(MIMETYPES)}},
        "parameters": [
            GRID,
            query("campaign", {"type": "string", "maxLength": 40}, "a campaign's code"),
            query("enterprise", {"type": "string", "maxLength": 40}, "an enterprise's code"),
            LANG,
        ],
        "responses": {
            "200": {
                "description": "the list",
                "content": {media: {"schema": BINARY} for media in MIMETYPES.values()},
            },
            "400": BAD,
        },
    },
    "review_route": {
        "summary": "The committee review document",
        "tags": ["review"],
        "etag": True,
        "parameters": REVIEW_ARGS,
        "responses": {"200": json_of(REVIEW, "the review"), "400": BAD, "404": NOT_FOUND},
    },
    "meetings_route": {
        "summary": "Review meetings, newest first (100 at most)",
        "tags": ["review"],
        "etag": True,
        "parameters": REVIEW_ARGS[:1],
        "responses": {
            "200": json_of(
                {
                    "type": "object",
                    "required": ["meetings"],
                    "properties": {"meetings": {"type": "array", "items": MEETING}},
                },
                "meetings",
            ),
            "400": BAD,
        },
    },
    "record_meeting_route": {
        "summary": "Record a review meeting (operator)",
        "tags": ["review"],
        "requestBody": body(
            {
                "type": "object",
                "required": ["held_on", "attendees", "committees"],
                "properties": {
                    "held_on": {"type": "string", "format": "date"},
                    "title": {"type": "string", "maxLength": TITLE_MAX},
                    "attendees": {"type": "string", "maxLength": ATTENDEES_MAX},
                    "summary": {"type": "string", "maxLength": ATTENDEES_MAX},
                    "committees": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"type": "string", "pattern": r"^[A-Za-z0-9_\-]{1,32}$"},
                    },
                    "decisions": {
                        "type": "array",
                        "maxItems": MAX_DECISIONS,
                        "items": {
                            "type": "object",
                            "required": ["text"],
                            "properties": {
                                "text": {"type": "string", "maxLength": TEXT_MAX},
                                "committee": {"type": "string"},
                                "owner_unit": {"type": "string", "maxLength": OWNER_MAX},
                                "due_on": {"type": "string", "format": "date"},
                            },
                        },
                    },
                    "notes": {
                        "type": "array",
                        "maxItems": MAX_NOTES,
                        "items": {
                            "type": "object",
                            "required": ["task", "note"],
                            "properties": {
                                "task": {"type": "string"},
                                "note": {"type": "string", "maxLength": ATTENDEES_MAX},
                            },
                        },
                    },
                },
            }
        ),
        "responses": {"201": json_of(MEETING, "the meeting recorded"), "400": BAD},
    },
    "meeting_route": {
        "summary": "A review meeting",
        "tags": ["review"],
        "etag": True,
        "responses": {"200": json_of(MEETING, "the meeting")},
    },
    "meeting_docx_route": {
        "summary": "A meeting's record (纪要) in Word",
        "tags": ["review"],
        "parameters": [LANG],
        "responses": {"200": file_of(DOCX, "the record")},
    },
    "review_xlsx_route": {
        "summary": "The workbook the owner units fill in",
        "tags": ["review"],
        "parameters": [*REVIEW_ARGS, LANG],
        "responses": {"200": file_of(XLSX, "the workbook"), "400": BAD, "404": NOT_FOUND},
    },
    "review_docx_route": {
        "summary": "The review shown, in Word",
        "tags": ["review"],
        "parameters": [*REVIEW_ARGS, LANG],
        "responses": {"200": file_of(DOCX, "the record"), "400": BAD, "404": NOT_FOUND},
    },
    "progress_route": {
        "summary": "Take a returned progress workbook (operator)",
        "tags": ["review"],
        "parameters": [
            query("name", {"type": "string", "maxLength": 255}, "the file's name"),
            query("dry_run", {"enum": ["1", "true", "0", "false"]}, "check, change nothing"),
        ],
        "requestBody": body(BINARY, XLSX),
        "responses": {
            "200": json_of({"type": "object", "required": ["file_name", "rows", "changed"]}),
            "400": json_of(
                {"anyOf": [PROBLEMS, ERROR]},
                "the file is refused (every cell at fault), or a bad parameter",
            ),
            "413": err("the workbook is larger than 10 MiB"),
        },
    },
    "openapi_route": {
        "summary": "This document",
        "tags": ["operations"],
        "etag": True,
        "responses": {"200": json_of({"type": "object", "required": ["openapi", "paths"]})},
    },
}

# --- the document ------------------------------------------------------------------------

CONVERTER = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")


def path_of(rule: str) -> tuple[str, dict[str, Schema]]:
    """A Flask rule as an OpenAPI path, and its variables' schemas (int(max=N): 0 to N)."""
    variables: dict[str, Schema] = {}

    def one(match: re.Match[str]) -> str:
        converter, args, name = match.groups()
        if converter == "int":
            limit = re.search(r"max=(\d+)", args or "")
            variables[name] = {"type": "integer", "minimum": 0} | (
                {"maximum": int(limit.group(1))} if limit else {}
            )
        else:  # the default converter: any text without a slash
            variables[name] = {"type": "string", "minLength": 1, "pattern": "^[^/]+$"}
        return "{" + name + "}"

    return CONVERTER.sub(one, rule), variables


def operation(rule: str, handler: Callable[..., Any], method: str) -> tuple[str, Schema]:
    """One route's path and operation (KeyError: the handler has no description here)."""
    try:
        spec = DESCRIBED[handler.__name__]
    except KeyError:
        raise KeyError(f"{method} {rule}: describe {handler.__name__} in DESCRIBED") from None
    path, variables = path_of(rule)
    params = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": spec.get("path", {}).get(name, schema),
        }
        for name, schema in variables.items()
    ]
    responses: dict[str, Schema] = dict(spec["responses"])
    # any route: a NUL in a query argument or path part (dashboard.api.no_nul)
    responses.setdefault("400", BAD)
    if variables:
        responses.setdefault("404", NOT_FOUND)
    if spec.get("etag"):
        responses["304"] = {"description": "not modified (If-None-Match had the ETag)"}
    if "requestBody" in spec:
        # every body is capped (the server's 16 MiB, telemetry's own 8 MiB)
        responses.setdefault("413", err("the body is too large"))
        media = next(iter(spec["requestBody"]["content"]))
        if not spec.get("any_type"):  # (telemetry reads any body: its token is the guard)
            responses.setdefault("400", BAD)
            responses.setdefault("415", err(f"send a body of Content-Type: {media}"))
    if not spec.get("public") and "security" not in spec:
        responses["401"] = err("sign in first (HTTP Basic or the session cookie)")
        responses["403"] = err("not allowed: a wall link outside the wall, or a role too low")
        responses["429"] = err("too many wrong passwords (Retry-After)")
    op: Schema = {
        "operationId": handler.__name__,
        "summary": spec["summary"],
        "tags": spec.get("tags", []),
        "parameters": [*params, *spec.get("parameters", [])],
        "responses": dict(sorted(responses.items())),
    }
    if "requestBody" in spec:
        op["requestBody"] = spec["requestBody"]
    if spec.get("public"):
        op["security"] = []
    elif "security" in spec:
        op["security"] = spec["security"]
    return path, op


def document(routes: Iterable[Route]) -> Schema:
    """The OpenAPI 3.1 document of the routes."""
    paths: dict[str, dict[str, Schema]] = {}
    for rule, handler, methods in routes:
        for method in methods:
            path, op = operation(rule, handler, method)
            paths.setdefault(path, {})[method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "应急一张图 / The emergency one-map",
            "version": "1",
            "description": (
                "JSON (and GeoJSON, XLSX, DOCX, PDF) routes beside the Dash pages. GETs are for "
                "viewers and up; state changes (POST) check the signed-in role and take JSON "
                "only (no cross-site form can send it: the CSRF guard)."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"session": []}, {"basic": []}],
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                "basic": {"type": "http", "scheme": "basic"},
                "bearer": {"type": "http", "scheme": "bearer", "description": "telemetry"},
            }
        },
        "paths": paths,
    }
