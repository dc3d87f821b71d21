"""The committee task editor below the 安委会 tab: pick a task in the list, update its status,
progress, note and evidence link. The role is checked on the server (update_task_as); every
change is recorded with who and when and shown in the task's history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dash import ClientsideFunction, Input, Output, State, ctx, dcc, html, no_update

from callbacks import ids
from callbacks.alarms import local_time
from callbacks.deps import Deps, Label
from callbacks.map_state import parse_query
from callbacks.tabs import committee_name
from data_loaders.actions.tasks import TaskError, update_task_as
from data_loaders.store import session_scope
from data_loaders.times import china_today
from data_loaders.vocab import TASK_STATUSES
from read_models.committee import load_task


def create_history(task: dict[str, Any], label: Label, lang: str) -> list:
    """The task's recorded changes, newest first."""
    if not task["events"]:
        return [html.P(label("common.none", lang), className="muted")]
    return [
        html.Li(
            [
                html.Span(f"{local_time(e['at'])} {e['actor']} ", className="who"),
                html.Span(f"{label('task.' + e['status'], lang)} {e['progress']}%"),
                html.Span(f" {e['note']}" if e["note"] else ""),
                html.A(f" {label('task.evidence', lang)}", href=e["evidence_url"], target="_blank")
                if e["evidence_url"]
                else None,
            ]
        )
        for e in task["events"]
    ]


def create_task_editor(label: Label, lang: str) -> html.Div:
    """The editor's shell, in the layout from the start (hidden until a task is picked), so
    its inputs exist for the save callback and keep what was typed across redraws."""
    return html.Div(
        [
            html.H3(label("task.edit", lang)),
            html.Div(html.P(label("task.pick", lang), className="muted"), id=ids.TASK_HEAD),
            html.Div(
                [
                    html.Label(label("col.status", lang), className="field-label"),
                    dcc.Dropdown(
                        id=ids.TASK_STATUS,
                        options=[
                            {"label": label(f"task.{s}", lang), "value": s} for s in TASK_STATUSES
                        ],
                        clearable=False,
                        searchable=False,
                    ),
                    html.Label(label("col.progress", lang) + " (%)", className="field-label"),
                    dcc.Input(
                        id=ids.TASK_PROGRESS,
                        type="number",
                        min=0,
                        max=100,
                        step=1,
                        className="field",
                    ),
                    html.Label(label("task.note", lang), className="field-label"),
                    dcc.Textarea(
                        id=ids.TASK_NOTE, value="", className="field note", maxLength=2000
                    ),
                    html.Label(label("task.evidence", lang), className="field-label"),
                    dcc.Input(
                        id=ids.TASK_EVIDENCE, type="url", placeholder="https://", className="field"
                    ),
                    html.Button(label("task.save", lang), id=ids.TASK_SAVE, className="task-save"),
                    html.Div(id=ids.TASK_MESSAGE, className="task-message", role="status"),
                ],
                id=ids.TASK_FORM,
                className="task-form hidden",
            ),
            html.H3(label("task.history", lang)),
            html.Ul(id=ids.TASK_HISTORY, className="history"),
        ],
        id=ids.TASK_EDITOR,
        className="task-editor hidden",
    )


def editor_values(task: dict[str, Any] | None, may_edit: bool, label: Label, lang: str) -> tuple:
    """What the editor shows for a task: head, form values, the form's class, history."""
    if task is None:
        pick = html.P(label("task.pick", lang), className="muted")
        return pick, no_update, no_update, no_update, no_update, "task-form hidden", []
    head = [
        html.B(task["title"]),
        html.Div(
            f"{committee_name(task, lang, 'committee_name')} · {task['owner_unit'] or ''}"
            f" · {label('col.due', lang)} {task['due_on'] or '—'}"
            f" · {label('task.' + task['status'], lang)} {task['progress']}%",
            className="muted",
        ),
        None if may_edit else html.P(label("task.readonly", lang), className="warn"),
    ]
    return (
        head,
        task["status"],
        task["progress"],
        "",
        task["evidence_url"] or "",
        "task-form" if may_edit else "task-form hidden",
        create_history(task, label, lang),
    )


