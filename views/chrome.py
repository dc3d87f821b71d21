"""The page chrome: the title, subtitle and the language and theme switches' links (which keep
the view the URL describes), and who is signed in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

from dash import dcc, html

from views import ids
from views.labels import Label
from views.url_state import encode_query, parse_query


class PageTexts(Protocol):
    """What the chrome reads of callbacks.deps.Deps: the default language, labels, title."""

    @property
    def lang(self) -> str: ...
    @property
    def label(self) -> Label: ...
    @property
    def title(self) -> Callable[[str], str]: ...


def chrome_texts(deps: PageTexts, search: str | None) -> tuple[str, str, str, str, str]:
    """Title, subtitle, the language switch's label and link (same view, other language),
    and the theme switch's link (same view, other theme): what the layout starts with."""
    state = parse_query(search, deps.lang)
    other = "en" if state.lang == "zh" else "zh"
    theme = "dark" if state.theme == "light" else "light"
    return (
        deps.title(state.lang),
        deps.label("app.subtitle", state.lang),
        deps.label("app.lang_switch", state.lang),
        encode_query(replace(state, lang=other), deps.lang) or "?",
        encode_query(replace(state, theme=theme), deps.lang) or "?",
    )


def create_user_box(
    label: Label, user: tuple[str, str] | None, lang: str, csrf: str = ""
) -> html.Div:
    """Who is signed in, with sign-out (a form post with the session's token: signing out
    changes state, so no plain link does it); or a sign-in link for the anonymous wall."""
    if user is None or not user[0]:
        return html.Div(html.A(label("login.signin", lang), href="/login"), id=ids.USER_BOX)
    name, role = user
    sign_out = html.Form(
        [
            dcc.Input(type="hidden", name="csrf", value=csrf),
            html.Button(label("login.logout", lang), type="submit", className="logout"),
        ],
        method="post",
        action=f"/logout?lang={lang}",
        className="logout-form",
    )
    return html.Div(
        [
            html.Span(f"{name} · {label('role.' + role, lang)}", className="user-name"),
            sign_out,
        ],
        id=ids.USER_BOX,
        className="user-box",
    )
