"""An incident in the right panel (from read_models.incidents.load_incident), the banner of
the incidents under way on every screen, the drill watermark, and the form that opens one
from an enterprise's dossier. Dash escapes every text it renders."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from data_loaders import vocab
from views import ids
from views.format import local_time
from views.labels import Label


def zone_name(zone: dict[str, Any], label: Label, lang: str) -> str:
    """A ring's radius or a plume level's name."""
    if zone["kind"] == "ring":
        return label("incident.ring", lang).format(r=f"{zone['radius_m']:,}")
    return label(f"zone.{zone['id']}", lang)


def kind_line(doc: dict[str, Any], label: Label, lang: str) -> str:
    """演练 · 有毒泄漏 · title."""
    parts = [label(f"incident.kind.{doc['kind']}", lang)]
    if doc["drill"]:
        parts.insert(0, label("incident.drill", lang))
    if doc.get("title"):
        parts.append(doc["title"])
    return " · ".join(parts)


def _table(head: list[str], rows: list[list[Any]], cls: str = "") -> html.Table:
    return html.Table(
        [
            html.Thead(html.Tr([html.Th(h) for h in head])),
            html.Tbody([html.Tr([html.Td(c) for c in r]) for r in rows]),
        ],
        className=f"incident-table {cls}".strip(),
    )


def _zones(doc: dict[str, Any], label: Label, lang: str) -> html.Table:
    head = [
        label("incident.zone", lang),
        label("incident.enterprises", lang),
        label("incident.red", lang),
        label("incident.hazards", lang),
        label("incident.targets", lang),
        label("incident.people", lang),
    ]
    rows = []
    for z in doc["zones"]:
        h = z["holds"]
        rows.append(
            [
                zone_name(z, label, lang),
                f"{h['enterprises']['total']:,}",
                f"{h['enterprises']['red']:,}",
                f"{h['major_hazards']['total']:,}",
                f"{h['targets']['total']:,}",
                f"{h['targets']['people']:,}",
            ]
        )
    return _table(head, rows, "zones")


def _plume(doc: dict[str, Any], label: Label, lang: str) -> list:
    if doc["release"] is None:
        return []
    out: list[Any] = [html.H3(label("incident.plume", lang))]
    wind = doc["wind"]
    if wind is None:
        return [*out, html.P(label("incident.no_wind", lang), className="warn")]
    source = (
        label("incident.wind_station", lang).format(
            station=wind["station"]["name"], age=max(0, wind["age_s"]) // 60
        )
        if wind["source"] == "station"
        else label("incident.wind_request", lang)
    )
    out.append(
        html.P(
            f"{label('incident.wind', lang)}: {wind['from_deg']:.0f}° · {wind['m_s']:.1f} m/s "
            f"({source})"
        )
    )
    plume = doc["plume"]
    if plume:
        out.append(
            html.P(
                f"{plume['substance']} · {doc['release'].get('rate_kg_s')} kg/s · "
                + " · ".join(
                    f"AEGL-{n} {plume[f'aegl_{n}_m']:,.0f} m"
                    for n in (1, 2, 3)
                    if plume[f"aegl_{n}_m"] is not None
                )
            )
        )
        out.append(html.P(plume["limits"], className="muted small"))
    return out


def _resources(doc: dict[str, Any], may_act: bool, label: Label, lang: str) -> html.Table:
    head = [
        "",
        label("incident.resources", lang),
        f"{label('incident.straight', lang)} (m)",
        "",
    ]
    rows = []
    for kind, items in doc["resources"].items():
        for r in items[:2]:
            action: Any = ""
            if may_act and doc["state"] == "open":
                action = html.Button(
                    label("incident.dispatch", lang),
                    id={"type": ids.INCIDENT_DISPATCH, "code": r["code"]},
                    className="small-button",
                )
            rows.append(
                [
                    label(f"resource.type.{kind}", lang),
                    f"{r['name']} {r.get('phone') or ''}".strip(),
                    f"{r['distance_m']:,}",
                    action,
                ]
            )
    return _table(head, rows, "resources")


def _tasks(doc: dict[str, Any], may_act: bool, label: Label, lang: str) -> list:
    if not doc["tasks"]:
        return []
    rows = []
    for t in doc["tasks"]:
        step: Any = ""
        nxt = {"sent": "arrived", "arrived": "done"}.get(t["state"])
        if may_act and nxt and doc["state"] == "open":
            step = html.Button(
                label(f"incident.step.{nxt}", lang),
                id={"type": ids.INCIDENT_STEP, "task": t["id"], "state": nxt},
                className="small-button",
            )
        rows.append(
            [
                t["resource"] or t["title"],
                label(f"incident.task.{t['state']}", lang),
                local_time(t["done_at"] or t["arrived_at"] or t["sent_at"]),
                step,
            ]
        )
    return [html.H3(label("incident.tasks", lang)), _table(["", "", "", ""], rows, "tasks")]


ACTIONS = ("opened", "closed", "note", "injected", "task_sent", "task_arrived", "task_done")


def _timeline(doc: dict[str, Any], label: Label, lang: str) -> html.Ol:
    items = []
    for e in doc["timeline"]:
        # (an alarm's events say what they say in the alarm panel, in the page's language)
        if e["source"] == "incident":
            what = (
                label(f"incident.action.{e['action']}", lang)
                if e["action"] in ACTIONS
                else e["action"]
            )
        else:
            what = label(f"alarm.action.{e['action']}", lang)
        items.append(
            html.Li(
                [
                    html.Span(local_time(e["at"], seconds=True), className="when"),
                    html.Span(e["actor"], className="who"),
                    html.Span(what, className="what"),
                    html.Span(e["note"] or "", className="note"),
                ],
                className=f"tl-{e['source']}",
            )
        )
    return html.Ol(items, className="incident-timeline")


def _response(doc: dict[str, Any], label: Label, lang: str) -> html.Table:
    names = label("incident.step_names", lang).split(";")
    keys = ("first_alarm", "acknowledged", "opened", "dispatched", "arrived", "closed")
    rows = []
    for name, key in zip(names, keys, strict=True):
        step = doc["response"]["steps"][key]
        after = step["after_s"]
        rows.append(
            [
                name,
                local_time(step["at"], seconds=True) or "—",
                ""
                if after is None
                else label("incident.after", lang).format(m=after // 60, s=after % 60),
            ]
        )
    return _table(["", "", ""], rows, "response")


def field(name: str) -> dict[str, str]:
    """The id of one of the incident forms' fields."""
    return {"type": ids.INCIDENT_FIELD, "name": name}


