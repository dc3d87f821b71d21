"""Who is asking and what they may do: password hashing (werkzeug's scrypt, shipped with Flask),
the login page, the session cookie or HTTP Basic for the API, a wall screen's link cookie, a gate
on every request, and a limit on wrong passwords kept in the store (so every web worker sees the
same count)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import threading
import time
from base64 import b64decode
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode, urlparse

import orjson
from flask import Flask, Response, g, redirect, request, session
from markupsafe import escape
from sqlalchemy import Engine, delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from dashboard.i18n import t
from data_loaders.store import session_scope
from data_loaders.store.schema import LoginFailure, User
from data_loaders.users import WALL_ROLE, Identity, end_session, find_session, open_session
from data_loaders.walls import find_wall_link, token_hash

# Routes anyone may fetch, matched whole (a prefix match let /loginx serve the page shell):
# the login page, health for watchdogs, telemetry (its own token), and static files (code
# and styles, no data), a wall screen's link (its token is its sign-in) and the page a screen
# whose link was revoked lands on.
PUBLIC_EXACT = frozenset(
    (
        "/login",
        "/logout",
        "/health",
        "/api/telemetry",
        "/_favicon.ico",
        "/favicon.ico",
        "/wall/signed-out",
    )
)
PUBLIC_FOLDERS = ("/assets/", "/_dash-component-suites/", "/wall/link/")
SESSION_CACHE_S = 2.0  # a session ended on another worker stops here within this

WALL_COOKIE = "onemap_wall"
WALL_COOKIE_MAX_AGE_S = 400 * 86400  # the longest browsers keep a cookie
WALL_ARGS = ("screen", "tour", "lang")  # the wall page's own query arguments, kept by the link
WALL_ARG = re.compile(r"[A-Za-z0-9,:_-]{1,600}")  # a tour of grid:CODE steps is long
# the map layers the wall draws (not the resources' and targets' contacts and phones)
WALL_LAYERS = re.compile(
    r"/api/layers/(grids|enterprise-clusters|major-hazards|listed-dangers|alarms|incident)"
    r"\.geojson"
)
WALL_LINK_IN_LOG = re.compile(r"(/wall/link/)[^\s?\"]+")
WALL_TOKEN_MAX = 100  # a token is 43 characters; a longer cookie is nobody's


def is_public(path: str) -> bool:
    """Whether a path may be fetched without signing in (whole routes and static folders)."""
    return path in PUBLIC_EXACT or (path.startswith(PUBLIC_FOLDERS) and ".." not in path)


def is_wall_path(path: str, method: str) -> bool:
    """Whether a wall screen may fetch this: the wall page (any method: its callbacks post),
    or a GET of the map layers it draws and of the tiles."""
    if ".." in path:
        return False
    if _under_wall(path):
        return True
    return method == "GET" and (bool(WALL_LAYERS.fullmatch(path)) or path.startswith("/tiles/"))


class MaskWallTokens(logging.Filter):
    """Access logs never keep a wall link's token (the store keeps only its hash)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/wall/link/" in message:
            record.msg, record.args = WALL_LINK_IN_LOG.sub(r"\1…", message), ()
        return True


def _under_wall(path: str) -> bool:
    return path == "/wall" or path.startswith("/wall/")


def wall_target(args: Mapping[str, str]) -> str:
    """Where a wall link sends the screen: /wall/ with only the wall page's own arguments
    (screen, tour, lang), each checked; anything else is dropped."""
    kept = [
        (name, args[name]) for name in WALL_ARGS if name in args and WALL_ARG.fullmatch(args[name])
    ]
    return "/wall/" + ("?" + urlencode(kept, safe=",:") if kept else "")


def hash_password(password: str) -> str:
    """A salted scrypt hash of a password."""
    if len(password) < 8:
        raise ValueError("a password has at least 8 characters / 密码至少 8 位")
    return generate_password_hash(password, method="scrypt")


def verify_password(password_hash: str, password: str) -> bool:
    """Whether a password matches its stored hash."""
    return check_password_hash(password_hash, password)


