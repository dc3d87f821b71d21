"""The committee task editor's components: the editor (hidden until a task is picked), what it
shows for a task, and the task's history."""

from __future__ import annotations

from typing import Any

from dash import dcc, html, no_update

from data_loaders.vocab import TASK_STATUSES
from views import ids
from views.format import local_time
from views.labels import Label
from views.tabs.committee import committee_name


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
