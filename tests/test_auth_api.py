"""Who may do what, checked on the server: sign-in, HTTP Basic, roles on alarm actions,
the limit on wrong passwords; and the sensor and alarm routes' contracts."""

from __future__ import annotations

from base64 import b64encode
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from sqlalchemy import select

from dashboard.app import create_app
from dashboard.auth import hash_password
from dashboard.settings import Settings
from data_loaders.store import session_scope
from data_loaders.store.schema import AlarmEvent, Sensor
from data_loaders.telemetry.store import SensorDirectory, ingest_body
from data_loaders.times import CHINA
from data_loaders.users import save_user

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


def test_sign_in_with_the_form_and_sign_out(site):
    client = site.test_client()
    wrong = client.post("/login?next=/?lang=en", data={"name": "vera", "password": "nope"})
    assert wrong.status_code == 401 and "错误" in wrong.get_data(as_text=True)
    ok = client.post(
        "/login?next=/%3Flang%3Den", data={"name": "vera", "password": PASSWORDS["vera"]}
    )
    assert ok.status_code == 302 and ok.headers["Location"] == "/?lang=en"
    assert client.get("/api/stats").status_code == 200
    client.get("/logout")
    assert client.get("/api/stats").status_code == 401


def test_sign_in_never_redirects_to_another_site(site):
    client = site.test_client()
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        r = client.post(
            "/login", data={"name": "vera", "password": PASSWORDS["vera"], "next": target}
        )
        assert r.headers["Location"] == "/"


def test_wrong_passwords_are_rate_limited(site):
    client = site.test_client()
    for _ in range(5):
        assert client.post("/login", data={"name": "ada", "password": "guess"}).status_code == 401
    blocked = client.post("/login", data={"name": "ada", "password": PASSWORDS["ada"]})
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    # HTTP Basic counts against the same limit
    assert client.get("/api/stats", headers=basic("ada")).status_code == 429
    # another person is not locked out by it
    assert client.get("/api/stats", headers=basic("vera")).status_code == 200


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