def message() -> html.Div:
    """Where an incident action says how it went."""
    return html.Div(
        id={"type": ids.INCIDENT_MESSAGE, "i": 0}, className="alarm-message", role="status"
    )


def _forms(label: Label, lang: str) -> html.Div:
    return html.Div(
        [
            dcc.Textarea(
                id=field("note"),
                placeholder=label("incident.note", lang),
                maxLength=2000,
                className="incident-text",
                # what is typed survives the panel's redraws (another operator's step)
                persistence=True,
                persistence_type="memory",
            ),
            html.Button(
                label("incident.note_add", lang), id={"type": ids.INCIDENT_ACT, "action": "note"}
            ),
            dcc.Textarea(
                id=field("summary"),
                placeholder=label("incident.summary", lang),
                maxLength=4000,
                className="incident-text",
                # what is typed survives the panel's redraws (another operator's step)
                persistence=True,
                persistence_type="memory",
            ),
            html.Button(
                label("incident.close", lang),
                id={"type": ids.INCIDENT_ACT, "action": "close"},
                className="danger",
            ),
        ],
        className="incident-forms",
    )


def create_incident_panel(
    doc: dict[str, Any] | None, may_act: bool, label: Label, lang: str
) -> list:
    """The right panel for ?incident=ID: what, where, the zones and what they hold, the plume,
    resources (with 调派 for operators), tasks, grid workers, response times, timeline."""
    close = html.Button(
        label("panel.close", lang), id={"type": ids.INCIDENT_LINK, "id": 0}, className="close"
    )
    if doc is None:
        return [close, html.P(label("incident.not_found", lang))]
    where = (doc["enterprise"] or {}).get("name") or f"{doc['lon']:.5f}, {doc['lat']:.5f}"
    state = label(f"incident.{doc['state']}", lang)
    head = html.Div(
        [
            html.H2(kind_line(doc, label, lang)),
            html.Div(
                f"{state} · {label('incident.at', lang)} {where} · "
                f"{label('incident.opened', lang)} {local_time(doc['opened_at'])} "
                f"{doc['opened_by']}",
                className="muted",
            ),
        ],
        className="incident-head drill" if doc["drill"] else "incident-head",
    )
    lang_q = f"?lang={lang}"
    links = html.Div(
        [
            html.A(
                label("incident.report", lang),
                href=f"/api/incidents/{doc['id']}/report.pdf{lang_q}",
                download="",
            ),
            html.A(
                label("incident.lists", lang),
                href=f"/api/incidents/{doc['id']}/lists.xlsx{lang_q}",
                download="",
            ),
        ],
        className="incident-links",
    )
    contacts = [
        html.Li(f"{c['name']} · {c['person']} {c['phone'] or ''}") for c in doc["contacts"][:8]
    ]
    body: list[Any] = [
        close,
        head,
        message(),
        html.H3(label("incident.zones", lang)),
        _zones(doc, label, lang),
        *_plume(doc, label, lang),
        html.H3(label("incident.resources", lang)),
        _resources(doc, may_act, label, lang),
        html.P(doc["distance_note"], className="muted small"),
        *_tasks(doc, may_act, label, lang),
        html.H3(label("incident.contacts", lang)),
        html.Ul(contacts, className="incident-contacts"),
        html.H3(label("incident.response", lang)),
        _response(doc, label, lang),
        html.H3(label("incident.timeline", lang)),
        _timeline(doc, label, lang),
        links,
    ]
    if may_act and doc["state"] == "open":
        body.append(_forms(label, lang))
    if doc["summary"]:
        body.append(html.P(f"{label('incident.summary', lang)}: {doc['summary']}"))
    return body


