"""Wall links: a video-wall screen's password-less, read-only sign-in that opens only the wall
page and the map layers, and stops on every worker within seconds of being revoked."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

import dashboard.auth
from dashboard.app import create_app
from dashboard.auth import WALL_COOKIE, hash_password, is_public, is_wall_path, wall_target
from dashboard.cli import main
from dashboard.settings import Settings
from data_loaders.store import session_scope
from data_loaders.store.schema import WallLink
from data_loaders.times import CHINA
from data_loaders.users import ROLES, WALL_ROLE, has_role, save_user
from data_loaders.walls import (
    create_wall_link,
    find_wall_link,
    list_wall_links,
    revoke_wall_link,
)

pytestmark = pytest.mark.sqlite_only(
    "a wall link is one row found by its hash; the gate is the web's"
)

NOW = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
HTML = {"Accept": "text/html,application/xhtml+xml"}


def make_link(engine, name: str = "大屏1", now: datetime = NOW) -> str:
    with session_scope(engine) as s:
        return create_wall_link(s, name, now)


def revoke(engine, name: str = "大屏1") -> bool:
    with session_scope(engine) as s:
        return revoke_wall_link(s, name, NOW)


@pytest.fixture
def server(engine):
    return create_app(Settings(warm_cache=False), engine=engine).server


@pytest.fixture
def wall(engine, server):
    """A test client signed in as a wall screen by its link."""
    client = server.test_client()
    token = make_link(engine)
    assert client.get(f"/wall/link/{token}").status_code == 303
    return client


def test_create_list_revoke_and_create_again(engine):
    token = make_link(engine)
    assert len(token) >= 40
    with session_scope(engine) as s:
        assert find_wall_link(s, token, NOW) == "大屏1"
        assert find_wall_link(s, token + "x", NOW) is None
        with pytest.raises(ValueError, match="已有同名大屏链接"):
            create_wall_link(s, "大屏1", NOW)
        (link,) = list_wall_links(s)
    assert link["name"] == "大屏1" and link["revoked_at"] is None
    assert link["created_at"] == NOW and link["last_seen_at"] == NOW
    assert revoke(engine) and not revoke(engine)  # a second revoke finds no live link
    with session_scope(engine) as s:
        assert find_wall_link(s, token, NOW) is None
        assert list_wall_links(s)[0]["revoked_at"] == NOW
    again = make_link(engine, now=NOW + timedelta(hours=1))
    with session_scope(engine) as s:
        assert find_wall_link(s, again, NOW) == "大屏1"
        assert find_wall_link(s, token, NOW) is None  # the old link stays dead
        (link,) = list_wall_links(s)
    assert link["revoked_at"] is None and link["created_at"] == NOW + timedelta(hours=1)


def test_only_the_tokens_hash_is_stored_and_last_seen_moves_once_a_minute(engine):
    token = make_link(engine, "hall-A_2")
    with session_scope(engine) as s:
        row = s.scalar(select(WallLink))
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in (row.name, row.token_hash)
        assert row.last_seen_at is None
        find_wall_link(s, token, NOW)
        find_wall_link(s, token, NOW + timedelta(seconds=30))
        assert s.scalar(select(WallLink.last_seen_at)) == NOW
        find_wall_link(s, token, NOW + timedelta(seconds=61))
        assert s.scalar(select(WallLink.last_seen_at)) == NOW + timedelta(seconds=61)


@pytest.mark.parametrize("name", ["", "a" * 51, "two words", "../x", "a/b", "x\n", "名字!"])
def test_bad_names_are_refused(engine, name):
    with session_scope(engine) as s, pytest.raises(ValueError, match="大屏链接名称"):
        create_wall_link(s, name, NOW)


def test_the_wall_role_is_nobodys_and_includes_nothing(engine):
    assert WALL_ROLE not in ROLES
    assert not has_role(WALL_ROLE, "viewer")
    with session_scope(engine) as s, pytest.raises(ValueError):
        save_user(s, "w", WALL_ROLE, "x")


def test_wall_paths_and_public_paths():
    assert is_wall_path("/wall", "GET") and is_wall_path("/wall/", "GET")
    assert is_wall_path("/wall/_dash-update-component", "POST")
    assert is_wall_path("/api/layers/grids.geojson", "GET") and is_wall_path("/tiles/1/2/3", "GET")
    assert not is_wall_path("/api/layers/grids.geojson", "POST")
    assert not is_wall_path("/wall/../api/stats", "GET")
    assert not is_wall_path("/wallx", "GET") and not is_wall_path("/api/stats", "GET")
    assert is_public("/wall/link/abc") and is_public("/wall/signed-out")
    assert not is_public("/wall/") and not is_public("/wall/link/../x")
    assert wall_target({"screen": "a,b:c_d-1", "tour": "30", "lang": "en"}) == (
        "/wall/?screen=a,b:c_d-1&tour=30&lang=en"
    )
    assert wall_target({"screen": "<x>", "next": "//evil", "tour": "9" * 601}) == "/wall/"
    long_tour = ",".join(f"grid:3303810{i:02d}" for i in range(1, 16))  # 209 characters
    assert wall_target({"tour": long_tour}) == f"/wall/?tour={long_tour}"
    assert not is_wall_path("/api/layers/targets.geojson", "GET")
    assert not is_wall_path("/api/layers/grids.geojson.x", "GET")


def test_the_link_sets_the_cookie_and_goes_to_the_wall(engine, server):
    client = server.test_client()
    token = make_link(engine)
    answer = client.get(f"/wall/link/{token}?screen=overview&tour=60&next=//evil&lang=<b>")
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/wall/?screen=overview&tour=60"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert answer.headers["Cache-Control"] == "no-store"
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith(f"{WALL_COOKIE}={token};")
    for part in ("HttpOnly", "SameSite=Lax", "Path=/", f"Max-Age={400 * 86400}"):
        assert part in cookie
    assert "Secure" not in cookie  # only with ONEMAP_SECURE_COOKIES
    assert client.get_cookie(WALL_COOKIE).value == token


def test_a_bad_token_is_404_and_sets_no_cookie(engine, server):
    client = server.test_client()
    make_link(engine)
    answer = client.get("/wall/link/not-a-token", headers=HTML)
    assert answer.status_code == 404 and "Set-Cookie" not in answer.headers
    page = answer.get_data(as_text=True)
    assert "链接无效或已注销" in page and "not valid or was revoked" in page
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert client.get_cookie(WALL_COOKIE) is None


def test_a_wall_screen_opens_only_the_wall_and_the_layers(wall):
    layers = wall.get("/api/layers/grids.geojson?level=2")
    assert layers.status_code == 200
    assert wall.get("/wall/", headers=HTML).status_code == 200  # the wall page
    assert wall.get("/wall/_dash-layout").status_code == 200  # its Dash app
    assert wall.get("/wall/state.json").status_code == 200  # its poll
    health = wall.get("/health").get_json()  # as a watchdog sees it: no names of the store
    assert "with_gaps" not in health["ingest"]["gaps"]
    assert health["reasons"] == [
        {"code": r["code"], "message": r["code"]} for r in health["reasons"]
    ]
    page = wall.get("/", headers=HTML)
    assert page.status_code == 403 and "大屏链接只能打开大屏" in page.get_data(as_text=True)
    assert "text/html" in page.headers["Content-Type"]
    paths = ("/api/stats", "/api/alarms", "/_dash-layout", "/api/incidents", "/brief/_dash-layout")
    paths += ("/brief/map.png?period=2026-11", "/api/briefing.pdf", "/api/briefings")
    for path in paths:  # the briefings (issue 17) are the bureau's documents, not the wall's
        answer = wall.get(path)
        assert answer.status_code == 403, path
        assert "error" in answer.get_json()
    assert wall.post("/api/incidents", json={"kind": "leak"}).status_code == 403
    assert wall.post("/api/alarms/1/acknowledge").status_code == 403
    assert wall.post("/_dash-update-component", json={}).status_code == 403
    assert wall.post("/api/layers/grids.geojson").status_code == 403  # layers: GET only
    # not the layers it does not draw: the resources' and targets' contacts and phones
    for path in ("/api/layers/targets.geojson", "/api/layers/resources.geojson"):
        assert wall.get(path).status_code == 403, path


def test_each_wall_page_load_keeps_the_cookie_and_no_log_keeps_the_token(engine, server):
    import logging

    from dashboard.auth import MaskWallTokens

    client = server.test_client()
    token = make_link(engine)
    client.get(f"/wall/link/{token}")
    renewed = client.get("/wall/", headers=HTML).headers.get("Set-Cookie", "")
    assert renewed.startswith(f"{WALL_COOKIE}={token};") and "Max-Age=34560000" in renewed
    assert "Set-Cookie" not in client.get("/wall/state.json").headers  # the page's load only
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        "",
        0,
        '%s - - "%s" %s',
        ("1.2.3.4", f"GET /wall/link/{token}?screen=map HTTP/1.1", 303),
        None,
    )
    MaskWallTokens().filter(record)
    assert token not in record.getMessage() and "/wall/link/…?screen=map" in record.getMessage()


def test_a_signed_in_persons_session_wins_over_the_wall_cookie(engine, server):
    with session_scope(engine) as s:
        save_user(s, "vera", "viewer", hash_password("viewer-pass"))
    client = server.test_client()
    client.get(f"/wall/link/{make_link(engine)}")
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    signed = client.post("/login", data={"name": "vera", "password": "viewer-pass", "csrf": csrf})
    assert signed.status_code == 302
    assert client.get("/api/stats").status_code == 200


def test_a_revoked_link_signs_the_screen_out(engine, wall, monkeypatch):
    monkeypatch.setattr(dashboard.auth, "SESSION_CACHE_S", 0)
    assert wall.get("/api/layers/grids.geojson?level=2").status_code == 200
    assert revoke(engine)
    answer = wall.get("/api/layers/grids.geojson?level=2")
    assert answer.status_code == 401
    # a layer's answer keeps the cookie: the wall page's poll must still hear why
    assert "Set-Cookie" not in answer.headers and wall.get_cookie(WALL_COOKIE) is not None
    for _ in range(2):  # the callbacks' and the poll's answers say why, and keep it too
        poll = wall.get("/wall/state.json")
        assert poll.status_code == 401 and poll.get_json()["signed_out"] is True
        assert "Set-Cookie" not in poll.headers
    page = wall.get("/wall/", headers=HTML)  # where the poll sends the screen forgets it
    assert page.status_code == 302 and page.headers["Location"] == "/wall/signed-out"
    forgets = page.headers["Set-Cookie"]
    assert forgets.startswith(f"{WALL_COOKIE}=;") and "Max-Age=0" in forgets
    assert wall.get_cookie(WALL_COOKIE) is None


def test_the_wall_page_hears_that_its_link_was_revoked(engine, wall, monkeypatch):
    monkeypatch.setattr(dashboard.auth, "SESSION_CACHE_S", 0)
    token = wall.get_cookie(WALL_COOKIE).value
    assert revoke(engine)
    poll = wall.post("/wall/_dash-update-component", json={})
    assert poll.status_code == 401
    assert poll.get_json() == {"error": "wall link revoked", "signed_out": True}
    assert wall.get_cookie(WALL_COOKIE).value == token  # kept until the screen is told
    page = wall.get("/wall/", headers=HTML)
    assert page.status_code == 302 and page.headers["Location"] == "/wall/signed-out"
    signed_out = wall.get("/wall/signed-out", headers=HTML)
    assert signed_out.status_code == 200 and "此大屏链接已注销" in signed_out.get_data(as_text=True)
    assert "Max-Age=0" in signed_out.headers["Set-Cookie"]


@pytest.fixture
def cli(engine, monkeypatch):
    monkeypatch.setenv("ONEMAP_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    return lambda *args, **kw: runner.invoke(main, list(args), **kw)


def test_cli_create_list_revoke(cli, engine):
    made = cli("wall-link", "create", "大屏1", "--url", "https://onemap.example/")
    assert made.exit_code == 0, made.output
    link = re.search(r"https://onemap\.example/wall/link/(\S+)", made.output)
    assert link and "只显示一次" in made.output
    with session_scope(engine) as s:
        assert find_wall_link(s, link.group(1), NOW) == "大屏1"
    default = cli("wall-link", "create", "hall")
    assert "http://127.0.0.1:8050/wall/link/" in default.output
    assert cli("wall-link", "create", "hall").exit_code == 2
    assert cli("wall-link", "create", "bad name").exit_code == 2
    assert cli("wall-link", "revoke", "hall").exit_code == 0
    listed = cli("wall-link", "list")
    assert listed.exit_code == 0
    lines = listed.output.splitlines()
    assert lines[0].split() == ["name", "created", "last", "seen", "state"]
    rows = {line.split()[0]: line for line in lines[1:]}  # by name (collations differ)
    assert rows.keys() == {"大屏1", "hall"}
    assert rows["大屏1"].endswith("有效 active") and rows["hall"].endswith("已注销 revoked")
    with session_scope(engine) as s:  # China time: the created column reads 8 hours ahead
        created = s.scalar(select(WallLink.created_at).where(WallLink.name == "hall"))
    assert rows["hall"].split()[1:3] == created.astimezone(CHINA).strftime("%Y-%m-%d %H:%M").split()
    missing = cli("wall-link", "revoke", "hall")
    assert missing.exit_code == 1 and "no live wall link named hall" in missing.output