class TooManyAttempts(Exception):
    """Wrong passwords came too often from one address for one name."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(retry_after_s)
        self.retry_after_s = retry_after_s


class Auth:
    """Sign-in, identity of the current request, and the limit on wrong passwords."""

    def __init__(
        self,
        engine: Engine,
        anonymous_role: str = "",
        max_failures: int = 5,
        window_s: int = 900,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        idle_s: int = 7200,
        max_age_s: int = 7 * 86400,
        secure_cookies: bool = False,
    ) -> None:
        self.engine = engine
        self.anonymous_role = anonymous_role
        self.idle = timedelta(seconds=idle_s)
        self.max_age = timedelta(seconds=max_age_s)
        self.secure_cookies = secure_cookies
        self._sessions: dict[str, tuple[str | None, float]] = {}
        self.max_failures = max_failures
        self.window = timedelta(seconds=window_s)
        self.clock = clock
        # A verified Basic header is remembered for a minute: scrypt is slow on purpose,
        # and an API client sends the header on every request.
        self._basic: dict[bytes, tuple[Identity, float]] = {}
        self._roles: dict[str, tuple[str | None, float]] = {}
        self._walls: dict[str, tuple[str | None, float]] = {}
        self._lock = threading.Lock()

    # --- passwords ---------------------------------------------------------------------------
    def check(self, name: str, password: str, address: str) -> Identity | None:
        """The identity for a name and password, None when wrong (and counted);
        TooManyAttempts when this address has failed too often for this name."""
        key = f"{address}|{name}"[:200]
        now = self.clock()
        with session_scope(self.engine) as s:
            since = now - self.window
            failures = s.scalars(
                select(LoginFailure.at)
                .where(LoginFailure.key == key, LoginFailure.at > since)
                .order_by(LoginFailure.at)
            ).all()
            if len(failures) >= self.max_failures:
                oldest = failures[-self.max_failures]
                oldest = oldest.replace(tzinfo=UTC) if oldest.tzinfo is None else oldest
                raise TooManyAttempts(max(1, int((oldest + self.window - now).total_seconds())))
            user = s.scalar(select(User).where(User.name == name))
            # verify even for an unknown name, so timing does not tell which names exist
            stored = user.password_hash if user else _DUMMY_HASH
            if verify_password(stored, password) and user is not None:
                s.execute(delete(LoginFailure).where(LoginFailure.key == key))
                return Identity(user.name, user.role)
            s.add(LoginFailure(key=key, at=now))
            s.execute(delete(LoginFailure).where(LoginFailure.at < now - 4 * self.window))
        return None

    def failures(self, name: str, address: str) -> int:
        """Wrong passwords counted now for a name from an address."""
        with session_scope(self.engine) as s:
            return s.scalar(
                select(func.count())
                .select_from(LoginFailure)
                .where(
                    LoginFailure.key == f"{address}|{name}"[:200],
                    LoginFailure.at > self.clock() - self.window,
                )
            )

    # --- the current request -------------------------------------------------------------
    def _role_of(self, name: str) -> str | None:
        now = time.monotonic()
        with self._lock:
            hit = self._roles.get(name)
        if hit and hit[1] > now:
            return hit[0]
        with session_scope(self.engine) as s:
            role = s.scalar(select(User.role).where(User.name == name))
        with self._lock:
            self._roles[name] = (role, now + 10)
        return role

    def _from_basic(self, header: str) -> Identity | None:
        digest = hashlib.sha256(header.encode()).digest()
        with self._lock:
            hit = self._basic.get(digest)
        if hit and hit[1] > time.monotonic():
            return hit[0]
        try:
            name, _, password = b64decode(header.split(" ", 1)[1]).decode().partition(":")
        except (ValueError, IndexError, UnicodeDecodeError):
            return None
        who = self.check(name, password, request.remote_addr or "?")
        if who is not None:
            with self._lock:
                if len(self._basic) > 1000:
                    self._basic.clear()
                # 10 s: a password or role change reaches API clients as fast as browsers
                self._basic[digest] = (who, time.monotonic() + SESSION_CACHE_S * 5)
        return who

    def _session_user(self, token: str) -> str | None:
        """The user of a live server-side session (looked up again every couple of seconds)."""
        now = time.monotonic()
        with self._lock:
            hit = self._sessions.get(token)
        if hit and hit[1] > now:
            return hit[0]
        with session_scope(self.engine) as s:
            name = find_session(s, token, self.clock(), self.idle, self.max_age)
        with self._lock:
            if len(self._sessions) > 10_000:
                self._sessions.clear()
            self._sessions[token] = (name, now + SESSION_CACHE_S)
        return name

    def _wall_name(self, token: str) -> str | None:
        """The name of the live wall link of a token (looked up again every couple of seconds,
        so a link revoked anywhere stops on every worker within them)."""
        if not token or len(token) > WALL_TOKEN_MAX:
            return None
        key = token_hash(token)  # the cache, too, keeps no token
        now = time.monotonic()
        with self._lock:
            hit = self._walls.get(key)
        if hit and hit[1] > now:
            return hit[0]
        with session_scope(self.engine) as s:
            name = find_wall_link(s, token, self.clock())
        with self._lock:
            if len(self._walls) > 10_000:
                self._walls.clear()
            self._walls[key] = (name, now + SESSION_CACHE_S)
        return name

    def _from_wall_cookie(self) -> Identity | None:
        """The wall screen whose link cookie this browser holds; a revoked link is noted for the
        gate (the screen is told) and the response (the cookie is forgotten)."""
        token = request.cookies.get(WALL_COOKIE)
        if token is None:
            return None
        name = self._wall_name(token)
        if name is None:
            g.wall_revoked = True
            return None
        g.wall_token = token  # (the wall page's load renews the cookie)
        return Identity(f"wall:{name}", WALL_ROLE)

    def sign_in(self, who: Identity) -> None:
        """Start a server-side session for this browser (a new token: no fixation)."""
        with session_scope(self.engine) as s:
            token = open_session(s, who.name, self.clock(), request.remote_addr)
        session.clear()
        session.permanent = True
        session["sid"] = token
        session["csrf"] = secrets.token_urlsafe(24)

    def csrf_token(self) -> str:
        """This browser's session token for forms that change state (sign-out)."""
        token = session.get("csrf")
        return token if isinstance(token, str) else ""

    def sign_out(self) -> None:
        """End this browser's session on the server, then forget the cookie."""
        token = session.get("sid")
        if isinstance(token, str):
            with session_scope(self.engine) as s:
                end_session(s, token, self.clock(), "signed_out")
            with self._lock:
                self._sessions.pop(token, None)
        session.clear()

    def current(self) -> Identity | None:
        """Who makes this request: the session, else HTTP Basic, else a wall link's cookie,
        else the anonymous role."""
        token = session.get("sid")
        if isinstance(token, str):
            name = self._session_user(token)
            role = self._role_of(name) if name else None
            if name and role:
                return Identity(name, role)
            # an ended session, or a deleted user, stops at once (within the caches' seconds);
            # a wall screen someone once signed in at still opens the wall by its link
            return self._from_wall_cookie()
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            return self._from_basic(header)
        wall = self._from_wall_cookie()
        if wall is not None:
            return wall
        if self.anonymous_role:
            return Identity("", self.anonymous_role)
        return None

    # --- wiring --------------------------------------------------------------------------
    def install(self, server: Flask, default_lang: str) -> None:
        """The gate before every request, and the /login, /logout and wall link routes."""
        server.config.update(
            SESSION_COOKIE_HTTPONLY=True,
            SESSION_COOKIE_SAMESITE="Lax",
            SESSION_COOKIE_SECURE=self.secure_cookies,
            PERMANENT_SESSION_LIFETIME=self.max_age,
        )

        @server.before_request
        def gate() -> Response | None:
            if is_public(request.path):
                return None
            try:
                who = self.current()
            except TooManyAttempts as exc:
                return _too_many(exc)
            if who is not None and who.role == WALL_ROLE:
                if is_wall_path(request.path, request.method):
                    return None
                return wall_only(_wants_html())
            if g.get("wall_revoked") and _under_wall(request.path):
                # the wall page's poll sees this and goes to /wall/signed-out by itself
                return redirect("/wall/signed-out") if _wants_html() else wall_signed_out()
            if who is not None and who.may("viewer"):
                return None
            if _wants_html():
                target = request.full_path.rstrip("?")
                return redirect("/login?" + urlencode({"next": target}))
            return unauthorized()

        for name in ("werkzeug", "gunicorn.access"):
            logging.getLogger(name).addFilter(MaskWallTokens())

        @server.after_request
        def forget_revoked_wall(response: Response) -> Response:
            if (
                g.get("wall_token")
                and request.path == "/wall/"
                and request.method == "GET"
                and response.status_code == 200
            ):
                # each page load of a live link keeps its cookie for another 400 days: a
                # screen that runs for years is never sent to /login
                self._set_wall_cookie(response, g.wall_token)
            # forgotten only when the screen is sent to /wall/signed-out (which forgets it
            # too): a map layer's or a callback's answer forgetting it first left the poll a
            # plain 401, and the screen at /login
            if g.get("wall_revoked") and _under_wall(request.path) and _wants_html():
                self._forget_wall_cookie(response)
            return response

        @server.route("/wall/link/<token>")
        def wall_link(token: str) -> Response:
            # a direct look-up, not the cache: a link made a moment ago works at once
            name = None
            if len(token) <= WALL_TOKEN_MAX:
                with session_scope(self.engine) as s:
                    name = find_wall_link(s, token, self.clock())
            if name is None:
                response = Response(
                    wall_page("链接无效或已注销", "This wall link is not valid or was revoked"),
                    status=404,
                    mimetype="text/html",
                )
            else:
                response = redirect(wall_target(request.args), 303)  # type: ignore[assignment]
                self._set_wall_cookie(response, token)
            # the token is in this URL: no other site may see it, and no cache may keep it
            response.headers["Referrer-Policy"] = "no-referrer"
            response.headers["Cache-Control"] = "no-store"
            return response

        @server.route("/wall/signed-out")
        def wall_signed_out_page() -> Response:
            page = wall_page(
                "此大屏链接已注销，请联系管理员",
                "This screen's wall link was revoked: ask an administrator for a new one",
            )
            response = Response(page, mimetype="text/html")
            response.headers["Cache-Control"] = "no-store"
            self._forget_wall_cookie(response)
            return response

        @server.route("/login", methods=["GET", "POST"])
        def login() -> Response:
            lang = request.args.get("lang") or default_lang
            lang = lang if lang in ("zh", "en") else "zh"
            target = safe_next(request.values.get("next"))
            if request.method == "GET":
                return Response(login_page(lang, target, None, _form_token()), mimetype="text/html")
            # A page elsewhere must not sign this browser in as someone else (login CSRF):
            # the form carries a token bound to this browser's cookie, and a cross-site post
            # says where it comes from.
            if not same_origin(request.headers.get("Origin"), request.host_url) or not _token_ok(
                request.form.get("csrf"), session.get("login_csrf")
            ):
                page = login_page(lang, target, t("login.expired", lang), _form_token())
                return Response(page, status=400, mimetype="text/html")
            name = (request.form.get("name") or "").strip()
            password = request.form.get("password") or ""
            try:
                who = self.check(name, password, request.remote_addr or "?")
            except TooManyAttempts as exc:
                minutes = max(1, exc.retry_after_s // 60)
                error = t("login.too_many", lang).format(n=minutes)
                page = login_page(lang, target, error, _form_token())
                response = Response(page, status=429, mimetype="text/html")
                response.headers["Retry-After"] = str(exc.retry_after_s)
                return response
            if who is None:
                page = login_page(lang, target, t("login.wrong", lang), _form_token())
                return Response(page, status=401, mimetype="text/html")
            self.sign_in(who)
            return redirect(target)  # type: ignore[return-value]

        @server.route("/logout", methods=["GET", "POST"])
        def logout() -> Response:
            # Signing out changes state: a POST with the session's token (a link or an
            # image elsewhere must not sign anyone out). A GET asks to confirm.
            lang = request.args.get("lang") or default_lang
            lang = lang if lang in ("zh", "en") else "zh"
            if request.method == "GET" or not _token_ok(
                request.form.get("csrf"), session.get("csrf")
            ):
                if "sid" not in session:
                    return redirect("/login")  # type: ignore[return-value]
                page = logout_page(lang, session.get("csrf", ""))
                return Response(page, status=200 if request.method == "GET" else 400)
            self.sign_out()
            return redirect("/login")  # type: ignore[return-value]

    def _set_wall_cookie(self, response: Response, token: str) -> None:
        """The wall link's cookie: the token itself, for 400 days, never to scripts."""
        response.set_cookie(
            WALL_COOKIE,
            token,
            max_age=WALL_COOKIE_MAX_AGE_S,
            path="/",
            secure=self.secure_cookies,
            httponly=True,
            samesite="Lax",
        )

    def _forget_wall_cookie(self, response: Response) -> None:
        """Delete the wall link's cookie in this response (its attributes as it was set)."""
        response.delete_cookie(
            WALL_COOKIE, path="/", secure=self.secure_cookies, httponly=True, samesite="Lax"
        )


_DUMMY_HASH = generate_password_hash("not a password of anyone", method="scrypt")


def _form_token() -> str:
    """A fresh sign-in form token, remembered in this browser's cookie."""
    token = secrets.token_urlsafe(24)
    session["login_csrf"] = token
    return token


def _token_ok(sent: str | None, kept: str | None) -> bool:
    return bool(sent and kept) and hmac.compare_digest(str(sent), str(kept))


def same_origin(origin: str | None, host_url: str) -> bool:
    """Whether a request's Origin header (when the browser sent one) is this site."""
    if not origin:
        return True  # old browsers and same-origin navigations may omit it; the token stands
    ours = urlparse(host_url)
    theirs = urlparse(origin)
    return (theirs.scheme, theirs.netloc) == (ours.scheme, ours.netloc)


def unauthorized() -> Response:
    """401 asking for HTTP Basic (or the session cookie of a signed-in browser)."""
    response = Response(
        b'{"error":"sign in first (HTTP Basic or the session cookie)"}',
        status=401,
        mimetype="application/json",
    )
    response.headers["WWW-Authenticate"] = 'Basic realm="onemap", charset="UTF-8"'
    return response


def _wants_html() -> bool:
    """Whether this request is a browser opening a page (not a script fetching data)."""
    return request.method == "GET" and "text/html" in request.headers.get("Accept", "")


def wall_only(html: bool) -> Response:
    """403 for a wall screen outside the wall: a page for a browser, JSON for a script."""
    if html:
        page = wall_page("大屏链接只能打开大屏", "A wall link opens only the wall", "/wall/")
        return Response(page, status=403, mimetype="text/html")
    body = orjson.dumps({"error": "大屏链接只能打开大屏 / a wall link opens only the wall"})
    return Response(body, status=403, mimetype="application/json")


def wall_signed_out() -> Response:
    """401 for the wall page's requests once its link is revoked (it then shows signed-out)."""
    body = orjson.dumps({"error": "wall link revoked", "signed_out": True})
    return Response(body, status=401, mimetype="application/json")


def wall_page(message_zh: str, message_en: str, back: str | None = None) -> str:
    """A small bilingual page for a wall screen (plain HTML: no script, nothing to load)."""
    link = f'<p class="login-lang"><a href="{escape(back)}">大屏 / Wall</a></p>' if back else ""
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(message_zh)}</title>
<link rel="stylesheet" href="/assets/app.css"></head>
<body class="login-page"><main class="login-box">
<h1>{escape(message_zh)}</h1>
<p lang="en">{escape(message_en)}</p>
{link}
</main></body></html>"""


def _too_many(exc: TooManyAttempts) -> Response:
    response = Response(
        b'{"error":"too many wrong passwords; try again later"}',
        status=429,
        mimetype="application/json",
    )
    response.headers["Retry-After"] = str(exc.retry_after_s)
    return response


def safe_next(target: str | None) -> str:
    """A local path to go to after signing in (never another site)."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def logout_page(lang: str, csrf: str) -> str:
    """Asks to confirm signing out (a GET never signs out)."""
    return f"""<!doctype html>
<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">
<title>{escape(t("login.logout", lang))}</title>
<link rel="stylesheet" href="/assets/app.css"></head>
<body class="login-page"><main class="login-box">
<h1>{escape(t("login.logout_confirm", lang))}</h1>
<form method="post" action="/logout?lang={lang}">
<input type="hidden" name="csrf" value="{escape(csrf)}">
<button type="submit">{escape(t("login.logout", lang))}</button>
</form>
<p class="login-lang"><a href="/?lang={lang}">{escape(t("login.back", lang))}</a></p>
</main></body></html>"""


def login_page(lang: str, target: str, error: str | None, csrf: str = "") -> str:
    """The sign-in page (plain HTML: it must work before any script has loaded)."""
    other = "en" if lang == "zh" else "zh"
    error_html = f'<p class="login-error" role="alert">{escape(error)}</p>' if error else ""
    query = urlencode({"next": target, "lang": other})
    return f"""<!doctype html>
<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(t("login.title", lang))}</title>
<link rel="stylesheet" href="/assets/app.css"></head>
<body class="login-page"><main class="login-box">
<h1>{escape(t("login.title", lang))}</h1>
{error_html}
<form method="post" action="/login?{escape(urlencode({"next": target, "lang": lang}))}">
<input type="hidden" name="csrf" value="{escape(csrf)}">
<label>{escape(t("login.name", lang))}<input name="name" autocomplete="username" required
 autofocus></label>
<label>{escape(t("login.password", lang))}<input name="password" type="password"
 autocomplete="current-password" required></label>
<button type="submit">{escape(t("login.submit", lang))}</button>
</form>
<p class="login-lang"><a href="/login?{escape(query)}">{escape(t("app.lang_switch", lang))}</a></p>
</main></body></html>"""
