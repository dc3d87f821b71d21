"""Alarm handling (报警处置): the open alarms, one alarm's history, and the operator's actions
(acknowledge, dispatch, dispose, close). The role is checked on the server by `act_as`,
whatever the page shows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dash import ALL, ClientsideFunction, Input, Output, State, ctx, html, no_update

from callbacks.deps import Deps
from data_loaders.actions.alarms import ActionError, NoSuchAlarm, NotAllowed, act_as
from data_loaders.rules.lifecycle import OPEN_STATES
from data_loaders.store import session_scope
from data_loaders.times import parse_iso
from read_models.alarms import load_alarm, load_alarms
from views import ids
from views.alarm_panel import DUE_DATE, create_alarm_detail, create_alarm_list, due_text
from views.labels import Label
from views.url_state import parse_query


def alarm_signal(items: list[dict[str, Any]]) -> dict[str, list[int]]:
    """What the page sounds and flashes for: open level-2 alarms and escalated ones (the
    browser compares with what it saw before, so only new ones ring)."""
    return {
        "l2": sorted(a["id"] for a in items if a["level"] == 2 and not a["recovered"]),
        "esc": sorted(a["id"] for a in items if a["escalated"]),
    }


def detail_key(a: dict[str, Any] | None, lang: str, may_act: bool) -> str:
    """What the detail shows, in short: redrawn only when this changes."""
    if a is None:
        return f"none|{lang}"
    return f"{a['id']}|{a['state']}|{len(a.get('events', []))}|{a['level']}|{lang}|{may_act}"


def action_body(action: str, values: dict[str, str]) -> dict[str, Any]:
    """The JSON body of an action from the form (the due date and time are China time)."""
    body: dict[str, Any] = {}
    if action == "dispatch":
        body["assignee"] = values.get("assignee") or ""
        due = due_text(values.get("due_date"), values.get("due_time"))
        if due:
            try:
                body["due"] = parse_iso(due).isoformat()  # the form's time is China time
            except ValueError:
                body["due"] = due  # the rule explains what is wrong with it
    elif action == "dispose":
        body["feedback"] = values.get("feedback") or ""
    elif action == "close":
        body["reason"] = values.get("reason") or ""
    return body


def alarm_count(items: list[dict[str, Any]], label: Label, lang: str) -> Any:
    """The count by the alarm button: real alarms only (a figure); a running drill's are
    said apart after it ("12 +3 演练"), as the list shows them marked."""
    real = sum(1 for a in items if not a["is_drill"])
    drill = len(items) - real
    if not drill:
        return str(real)
    return [
        str(real),
        html.Span(f" +{drill} {label('incident.drill', lang)}", className="count-drill"),
    ]


def alarm_list_parts(
    deps: Deps, selected: int | None, lang: str, with_list: bool = True
) -> tuple[Any, Any, dict]:
    """(the open alarms' list, their count, the signal): real alarms and a running drill's,
    each of those marked (operators practise on the real screens; the count keeps them
    apart). The list is drawn only for an open panel (`with_list`; else no_update): a closed
    one would be hundreds of hidden rows that the page's start and every poll pay for."""
    with session_scope(deps.engine) as session:
        items = load_alarms(session, list(OPEN_STATES), limit=300, screens=True)
    drawn = create_alarm_list(items, selected, deps.label, lang) if with_list else no_update
    return drawn, alarm_count(items, deps.label, lang), alarm_signal(items)


def alarm_detail_parts(deps: Deps, selected: int | None, lang: str) -> tuple[Any, str]:
    """(one alarm's detail and actions, or the hint to pick one; its key)."""
    with session_scope(deps.engine) as session:
        detail = load_alarm(session, selected) if selected else None
    may_act = deps.may("operator")
    return (
        create_alarm_detail(detail, may_act, deps.label, lang, datetime.now(UTC)),
        detail_key(detail, lang, may_act),
    )


def register(app, deps: Deps) -> None:  # type: ignore[no-untyped-def]
    """Open and close the alarm panel, list and show alarms, carry out actions; sound and
    flash (in the browser, assets/alarms.js) when a new level-2 or escalated alarm appears."""
    app.clientside_callback(
        ClientsideFunction("onemap_ui", "alarmSignal"),
        Output(ids.ALARM_FLASH, "className"),
        Input(ids.ALARM_SIGNAL, "data"),
        State(ids.SOUND_ON, "data"),
    )
    app.clientside_callback(
        ClientsideFunction("onemap_ui", "toggleSound"),
        Output(ids.SOUND_ON, "data"),
        Input(ids.SOUND_TOGGLE, "n_clicks"),
        State(ids.SOUND_ON, "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction("onemap_ui", "soundClass"),
        Output(ids.SOUND_TOGGLE, "className"),
        Input(ids.SOUND_ON, "data"),
    )

    @app.callback(
        Output(ids.ALARM_DIALOG, "className"),
        Input(ids.ALARM_OPEN, "n_clicks"),
        Input(ids.ALARM_CLOSE, "n_clicks"),
        prevent_initial_call=True,
    )
    def toggle_dialog(_open, _close):  # type: ignore[no-untyped-def]
        return "alarm-dialog open" if ctx.triggered_id == ids.ALARM_OPEN else "alarm-dialog"

    @app.callback(
        Output(ids.ALARM_SELECTED, "data"),
        Input({"type": ids.ALARM_ROW, "id": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def select_alarm(clicks):  # type: ignore[no-untyped-def]
        if not ctx.triggered or not ctx.triggered[0]["value"]:
            return no_update  # the rows were just drawn
        return ctx.triggered_id["id"]

    @app.callback(
        Output({"type": ids.ALARM_FIELD, "name": ALL}, "value"),
        Input({"type": ids.ALARM_QUICK, "i": ALL}, "n_clicks"),
        State({"type": ids.ALARM_FIELD, "name": ALL}, "id"),
        State(ids.LOCATION, "search"),
        prevent_initial_call=True,
    )
    def quick_reason(clicks, field_ids, search):  # type: ignore[no-untyped-def]
        # (ids carry an index, not the text: Dash loses a trigger's value for non-ASCII ids)
        if not ctx.triggered or not ctx.triggered[0]["value"]:
            return [no_update] * len(field_ids)
        lang = parse_query(search, deps.lang).lang
        text = deps.label("alarm.quick_reasons", lang).split(";")[ctx.triggered_id["i"]]
        return [text if f["name"] == "reason" else no_update for f in field_ids]

    @app.callback(
        Output(ids.ALARM_LIST, "children"),
        Output(ids.ALARM_COUNT, "children"),
        Output(ids.ALARM_SIGNAL, "data"),
        Input(ids.DATA_VERSION, "data"),
        Input(ids.ALARM_SELECTED, "data"),
        Input(ids.ALARM_DONE, "data"),
        Input(ids.PAGE_STATE, "data"),
        Input(ids.ALARM_DIALOG, "className"),
        prevent_initial_call=True,  # the page starts with the count and the signal
    )
    def render_alarm_list(_version, selected, _done, page, dialog):  # type: ignore[no-untyped-def]
        shown = "open" in (dialog or "").split()
        if ctx.triggered_id == ids.ALARM_DIALOG and not shown:
            return no_update, no_update, no_update  # closed: the rows may stay as they were
        return alarm_list_parts(deps, selected, page["lang"], with_list=shown)

    @app.callback(
        Output(ids.ALARM_DETAIL, "children"),
        Output(ids.ALARM_DETAIL_KEY, "data"),
        Input(ids.ALARM_SELECTED, "data"),
        Input(ids.ALARM_DONE, "data"),
        Input(ids.DATA_VERSION, "data"),
        Input(ids.PAGE_STATE, "data"),
        State(ids.ALARM_DETAIL_KEY, "data"),
        prevent_initial_call=True,  # the page starts with the hint to pick an alarm
    )
    def render_alarm_detail(selected, _done, _version, page, shown):  # type: ignore[no-untyped-def]
        detail, key = alarm_detail_parts(deps, selected, page["lang"])
        if ctx.triggered_id == ids.DATA_VERSION and key == shown:
            # other alarms moved: leave this one's form alone (someone may be typing in it)
            return no_update, no_update
        return detail, key

    @app.callback(
        Output(ids.ALARM_MESSAGE, "children"),
        Output(ids.ALARM_DONE, "data"),
        Input({"type": ids.ALARM_ACT, "action": ALL}, "n_clicks"),
        State({"type": ids.ALARM_FIELD, "name": ALL}, "value"),
        State({"type": ids.ALARM_FIELD, "name": ALL}, "id"),
        State({"type": DUE_DATE, "name": ALL}, "date"),
        State(ids.ALARM_SELECTED, "data"),
        State(ids.ALARM_DONE, "data"),
        State(ids.LOCATION, "search"),
        prevent_initial_call=True,
    )
    def act_on_alarm(clicks, values, field_ids, dates, selected, done, search):  # type: ignore[no-untyped-def]
        if not ctx.triggered or not ctx.triggered[0]["value"] or not selected:
            return no_update, no_update
        lang = parse_query(search, deps.lang).lang
        action = ctx.triggered_id["action"]
        form = {f["name"]: v for f, v in zip(field_ids, values, strict=True)}
        form["due_date"] = dates[0] if dates else None
        who = deps.current_user()
        try:
            act_as(
                deps.engine,
                who.name if who else None,
                who.role if who else None,
                int(selected),
                action,
                action_body(action, form),
            )
        except NotAllowed:
            return deps.label("alarm.error.forbidden", lang), no_update
        except NoSuchAlarm:
            return deps.label("alarm.error.not_found", lang), no_update
        except ActionError as exc:
            # keep the form as typed; only a changed state (someone else acted) redraws it
            redraw = (done or 0) + 1 if exc.code == "wrong_state" else no_update
            return deps.label(f"alarm.error.{exc.code}", lang), redraw
        return deps.label("alarm.done", lang), (done or 0) + 1