def create_incident_banner(items: list[dict[str, Any]], label: Label, lang: str) -> list:
    """The incidents under way, on every screen: each a link to its panel and map."""
    if not items:
        return []
    links = [
        html.Button(
            kind_line(i, label, lang),
            id={"type": ids.INCIDENT_LINK, "id": i["id"]},
            className="incident-chip drill" if i["drill"] else "incident-chip",
        )
        for i in items[:5]
    ]
    return [html.Span(label("incident.active", lang), className="banner-label"), *links]


def watermark_class(items: list[dict[str, Any]]) -> str:
    """The drill watermark shows while any drill is under way."""
    return "drill-watermark on" if any(i["drill"] for i in items) else "drill-watermark"


def create_start_form(credit_code: str, label: Label, lang: str) -> html.Div:
    """Open an incident or a drill at this enterprise (operators; the server checks)."""
    return html.Div(
        [
            html.H3(label("incident.start", lang)),
            dcc.Dropdown(
                id=field("kind"),
                options=[
                    {"label": label(f"incident.kind.{k}", lang), "value": k}
                    for k in vocab.INCIDENT_KINDS
                ],
                value="toxic_release",
                clearable=False,
            ),
            html.Label(
                [
                    html.Span(label("incident.rate", lang)),
                    dcc.Input(
                        id=field("rate"),
                        type="number",
                        min=0.001,
                        max=10000,
                        step=0.1,
                        value=1,
                    ),
                ],
                className="field-label",
            ),
            dcc.Checklist(
                id=field("drill"),
                options=[{"label": label("incident.is_drill", lang), "value": "drill"}],
                value=["drill"],
                inline=True,
            ),
            html.Button(
                label("incident.start", lang),
                id={"type": ids.INCIDENT_START, "code": credit_code},
                className="danger",
            ),
            message(),
        ],
        className="incident-start",
    )
