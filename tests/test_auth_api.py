"""Who may do what, checked on the server: sign-in, HTTP Basic, roles on alarm actions,
the limit on wrong passwords; and the sensor and alarm routes' contracts."""

from __future__ import annotations

import re
import time
from base64 import b64encode
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import orjson
import pytest
from sqlalchemy import select

from dashboard.app import create_app
from dashboard.auth import hash_password
from dashboard.settings import Settings
from data_loaders.store import session_scope
from data_loaders.store.schema import AlarmEvent, Sensor, WebSession
from data_loaders.telemetry.store import SensorDirectory, ingest_body
from data_loaders.times import CHINA
from data_loaders.users import find_session, open_session, save_user

T_IDLE = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
PASSWORDS = {"vera": "viewer-pass", "otto": "operator-pass", "ada": "admin-pass-1"}


@pytest.fixture
def site(engine):
    """An app that requires sign-in, three users, and one open level-2 alarm."""
    with session_scope(engine) as s:
        for name, role in (("vera", "viewer"), ("otto", "operator"), ("ada", "admin")):
            save_user(s, name, role, hash_password(PASSWORDS[name]))
        s.add(Sensor(tag="NH3-1", kind="ammonia", unit="ppm", level_1=150, level_2=300))
    now = datetime.now(UTC)
    body = orjson.dumps(
        [
            {
                "sensor": "NH3-1",
                "ts": (now - timedelta(seconds=40 - i * 10)).isoformat(),
                "value": v,
            }
            for i, v in enumerate([100, 320, 330, 340])
        ]
    )
    with session_scope(engine) as s:
        ingest_body(s, body, SensorDirectory(), "http", now)
    app = create_app(Settings(warm_cache=False), engine=engine)
    return app.server


