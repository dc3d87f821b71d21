"""Alarm handling (报警处置): the open alarms, one alarm's history, and the operator's actions
(acknowledge, dispatch, dispose, close). The role is checked on the server by `act_as`,
whatever the page shows."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from dash import ALL, ClientsideFunction, Input, Output, State, ctx, dcc, html, no_update

from callbacks import ids
from callbacks.deps import Deps, Label
from callbacks.map_state import parse_query
from data_loaders.actions.alarms import ActionError, NoSuchAlarm, NotAllowed, act_as
from data_loaders.rules.lifecycle import ALLOWED_FROM, OPEN_STATES
from data_loaders.store import session_scope
from data_loaders.times import CHINA, parse_iso
from read_models.alarms import load_alarm, load_alarms

FIELDS = ("assignee", "due", "feedback", "reason", "note")
# The due time is a date picker showing the page's own date format, and a 24-hour hh:mm box:
# a native <input type=datetime-local> shows the browser's locale, not the page's (Chromium
# in en-US showed 12/02/2026, 11:26 PM on the Chinese page, whatever its lang attribute).
DUE_DATE = "alarm-due-date"  # the picker's id type (its value is `date`, not `value`)
DATE_FORMAT = {"zh": "YYYY-MM-DD", "en": "D MMM YYYY"}  # 2026-12-04 / 4 Dec 2026
HOUR_MINUTE = re.compile(r"([01]?\d|2[0-3]):?([0-5]\d)")


def local_time(iso: str | None, seconds: bool = False) -> str:
    """MM-DD HH:MM (China time) of an ISO timestamp; empty for none."""
    if not iso:
        return ""
    when = datetime.fromisoformat(iso).astimezone(CHINA)
    return when.strftime("%m-%d %H:%M:%S" if seconds else "%m-%d %H:%M")


def what(a: dict[str, Any], label: Label, lang: str) -> str:
    """What an alarm is about: the signal kind or AI scene, and the rule."""
    key = f"scene.{a['scene']}" if a.get("scene") else f"kind.{a['kind']}"
    rule = "alarm.rule." + a["rule"]
    return f"{label(key, lang)} · {label(rule, lang)}"


def value_text(a: dict[str, Any]) -> str:
    """Peak (and unit) of a threshold alarm; empty for the others."""
    if a["rule"] != "threshold" or a["peak"] is None:
        return ""
    return f"{a['peak']:g} {a['unit'] or ''}".strip()


def sort_alarms(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Most urgent first: escalated, then level 2, then untouched, then newest."""
    return sorted(
        items,
        key=lambda a: (
            not a["escalated"],
            -a["level"],
            a["state"] != "open",
            -(datetime.fromisoformat(a["opened_at"]).timestamp()),
        ),
    )


def level_badge(level: int, label: Label, lang: str) -> html.Span:
    """The level as a coloured badge (预警 / 报警)."""
    return html.Span(label(f"alarm.level_{level}", lang), className=f"lvl lvl-{level}")


def create_alarm_list(
    items: list[dict[str, Any]], selected: int | None, label: Label, lang: str
) -> list:
    """The open alarms as clickable rows."""
    if not items:
        return [html.P(label("strip.none", lang), className="muted")]
    rows = []
    for a in sort_alarms(items):
        classes = "alarm-row" + (" selected" if a["id"] == selected else "")
        classes += " escalated" if a["escalated"] else ""
        rows.append(
            html.Button(
                [
                    html.Span(
                        label(f"alarm.level_{a['level']}", lang), className=f"lvl lvl-{a['level']}"
                    ),
                    html.Span(local_time(a["opened_at"]), className="t"),
                    html.Span(a["enterprise"] or a["sensor"], className="who"),
                    html.Span(what(a, label, lang), className="what"),
                    html.Span(value_text(a), className="val"),
                    html.Span(
                        label(f"alarm.state.{a['state']}", lang)
                        + (f" · {label('alarm.recovered', lang)}" if a["recovered"] else ""),
                        className=f"state st-{a['state']}",
                    ),
                ],
                id={"type": ids.ALARM_ROW, "id": a["id"]},
                className=classes,
            )
        )
    return rows