def save_task(
    deps: Deps, code: str, values: dict[str, Any], now: datetime
) -> tuple[str | None, str | None]:
    """Apply an edit as the signed-in user: (error code, None) or (None, the task code)."""
    who = deps.current_user()
    try:
        update_task_as(
            deps.engine, who.name if who else None, who.role if who else None, code, values, now
        )
    except PermissionError:
        return "forbidden", None
    except TaskError as exc:
        return exc.code, None
    return None, code


def register(app, deps: Deps) -> None:  # type: ignore[no-untyped-def]
    """Pick a task from the list; draw its editor; save an edit; show the editor only on the
    committee tab (hidden, not redrawn, so what was typed survives other changes)."""

    @app.callback(
        Output(ids.TASK_SELECTED, "data"),
        Input({"type": ids.PANEL_TABLE, "name": "tasks"}, "cellClicked"),
        prevent_initial_call=True,
    )
    def pick_task(click):  # type: ignore[no-untyped-def]
        code = (click or {}).get("rowId")
        return code or no_update

    @app.callback(
        Output(ids.TASK_HEAD, "children"),
        Output(ids.TASK_STATUS, "value"),
        Output(ids.TASK_PROGRESS, "value"),
        Output(ids.TASK_NOTE, "value"),
        Output(ids.TASK_EVIDENCE, "value"),
        Output(ids.TASK_FORM, "className"),
        Output(ids.TASK_HISTORY, "children"),
        Input(ids.TASK_SELECTED, "data"),
        State(ids.LOCATION, "search"),
        prevent_initial_call=True,
    )
    def render_editor(code, search):  # type: ignore[no-untyped-def]
        lang = parse_query(search, deps.lang).lang
        with session_scope(deps.engine) as session:
            task = load_task(session, code, china_today()) if code else None
        return editor_values(task, deps.may("operator"), deps.label, lang)

    # shown on the committee tab without a dossier open (assets/panels.js; in the browser,
    # so a URL change costs no request here)
    app.clientside_callback(
        ClientsideFunction("onemap_panels", "editor_class"),
        Output(ids.TASK_EDITOR, "className"),
        Input(ids.LOCATION, "search"),
    )

    @app.callback(
        Output(ids.TASK_MESSAGE, "children"),
        Output(ids.TASK_HISTORY, "children", allow_duplicate=True),
        Output(ids.TASK_NOTE, "value", allow_duplicate=True),
        Input(ids.TASK_SAVE, "n_clicks"),
        State(ids.TASK_SELECTED, "data"),
        State(ids.TASK_STATUS, "value"),
        State(ids.TASK_PROGRESS, "value"),
        State(ids.TASK_NOTE, "value"),
        State(ids.TASK_EVIDENCE, "value"),
        State(ids.LOCATION, "search"),
        prevent_initial_call=True,
    )
    def save(n, code, status, progress, note, evidence, search):  # type: ignore[no-untyped-def]
        if not n or not code or ctx.triggered_id != ids.TASK_SAVE:
            return no_update, no_update, no_update
        lang = parse_query(search, deps.lang).lang
        values = {"status": status, "progress": progress, "note": note, "evidence_url": evidence}
        error, _ = save_task(deps, code, values, datetime.now(UTC))
        if error:
            message = html.Span(deps.label(f"task_error.{error}", lang), className="warn")
            return message, no_update, no_update
        with session_scope(deps.engine) as session:
            task = load_task(session, code, china_today())
        assert task is not None
        saved = deps.label("task.saved", lang).format(code=code)
        return html.Span(saved, className="ok"), create_history(task, deps.label, lang), ""
