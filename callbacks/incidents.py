"""Incidents on the page: the banner of those under way and the drill watermark (every
screen, within one poll), and the operator's actions in the incident panel and the dossier
(open one, dispatch a resource, move a task on, note, close). The role is checked on the
server by the actions (data_loaders.actions.incidents), whatever the page shows."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dash import ALL, ClientsideFunction, Input, Output, State, no_update

from callbacks.deps import Deps
from data_loaders.actions.incidents import (
    RELEASE_KINDS,
    IncidentError,
    NoSuchIncident,
    NotAllowed,
    add_note,
    advance_task,
    close_incident,
    open_incident,
    send_task,
)
from data_loaders.store import session_scope
from read_models.alarms import load_alarm
from read_models.incidents import load_incidents
from views import ids
from views.alarm_panel import OFFER_KINDS
from views.incident import create_incident_banner, watermark_class
from views.url_state import encode_query, parse_query

EVENT_TYPES = {
    ids.INCIDENT_DISPATCH: ("code",),
    ids.INCIDENT_STEP: ("task", "state"),
    ids.INCIDENT_ACT: ("action",),
    ids.INCIDENT_START: ("code",),
    ids.INCIDENT_FROM_ALARM: ("alarm",),
}
DEFAULT_RATE_KG_S = 1.0  # an alarm says a gas is there, not how much: a screening default


def banner_parts(deps: Deps, lang: str) -> tuple[list, str]:
    """(the banner of incidents under way, the watermark's class): the page starts with them."""
    with session_scope(deps.engine) as session:
        items = load_incidents(session, "open")
    return create_incident_banner(items, deps.label, lang), watermark_class(items)


def event_trigger(event: Any) -> dict[str, Any] | None:
    """The clicked control's id from the browser's event, when it is one of the incident
    controls with its keys (the event is the browser's word)."""
    if not isinstance(event, dict) or not isinstance(event.get("id"), dict):
        return None
    ident = event["id"]
    keys = EVENT_TYPES.get(ident.get("type"))
    if keys is None or set(ident) != {"type", *keys}:
        return None
    if any(not isinstance(ident[k], str | int) or len(str(ident[k])) > 64 for k in keys):
        return None
    return ident


def run_action(
    deps: Deps, ident: dict[str, Any], form: dict[str, Any], incident: int | None
) -> tuple[str, int | None]:
    """Carry out the clicked action as the request's user: (the message key, a new incident's
    id when one was opened)."""
    who = deps.current_user()
    actor, role = (who.name, who.role) if who else (None, None)
    kind = ident["type"]
    if kind == ids.INCIDENT_FROM_ALARM:
        with session_scope(deps.engine) as session:
            alarm = load_alarm(session, int(ident["alarm"]))
        if alarm is None or alarm["kind"] not in OFFER_KINDS or not alarm["credit_code"]:
            raise LookupError(f"no gas alarm {ident['alarm']}")
        offer: dict[str, Any] = {
            "kind": OFFER_KINDS[alarm["kind"]],
            "enterprise": alarm["credit_code"],
            "alarm": alarm["id"],
            "title": f"{alarm['enterprise']} {alarm['sensor']}",
        }
        if offer["kind"] in RELEASE_KINDS:
            offer["release"] = {"rate_kg_s": DEFAULT_RATE_KG_S}
        return "incident.done", open_incident(deps.engine, actor, role, offer)
    if kind == ids.INCIDENT_START:
        body: dict[str, Any] = {
            "kind": form.get("kind") or "toxic_release",
            "enterprise": str(ident["code"]),
            "drill": "drill" in (form.get("drill") or []),
        }
        if body["kind"] in RELEASE_KINDS:
            body["release"] = {"rate_kg_s": form.get("rate")}
        return "incident.done", open_incident(deps.engine, actor, role, body)
    if incident is None:
        raise NoSuchIncident(0)
    if kind == ids.INCIDENT_DISPATCH:
        send_task(deps.engine, actor, role, incident, {"resource": str(ident["code"])})
    elif kind == ids.INCIDENT_STEP:
        task = int(ident["task"])
        advance_task(deps.engine, actor, role, incident, task, {"state": ident["state"]})
    elif ident["action"] == "note":
        add_note(deps.engine, actor, role, incident, {"note": form.get("note")})
    elif ident["action"] == "close":
        close_incident(deps.engine, actor, role, incident, {"summary": form.get("summary")})
    return "incident.done", None


def failure_text(exc: Exception, deps: Deps, lang: str) -> str:
    """What the page says when an incident action is refused."""
    if isinstance(exc, NotAllowed):
        return deps.label("incident.forbidden", lang)
    if isinstance(exc, NoSuchIncident):
        return deps.label("incident.not_found", lang)
    if isinstance(exc, IncidentError):
        return exc.message_zh if lang == "zh" else exc.message_en
    return str(exc)


def register(app, deps: Deps) -> None:  # type: ignore[no-untyped-def]
    """The banner and watermark follow the poll; clicks in the incident panel and the dossier
    reach the server only when they are clicks (assets/page.js link_event)."""

    @app.callback(
        Output(ids.INCIDENT_BANNER, "children"),
        Output(ids.DRILL_WATERMARK, "className"),
        Input(ids.DATA_VERSION, "data"),
        Input(ids.PAGE_STATE, "data"),
        prevent_initial_call=True,  # the page starts with them
    )
    def render_banner(_version, page):  # type: ignore[no-untyped-def]
        return banner_parts(deps, page["lang"])

    app.clientside_callback(
        ClientsideFunction("onemap_page", "link_event"),
        Output(ids.INCIDENT_EVENT, "data"),
        Input({"type": ids.INCIDENT_DISPATCH, "code": ALL}, "n_clicks"),
        Input({"type": ids.INCIDENT_STEP, "task": ALL, "state": ALL}, "n_clicks"),
        Input({"type": ids.INCIDENT_ACT, "action": ALL}, "n_clicks"),
        Input({"type": ids.INCIDENT_START, "code": ALL}, "n_clicks"),
        Input({"type": ids.INCIDENT_FROM_ALARM, "alarm": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output({"type": ids.INCIDENT_MESSAGE, "i": ALL}, "children"),
        Output(ids.DATA_VERSION, "data", allow_duplicate=True),
        Output(ids.LOCATION, "search", allow_duplicate=True),
        Output(ids.ALARM_DIALOG, "className", allow_duplicate=True),
        Output({"type": ids.INCIDENT_FIELD, "name": ALL}, "value"),
        Input(ids.INCIDENT_EVENT, "data"),
        State({"type": ids.INCIDENT_FIELD, "name": ALL}, "value"),
        State({"type": ids.INCIDENT_FIELD, "name": ALL}, "id"),
        State({"type": ids.INCIDENT_MESSAGE, "i": ALL}, "id"),
        State(ids.LOCATION, "search"),
        prevent_initial_call=True,
    )
    def act_on_incident(event, values, field_ids, messages, search):  # type: ignore[no-untyped-def]
        ident = event_trigger(event)
        keep = [no_update] * len(field_ids)
        if ident is None:
            return [no_update] * len(messages), no_update, no_update, no_update, keep
        state = parse_query(search, deps.lang)
        form = {f["name"]: v for f, v in zip(field_ids, values, strict=True)}
        try:
            key, opened = run_action(deps, ident, form, state.incident)
        except NotAllowed:
            return (
                [deps.label("incident.forbidden", state.lang)] * len(messages),
                no_update,
                no_update,
            )
        except NoSuchIncident:
            return (
                [deps.label("incident.not_found", state.lang)] * len(messages),
                no_update,
                no_update,
            )
        except (IncidentError, LookupError) as exc:
            text = (
                (exc.message_zh if state.lang == "zh" else exc.message_en)
                if isinstance(exc, IncidentError)
                else str(exc)
            )
            return [text] * len(messages), no_update, no_update
        token = deps.map_data.token(live=True) if deps.map_data else no_update
        moved = no_update
        if opened is not None:  # show the new one: its zones on the map, its panel
            moved = encode_query(replace(state, incident=opened, enterprise=None), deps.lang)
        # opened from an alarm: the dialog makes way for the incident on the map
        dialog = (
            "alarm-dialog" if opened and ident["type"] == ids.INCIDENT_FROM_ALARM else no_update
        )
        # the text that was saved leaves its box (a note, or the summary that closed it)
        done = {"note": "note", "close": "summary"}.get(ident.get("action", ""))
        cleared = ["" if f["name"] == done else no_update for f in field_ids]
        return [deps.label(key, state.lang)] * len(messages), token, moved, dialog, cleared