def field(
    name: str, text: str, kind: str = "text", value: str = "", options: list | None = None
) -> html.Label:
    """One labelled input of the action form (pattern id, so the form may come and go)."""
    fid = {"type": ids.ALARM_FIELD, "name": name}
    cls = f"field field-{name}"
    if kind == "textarea":
        control: Any = dcc.Textarea(id=fid, value=value, className=cls)
    else:
        control = dcc.Input(id=fid, type=kind, value=value, className=cls, debounce=False)
    children = [html.Span(text), control]
    if options:
        children.append(
            html.Div(
                [
                    html.Button(o, id={"type": ids.ALARM_QUICK, "i": i}, className="quick")
                    for i, o in enumerate(options)
                ],
                className="quick-row",
            )
        )
    return html.Label(children, className="form-row")


def due_field(now: datetime, label: Label, lang: str) -> html.Div:
    """The due time in China time, two hours ahead to start with: a calendar in the page's
    language and date format (the Chinese page's month and weekday names come from
    assets/alarms.js), from today to a year ahead as the rule allows, and a 24-hour hh:mm box."""
    today = now.astimezone(CHINA).date()
    when = now.astimezone(CHINA) + timedelta(hours=2)
    picker = dcc.DatePickerSingle(
        id={"type": DUE_DATE, "name": "due"},
        date=when.date().isoformat(),
        display_format=DATE_FORMAT.get(lang, DATE_FORMAT["zh"]),
        first_day_of_week=1 if lang == "zh" else 0,
        min_date_allowed=today.isoformat(),
        max_date_allowed=(today + timedelta(days=365)).isoformat(),
        placeholder=label("alarm.due_date", lang),
        className="due-date",
    )
    clock = dcc.Input(
        id={"type": ids.ALARM_FIELD, "name": "due_time"},
        type="text",
        value=when.strftime("%H:%M"),
        className="field field-due_time",
        placeholder=label("alarm.due_time", lang),
        inputMode="numeric",
        maxLength=5,
        debounce=False,
    )
    head = [label("alarm.due", lang), html.Span(f" ({label('alarm.due_zone', lang)})")]
    return html.Div(
        [html.Span(head), html.Div([picker, clock], className="due-row")], className="form-row"
    )


def due_text(day: str | None, hm: str | None) -> str:
    """The form's due date (YYYY-MM-DD) and hh:mm as ISO 8601 without an offset, which is
    China time; a time that cannot be read is passed on for the rule to refuse (bad_due);
    empty when either part is missing (due_required)."""
    hm = (hm or "").strip().replace("：", ":")  # a Chinese input method's full-width colon
    if not day or not hm:
        return ""
    found = HOUR_MINUTE.fullmatch(hm)
    return f"{day}T{int(found[1]):02d}:{found[2]}" if found else f"{day} {hm}"


def event_note(a: dict[str, Any], e: dict[str, Any], label: Label, lang: str) -> str:
    """An event's note as the page shows it: an offline alarm's note is the last data time."""
    if not e["note"]:
        return ""
    if a["rule"] == "offline" and e["actor"] == "system" and e["action"] in ("open", "repeat"):
        return f"{label('alarm.last_data', lang)} {local_time(e['note'], seconds=True)}"
    if e["action"] == "dispatch":
        # "assignee · due (ISO, UTC) · note": the due time shown as China time like the rest
        parts = e["note"].split(" · ")
        if len(parts) >= 2:
            with contextlib.suppress(ValueError):
                parts[1] = f"{label('alarm.due', lang)} {local_time(parts[1])}"
            return " · ".join(parts)
    return e["note"]


