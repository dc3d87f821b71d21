"""The committee task editor below the 安委会 tab: pick a task in the list, update its status,
progress, note and evidence link. The role is checked on the server (update_task_as); every
change is recorded with who and when and shown in the task's history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dash import ClientsideFunction, Input, Output, State, ctx, html, no_update

from callbacks.deps import Deps
from data_loaders.actions.tasks import TaskError, update_task_as
from data_loaders.store import session_scope
from data_loaders.times import china_today
from read_models.committee import load_task
from views import ids
from views.task_editor import create_history, editor_values
from views.url_state import parse_query


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
