"""The alarm handling panel's components (报警处置): the open alarms, one alarm's detail with
its history, and the action form its state and the user's role allow."""

from __future__ import annotations

import contextlib
import re
from datetime import datetime, timedelta
from typing import Any

from dash import dcc, html

from data_loaders.rules.lifecycle import ALLOWED_FROM
from data_loaders.times import CHINA
from views import ids
from views.format import local_time
from views.labels import Label

FIELDS = ("assignee", "due", "feedback", "reason", "note")


# The due time is a date picker showing the page's own date format, and a 24-hour hh:mm box:
# a native <input type=datetime-local> shows the browser's locale, not the page's (Chromium
# in en-US showed 12/02/2026, 11:26 PM on the Chinese page, whatever its lang attribute).
DUE_DATE = "alarm-due-date"  # the picker's id type (its value is `date`, not `value`)


DATE_FORMAT = {"zh": "YYYY-MM-DD", "en": "D MMM YYYY"}  # 2026-12-04 / 4 Dec 2026


HOUR_MINUTE = re.compile(r"([01]?\d|2[0-3]):?([0-5]\d)")


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


def drill_tag(a: dict[str, Any], label: Label, lang: str) -> html.Span | None:
    """演练 / DRILL before a drill's alarm (operators practise on the real screens); None for
    a real one."""
    return (
        html.Span(label("incident.drill", lang), className="tag-drill") if a["is_drill"] else None
    )


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
        classes += " drill" if a["is_drill"] else ""
        rows.append(
            html.Button(
                [
                    drill_tag(a, label, lang),
                    level_badge(a["level"], label, lang),
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
                drill_tag(a, label, lang),
                level_badge(a["level"], label, lang),
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
    if a["level"] == 2 and a["kind"] in OFFER_KINDS and a["credit_code"] and not a["is_drill"]:
        # a level-2 gas alarm: one click opens an incident at its enterprise (callbacks.incidents)
        kind = OFFER_KINDS[a["kind"]]
        buttons.append(
            html.Button(
                f"{label('incident.start', lang)} · {label(f'incident.kind.{kind}', lang)}",
                id={"type": ids.INCIDENT_FROM_ALARM, "alarm": a["id"]},
                className="incident-offer",
            )
        )
        buttons.append(
            html.Div(
                id={"type": ids.INCIDENT_MESSAGE, "i": 1}, className="alarm-message", role="status"
            )
        )
    return [*children, html.Div(form, className="form"), html.Div(buttons, className="acts")]


# the gas alarms that offer an incident, and its kind: a toxic gas leaks (a plume is screened
# for its enterprise's hazard substance), a combustible one may explode (rings only)
OFFER_KINDS = {
    "ammonia": "toxic_release",
    "toxic_gas": "toxic_release",
    "combustible_gas": "explosion",
    "hydrogen": "explosion",
}


def create_alarm_dialog(label: Label, lang: str, detail: Any = None) -> html.Div:
    """The alarm handling panel: open alarms on the left (drawn when it opens), the chosen
    one and its actions (`detail`: the page starts with the hint to pick one)."""
    return html.Div(
        [
            html.Div(
                [
                    html.H2(label("alarm.list", lang)),
                    html.Div(id=ids.ALARM_MESSAGE, className="alarm-message", role="status"),
                    html.Button(
                        "×", id=ids.ALARM_CLOSE, className="close", title=label("panel.close", lang)
                    ),
                ],
                className="dialog-head",
            ),
            html.Div(
                [
                    html.Div(id=ids.ALARM_LIST, className="alarm-list"),
                    html.Div(detail, id=ids.ALARM_DETAIL, className="alarm-detail"),
                ],
                className="dialog-body",
            ),
        ],
        id=ids.ALARM_DIALOG,
        className="alarm-dialog",
    )