def create_alarm_detail(
    a: dict[str, Any] | None, may_act: bool, label: Label, lang: str, now: datetime
) -> list:
    """One alarm: facts, its history, and the actions its state allows."""
    if a is None:
        return [html.P(label("alarm.pick", lang), className="muted")]
    colon = label("punct.colon", lang)
    facts = [
        (label("field.enterprise", lang), a["enterprise"] or ""),
        (label("alarm.what", lang), f"{a['sensor']} · {what(a, label, lang)}"),
        (label("alarm.opened", lang), local_time(a["opened_at"], seconds=True)),
        (label("alarm.peak", lang), value_text(a) or "—"),
        (label("alarm.count", lang), str(a["count"])),
        (label("alarm.state", lang), label(f"alarm.state.{a['state']}", lang)),
    ]
    if a["assignee"]:
        facts.append(
            (label("alarm.assignee", lang), f"{a['assignee']} · {local_time(a['due_at'])}")
        )
    if a["feedback"]:
        facts.append((label("alarm.feedback", lang), a["feedback"]))
    if a["close_reason"]:
        facts.append((label("alarm.reason", lang), a["close_reason"]))
    events = [
        html.Li(
            [
                html.Span(local_time(e["at"], seconds=True), className="t"),
                f" {e['actor'] if e['actor'] != 'system' else label('alarm.system', lang)}{colon}"
                + label("alarm.action." + e["action"], lang),
                html.Span(f" {event_note(a, e, label, lang)}", className="muted"),
            ]
        )
        for e in a.get("events", [])
    ]
    children: list = [
        html.H3(
            [
                html.Span(
                    label(f"alarm.level_{a['level']}", lang), className=f"lvl lvl-{a['level']}"
                ),
                f" {a['enterprise'] or a['sensor']}",
            ]
        ),
        html.Div(label("alarm.escalated", lang), className="escalated-note")
        if a["escalated"]
        else None,
        html.Table(
            html.Tbody([html.Tr([html.Th(k), html.Td(v)]) for k, v in facts]), className="facts"
        ),
        html.H4(label("alarm.events", lang)),
        html.Ul(events, className="events"),
    ]
    allowed = [act for act, states in ALLOWED_FROM.items() if a["state"] in states]
    if not allowed:
        return children
    if not may_act:
        return [*children, html.P(label("alarm.viewer_only", lang), className="muted")]
    form: list = []
    if "dispatch" in allowed:
        form += [
            field("assignee", label("alarm.assignee", lang), value=a["assignee"] or ""),
            due_field(now, label, lang),
        ]
    if "dispose" in allowed:
        form.append(field("feedback", label("alarm.feedback", lang), "textarea"))
    if "close" in allowed:
        quick = label("alarm.quick_reasons", lang).split(";")
        form.append(field("reason", label("alarm.reason", lang), "textarea", options=quick))
    buttons = [
        html.Button(
            label(f"alarm.action.{act}", lang),
            id={"type": ids.ALARM_ACT, "action": act},
            className=f"act act-{act}",
        )
        for act in allowed
    ]
    return [*children, html.Div(form, className="form"), html.Div(buttons, className="acts")]


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
    )
    def render_alarm_list(_version, selected, _done, page):  # type: ignore[no-untyped-def]
        lang = page["lang"]
        with session_scope(deps.engine) as session:
            items = load_alarms(session, list(OPEN_STATES), limit=300)
        return (
            create_alarm_list(items, selected, deps.label, lang),
            str(len(items)),
            alarm_signal(items),
        )

    @app.callback(
        Output(ids.ALARM_DETAIL, "children"),
        Output(ids.ALARM_DETAIL_KEY, "data"),
        Input(ids.ALARM_SELECTED, "data"),
        Input(ids.ALARM_DONE, "data"),
        Input(ids.DATA_VERSION, "data"),
        Input(ids.PAGE_STATE, "data"),
        State(ids.ALARM_DETAIL_KEY, "data"),
    )
    def render_alarm_detail(selected, _done, _version, page, shown):  # type: ignore[no-untyped-def]
        lang = page["lang"]
        with session_scope(deps.engine) as session:
            detail = load_alarm(session, selected) if selected else None
        may_act = deps.may("operator")
        key = detail_key(detail, lang, may_act)
        if ctx.triggered_id == ids.DATA_VERSION and key == shown:
            # other alarms moved: leave this one's form alone (someone may be typing in it)
            return no_update, no_update
        return create_alarm_detail(detail, may_act, deps.label, lang, datetime.now(UTC)), key

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