def basic(name: str) -> dict[str, str]:
    token = b64encode(f"{name}:{PASSWORDS[name]}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_pages_and_data_need_a_sign_in(site):
    client = site.test_client()
    page = client.get("/", headers={"Accept": "text/html"})
    assert page.status_code == 302 and page.headers["Location"].startswith("/login?next=")
    api = client.get("/api/stats")
    assert api.status_code == 401 and api.headers["WWW-Authenticate"].startswith("Basic")
    assert client.get("/_dash-layout").status_code == 401
    assert client.get("/health").status_code == 200  # watchdogs need no password
    login = client.get("/login")
    assert login.status_code == 200 and "登录" in login.get_data(as_text=True)


def form_token(client, path: str = "/login") -> str:
    """The sign-in form's token (bound to this client's cookie)."""
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def sign_in(client, name: str, next_: str = "/", password: str | None = None):  # type: ignore[no-untyped-def]
    """Post the sign-in form as a browser does: the form first, then the post."""
    data = {"name": name, "password": password or PASSWORDS[name], "csrf": form_token(client)}
    return client.post("/login?" + urlencode({"next": next_}), data=data)


def sign_out(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/logout").get_data(as_text=True)
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    assert client.post("/logout", data={"csrf": token}).status_code == 302


def test_sign_in_with_the_form_and_sign_out(site):
    client = site.test_client()
    wrong = sign_in(client, "vera", "/?lang=en", password="nope")
    assert wrong.status_code == 401 and "错误" in wrong.get_data(as_text=True)
    ok = sign_in(client, "vera", "/?lang=en")
    assert ok.status_code == 302 and ok.headers["Location"] == "/?lang=en"
    assert client.get("/api/stats").status_code == 200
    # a GET (a link or an image on another page) never signs out: it asks to confirm
    assert client.get("/logout").status_code == 200
    assert client.get("/api/stats").status_code == 200
    assert client.post("/logout", data={"csrf": "forged"}).status_code == 400
    assert client.get("/api/stats").status_code == 200
    sign_out(client)
    assert client.get("/api/stats").status_code == 401


def test_sign_in_never_redirects_to_another_site(site):
    client = site.test_client()
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        assert sign_in(client, "vera", target).headers["Location"] == "/"


def test_wrong_passwords_are_rate_limited(site):
    client = site.test_client()
    for _ in range(5):
        assert sign_in(client, "ada", password="guess").status_code == 401
    blocked = sign_in(client, "ada")
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    # HTTP Basic counts against the same limit
    assert client.get("/api/stats", headers=basic("ada")).status_code == 429
    # another person is not locked out by it
    assert client.get("/api/stats", headers=basic("vera")).status_code == 200


def test_a_cross_site_sign_in_is_refused(site):
    """A page elsewhere posting the form (its own user's password) must not sign this
    browser in as that user: no token bound to this browser, or another Origin."""
    client = site.test_client()
    data = {"name": "vera", "password": PASSWORDS["vera"]}
    assert client.post("/login", data=data).status_code == 400
    assert client.post("/login", data={**data, "csrf": "guessed"}).status_code == 400
    token = form_token(client)
    evil = client.post(
        "/login", data={**data, "csrf": token}, headers={"Origin": "https://evil.example"}
    )
    assert evil.status_code == 400
    assert client.get("/api/stats").status_code == 401
    ours = client.post(
        "/login", data={**data, "csrf": form_token(client)}, headers={"Origin": "http://localhost"}
    )
    assert ours.status_code == 302 and client.get("/api/stats").status_code == 200


@pytest.mark.sqlite_only("the session table's rule is one SQL on both; it waits out a cache twice")
def test_a_copied_cookie_stops_working_when_its_session_ends(site, engine):
    """Signing out ended nothing on the server: a copied cookie worked for 7 days."""
    client = site.test_client()
    sign_in(client, "vera")
    cookie = client.get_cookie("session").value
    thief = site.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get("/api/stats").status_code == 200
    sign_out(client)
    time.sleep(2.1)  # the other workers' session cache (2 s)
    assert thief.get("/api/stats").status_code == 401
    # a password change ends every session of that user; so does a role change
    try:
        _password_and_role_changes_end_sessions(site, engine, client)
    finally:
        PASSWORDS["otto"] = "operator-pass"


def _password_and_role_changes_end_sessions(site, engine, client) -> None:  # type: ignore[no-untyped-def]
    for change in ("password", "role"):
        sign_in(client, "otto")
        assert client.get("/api/stats").status_code == 200
        with session_scope(engine) as s:
            if change == "password":
                save_user(s, "otto", "operator", hash_password("a-new-password"))
            else:
                save_user(s, "otto", "viewer", hash_password(PASSWORDS["otto"]))
        PASSWORDS["otto"] = "a-new-password" if change == "password" else PASSWORDS["otto"]
        time.sleep(2.1)
        assert client.get("/api/stats").status_code == 401, change


def test_an_idle_sign_in_ends(engine):
    with session_scope(engine) as s:
        save_user(s, "vera", "viewer", hash_password(PASSWORDS["vera"]))
        token = open_session(s, "vera", T_IDLE)
    idle, age = timedelta(minutes=30), timedelta(days=7)
    with session_scope(engine) as s:
        assert find_session(s, token, T_IDLE + timedelta(minutes=29), idle, age) == "vera"
    with session_scope(engine) as s:  # seen at 29 min: 30 min idle from then
        assert find_session(s, token, T_IDLE + timedelta(minutes=58), idle, age) == "vera"
    with session_scope(engine) as s:
        assert find_session(s, token, T_IDLE + timedelta(minutes=90), idle, age) is None
    with session_scope(engine) as s:  # ended for good, whatever happens next
        assert find_session(s, token, T_IDLE + timedelta(minutes=91), idle, age) is None
        reason = s.scalar(select(WebSession.ended_reason))
    assert reason == "idle"
    assert Settings.from_env({"ONEMAP_SESSION_IDLE_MINUTES": "15"}).session_idle_minutes == 15


def test_the_gate_matches_whole_routes(site):
    """/loginx?enterprise=CODE served the page shell (with that enterprise's position in its
    map spec) to anyone: the public routes are whole paths."""
    client = site.test_client()
    for path in ("/loginx?enterprise=X", "/login/../", "/healthz", "/api/telemetryx", "/logoutx"):
        r = client.get(path, headers={"Accept": "text/html"})
        assert r.status_code in (302, 401), path
        assert r.status_code == 401 or r.headers["Location"].startswith("/login?next=")
    # a path that is no page is a 404, also for someone signed in (Dash served the page)
    sign_in(client, "vera")
    assert client.get("/loginx", headers={"Accept": "text/html"}).status_code == 404
    assert client.get("/", headers={"Accept": "text/html"}).status_code == 200
    sign_out(client)
    # the health page names no sensor or topic to an anonymous visitor
    assert "with_gaps" not in client.get("/health").json["ingest"]["gaps"]
    assert "with_gaps" in client.get("/health", headers=basic("vera")).json["ingest"]["gaps"]
    assert client.get("/assets/app.css").status_code == 200
    assert client.get("/assets/../dashboard/auth.py").status_code in (302, 401, 404)


def test_cookies_can_be_https_only(engine):
    for secure in (True, False):
        app = create_app(Settings(warm_cache=False, secure_cookies=secure), engine=engine)
        page = app.server.test_client().get("/login")
        cookie = page.headers["Set-Cookie"]
        assert (
            ("; Secure" in cookie) is secure and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        )


def test_sign_in_behind_a_proxy_that_ends_https(site, engine):
    """The browser says Origin: https://… while the request reaches us as http://…: every
    sign-in was refused. With ONEMAP_TRUSTED_PROXIES the forwarded scheme and host count."""
    behind = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "onemap.example",
        "Origin": "https://onemap.example",
    }
    direct = site.test_client()
    data = {"name": "vera", "password": PASSWORDS["vera"], "csrf": form_token(direct)}
    assert direct.post("/login", data=data, headers=behind).status_code == 400  # not trusted
    proxied = create_app(Settings(warm_cache=False, trusted_proxies=1), engine=engine).server
    client = proxied.test_client()
    data = {"name": "vera", "password": PASSWORDS["vera"], "csrf": form_token(client)}
    assert client.post("/login", data=data, headers=behind).status_code == 302
    evil = {**behind, "Origin": "https://evil.example"}
    other = proxied.test_client()
    data = {**data, "csrf": form_token(other)}
    assert other.post("/login", data=data, headers=evil).status_code == 400


def test_alarm_actions_need_the_operator_role(site):
    client = site.test_client()
    [alarm] = client.get("/api/alarms?state=open", headers=basic("vera")).json
    assert alarm["level"] == 2 and alarm["sensor"] == "NH3-1" and alarm["peak"] == 340
    url = f"/api/alarms/{alarm['id']}/acknowledge"
    assert client.post(url, json={}).status_code == 401
    assert client.post(url, json={}, headers=basic("vera")).status_code == 403
    # JSON only: a form post (what a cross-site page could send) is refused
    form = client.post(url, data={"x": "1"}, headers=basic("otto"))
    assert form.status_code == 415
    ack = client.post(url, json={}, headers=basic("otto"))
    assert ack.status_code == 200 and ack.json["state"] == "acknowledged"
    again = client.post(url, json={}, headers=basic("otto"))
    assert again.status_code == 409 and again.json["code"] == "wrong_state"
    close = f"/api/alarms/{alarm['id']}/close"
    no_reason = client.post(close, json={}, headers=basic("ada"))
    assert no_reason.status_code == 400 and no_reason.json["code"] == "reason_required"
    closed = client.post(close, json={"reason": "传感器标定后复测正常"}, headers=basic("ada"))
    assert closed.json["state"] == "closed"
    events = client.get(f"/api/alarms/{alarm['id']}", headers=basic("vera")).json["events"]
    assert [(e["actor"], e["action"]) for e in events] == [
        ("system", "open"),
        ("otto", "acknowledge"),
        ("ada", "close"),
    ]
    assert events[-1]["note"] == "传感器标定后复测正常"
    assert (
        client.post("/api/alarms/99999/acknowledge", json={}, headers=basic("otto")).status_code
        == 404
    )
    # ids beyond what the store holds are not found, not a 500 (SQLite's integer overflowed)
    huge = "/api/alarms/99999999999999999999999"
    assert client.get(huge, headers=basic("vera")).status_code == 404
    assert client.post(huge + "/acknowledge", json={}, headers=basic("otto")).status_code == 404
    assert (
        client.get("/api/rankings?month=0000-01", headers=basic("vera")).json["code"] == "bad_month"
    )


def test_sensor_routes(site, engine):
    client = site.test_client()
    [sensor] = client.get("/api/sensors", headers=basic("vera")).json
    assert sensor["tag"] == "NH3-1" and sensor["latest"]["value"] == 340
    assert sensor["thresholds"] == {"level_1": 150, "level_2": 300, "direction": "high"}
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    got = client.get(
        "/api/sensors/NH3-1/readings", query_string={"since": since}, headers=basic("vera")
    ).json
    assert [r["value"] for r in got["readings"]] == [100, 320, 330, 340]
    assert client.get("/api/sensors/NOPE/readings", headers=basic("vera")).status_code == 404
    bad = client.get("/api/sensors/NH3-1/readings?since=yesterday", headers=basic("vera"))
    assert bad.status_code == 400
    # times with no UTC instant, or far outside the ledger, are a 400 (year 1 at +01:00 was a
    # 500: the store could not convert it)
    for since in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-12:00", "1970-01-01"):
        got = client.get(
            "/api/sensors/NH3-1/readings", query_string={"since": since}, headers=basic("vera")
        )
        assert got.status_code == 400, since
    until = client.get(
        "/api/sensors/NH3-1/readings",
        query_string={"until": "9999-12-31T23:59:59-12:00"},
        headers=basic("vera"),
    )
    assert until.status_code == 400
    with session_scope(engine) as s:
        assert s.scalar(select(AlarmEvent.actor)) == "system"


def test_a_dispatch_keeps_the_due_times_instant(site):
    """The README's own body, 18:00 China time, is 10:00 UTC when read back (SQLite kept the
    wall clock and dropped the offset: 18:00+00:00); a time without an offset is China time."""
    client = site.test_client()
    [alarm] = client.get("/api/alarms?state=open", headers=basic("otto")).json
    due = (datetime.now(UTC) + timedelta(days=1)).astimezone(CHINA).replace(microsecond=0)
    url = f"/api/alarms/{alarm['id']}/dispatch"
    body = {"assignee": "塘下镇安监站", "due": due.isoformat()}
    sent = client.post(url, json=body, headers=basic("otto"))
    assert sent.status_code == 200
    got = client.get(f"/api/alarms/{alarm['id']}", headers=basic("otto")).json
    assert datetime.fromisoformat(got["due_at"]) == due
    assert got["due_at"].endswith("+00:00")  # ISO 8601 with the offset
    naive = {"assignee": "塘下镇安监站", "due": due.replace(tzinfo=None).isoformat()}
    client.post(url, json=naive, headers=basic("otto"))
    got = client.get(f"/api/alarms/{alarm['id']}", headers=basic("otto")).json
    assert datetime.fromisoformat(got["due_at"]) == due
