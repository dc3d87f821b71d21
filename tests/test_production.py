"""Production serving: gunicorn with four workers on PostgreSQL behaves as one process would.

Each request here goes on a connection of its own, so gunicorn's workers take them in turn
(whichever is free accepts); a test that passes only on one worker would fail here.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
import requests
from sqlalchemy import func, select, text

from dashboard.auth import hash_password
from dashboard.production import migrated_engine, production_settings
from data_loaders.store import init_db, make_engine, session_scope
from data_loaders.store.schema import LoginFailure, Sensor
from data_loaders.telemetry.store import SensorDirectory, ingest_body
from data_loaders.users import save_user

ROOT = Path(__file__).resolve().parents[1]
PASSWORDS = {"vera": "viewer-pass", "otto": "operator-pass", "olga": "operator-pass"}
SECRET = "s" * 48
WORKERS = 4
POLL_S = 3  # Settings.poll_seconds' default
ACCESS_LOG: dict[str, Path] = {}


def serving_pids(path: str) -> set[str]:
    """The workers (pids in the access log) that answered requests for a path."""
    lines = ACCESS_LOG["path"].read_text().splitlines()
    return {line.split()[0].strip("<>") for line in lines if f" {path} " in line}


def from_several_workers(path: str, ask, batches: int = 5) -> list:  # type: ignore[no-untyped-def]
    """ask() in batches of 12 until more than one worker has answered `path` (whichever is
    free accepts a connection: on a loaded machine one worker took 12 in a row); the answers."""
    answers = []
    for _ in range(batches):
        answers += [ask() for _ in range(12)]
        time.sleep(0.5)  # (the access log is written after each answer)
        if len(serving_pids(path)) >= 2:
            return answers
    raise AssertionError(f"one worker answered all {len(answers)} requests for {path}")


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker_pids(master: int) -> list[int]:
    """The gunicorn workers of a master process (its children)."""
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True
    ).stdout
    return [int(p) for p in out.split()]


def wait_workers(master: int, n: int, timeout: float = 60) -> list[int]:
    """Wait until the master has n workers; their pids."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = worker_pids(master)
        if len(pids) == n:
            return pids
        time.sleep(0.2)
    raise AssertionError(f"gunicorn has {len(worker_pids(master))} workers, not {n}")


def get(base: str, path: str, **kw) -> requests.Response:  # type: ignore[no-untyped-def]
    """One request on a connection of its own (any worker may take it)."""
    headers = {"Connection": "close", **kw.pop("headers", {})}
    return requests.get(base + path, headers=headers, timeout=10, allow_redirects=False, **kw)


def post(base: str, path: str, **kw) -> requests.Response:  # type: ignore[no-untyped-def]
    """A POST on a connection of its own."""
    headers = {"Connection": "close", **kw.pop("headers", {})}
    return requests.post(base + path, headers=headers, timeout=10, allow_redirects=False, **kw)


@pytest.fixture(scope="module")
def served(pg_databases, tmp_path_factory) -> Iterator[tuple[str, str, int]]:  # type: ignore[no-untyped-def]
    """`gunicorn 'dashboard.wsgi:server' -w 4` on a store of its own: (base URL, store URL,
    master pid). The store has a viewer, an operator and one open level-2 alarm."""
    url = pg_databases.new()
    engine = make_engine(url)
    init_db(engine)
    with session_scope(engine) as s:
        for name, role in (("vera", "viewer"), ("otto", "operator"), ("olga", "operator")):
            save_user(s, name, role, hash_password(PASSWORDS[name]))
        s.add(Sensor(tag="NH3-1", kind="ammonia", unit="ppm", level_1=150, level_2=300))
    now = datetime.now(UTC)
    body = orjson.dumps(
        [
            {"sensor": "NH3-1", "ts": (now - timedelta(seconds=30 - i)).isoformat(), "value": v}
            for i, v in enumerate([100, 320, 340])
        ]
    )
    with session_scope(engine) as s:
        ingest_body(s, body, SensorDirectory(), "http", now)
    engine.dispose()
    port = free_port()
    env = {
        **os.environ,
        "ONEMAP_DATABASE_URL": url,
        "ONEMAP_SECRET_KEY": SECRET,
        "ONEMAP_ANONYMOUS_ROLE": "",
        "ONEMAP_WARM_CACHE": "false",
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "dashboard.wsgi:server",
            "-w",
            str(WORKERS),
            "-b",
            f"127.0.0.1:{port}",
            "--graceful-timeout",
            "5",
            # which worker served each request (the tests prove more than one did)
            "--access-logfile",
            str(ACCESS_LOG.setdefault("path", tmp_path_factory.mktemp("web") / "access.log")),
            "--access-logformat",
            "%(p)s %(U)s %(s)s",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_workers(proc.pid, WORKERS)
        deadline = time.monotonic() + 90
        while True:
            try:
                if get(base, "/health").status_code == 200:
                    break
            except requests.RequestException:  # (refused, or a worker still booting)
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(proc.stderr.read().decode()[-3000:] if proc.stderr else "")
            time.sleep(0.3)
        # every worker has built its app (the first request of each is slower)
        for _ in range(WORKERS * 3):
            get(base, "/health")
        yield base, url, proc.pid
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        if proc.stderr:
            proc.stderr.close()


def sign_in(base: str, name: str, password: str) -> requests.Session:
    """A browser-like session signed in through the form (keeps its cookie)."""
    browser = requests.Session()
    page = browser.get(base + "/login", headers={"Connection": "close"}).text
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    answer = browser.post(
        base + "/login",
        data={"name": name, "password": password, "csrf": token},
        headers={"Origin": base, "Connection": "close"},
        allow_redirects=False,
    )
    assert answer.status_code == (302 if password == PASSWORDS.get(name) else 401)
    return browser


pytestmark = pytest.mark.usefixtures("served")


def test_gunicorn_refuses_to_start_without_a_shared_secret_or_on_a_stale_schema(tmp_path):
    store = f"sqlite:///{tmp_path / 'x.db'}"
    ahead = f"sqlite:///{tmp_path / 'ahead.db'}"
    newer = make_engine(ahead)
    init_db(newer)
    with newer.begin() as c:  # a newer release's migration, unknown to this code
        c.execute(text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
    newer.dispose()
    for secret in ("", "short", "CHANGE-ME" * 5):  # the last: the sample's placeholder, long
        with pytest.raises(ValueError, match="ONEMAP_SECRET_KEY must be set"):
            production_settings({"ONEMAP_SECRET_KEY": secret, "ONEMAP_DATABASE_URL": store})
    for url, says in (
        (store, ("is at empty, behind this code's", "run `onemap init-db`")),
        # init-db cannot help a schema a newer version migrated: not told to run it
        (ahead, ("0099_from_the_future, which this code does not know",)),
    ):
        settings = production_settings({"ONEMAP_SECRET_KEY": SECRET, "ONEMAP_DATABASE_URL": url})
        with pytest.raises(RuntimeError) as refused:
            migrated_engine(settings)
        assert all(part in str(refused.value) for part in says), refused.value
        if url == ahead:
            assert "init-db" not in str(refused.value)
    # and gunicorn's import of the entry is what refuses (both kinds, started at once: each
    # import of the app takes seconds)
    imports = [
        subprocess.Popen(
            [sys.executable, "-c", "import dashboard.wsgi"],
            env={
                **os.environ,
                "ONEMAP_SECRET_KEY": secret,
                "PYTHONPATH": str(ROOT),
                "ONEMAP_DATABASE_URL": url,
            },
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for secret, url in (("", store), (SECRET, ahead))
    ]
    try:
        errors = [run.communicate(timeout=120)[1] for run in imports]
    finally:
        for run in imports:
            run.kill()
            run.wait()
    assert all(run.returncode != 0 for run in imports)
    assert "ONEMAP_SECRET_KEY must be set" in errors[0]
    assert "0099_from_the_future" in errors[1], errors[1]
    assert "init-db" not in errors[1].strip().splitlines()[-1]


MIGRATE_AT_ONCE = """
import sys, time
from pathlib import Path
from data_loaders.store import init_db, make_engine
engine = make_engine(sys.argv[1])
go = Path(sys.argv[2])
while not go.exists():  # both processes ready, then both migrate at the same moment
    time.sleep(0.01)
init_db(engine)
"""


def test_processes_migrating_one_store_at_once_all_succeed(pg_databases, tmp_path):
    """The migrate unit and two ingest units (whose `onemap ingest` migrates too) may start
    together: concurrent upgrades of an empty PostgreSQL store raced on the same tables."""
    url = pg_databases.new()
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATE_AT_ONCE, url, str(go)],
            env=env,
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    time.sleep(4)  # (each imports the app's modules first)
    go.touch()
    errors = [p.communicate(timeout=120)[1] for p in runs]
    assert [p.returncode for p in runs] == [0, 0, 0], errors
    from data_loaders.store.engine import schema_mismatch

    assert schema_mismatch(make_engine(url)) is None


def test_a_sign_in_holds_on_every_worker_and_ends_on_all(served):
    base, _url, _master = served
    browser = sign_in(base, "vera", PASSWORDS["vera"])
    # the cookie one worker signed is good on all of them (one secret, sessions in the store)
    answers = from_several_workers(  # more than one worker held the sign-in
        "/api/stats", lambda: browser.get(base + "/api/stats", headers={"Connection": "close"})
    )
    assert {a.status_code for a in answers} == {200}
    page = browser.get(base + "/logout", headers={"Connection": "close"}).text
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    copied = dict(browser.cookies)
    out = browser.post(
        base + "/logout",
        data={"csrf": token},
        headers={"Connection": "close"},
        allow_redirects=False,
    )
    assert out.status_code == 302
    time.sleep(2.5)  # the workers look a session up again after 2 s (auth.SESSION_CACHE_S)
    # the cookie copied before the sign-out opens nothing on any worker
    stale = [get(base, "/api/stats", cookies=copied).status_code for _ in range(12)]
    assert set(stale) == {401}


def test_a_wrong_password_counts_once_whichever_worker_saw_it(served):
    base, url, _master = served
    for _ in range(3):
        sign_in(base, "otto", "not-the-password")
    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            counted = s.scalar(
                select(func.count())
                .select_from(LoginFailure)
                .where(LoginFailure.key.like("%|otto"))
            )
        assert counted == 3
        for _ in range(2):
            sign_in(base, "otto", "still-not-it")
        # the sixth try is refused by whichever worker takes it, the right password too
        for _ in range(4):
            basic = get(base, "/api/stats", auth=("otto", PASSWORDS["otto"]))
            assert basic.status_code == 429 and int(basic.headers["Retry-After"]) > 0
    finally:
        engine.dispose()


def test_an_alarm_change_through_one_worker_shows_on_all_within_a_poll(served):
    base, _url, _master = served
    viewer = ("vera", PASSWORDS["vera"])
    [alarm] = get(base, "/api/alarms?state=open", auth=viewer).json()
    # every worker's cache holds the alarm as it is now
    for _ in range(12):
        assert get(base, f"/api/alarms/{alarm['id']}", auth=viewer).json()["state"] == "open"
        assert [a["id"] for a in get(base, "/api/alarms?state=open", auth=viewer).json()] == [
            alarm["id"]
        ]
    ack = post(
        base, f"/api/alarms/{alarm['id']}/acknowledge", auth=("olga", "operator-pass"), json={}
    )
    assert ack.status_code == 200 and ack.json()["state"] == "acknowledged"
    time.sleep(POLL_S)  # one poll of the screens
    for _ in range(12):
        assert get(base, "/api/alarms?state=open", auth=viewer).json() == []
    answers = from_several_workers(  # (not one worker's answers)
        f"/api/alarms/{alarm['id']}", lambda: get(base, f"/api/alarms/{alarm['id']}", auth=viewer)
    )
    assert {a.json()["state"] for a in answers} == {"acknowledged"}


def test_a_killed_worker_is_replaced_and_the_others_answer_meanwhile(served):
    base, _url, master = served
    before = wait_workers(master, WORKERS)
    os.kill(before[0], signal.SIGKILL)
    codes = [get(base, "/health").status_code for _ in range(20)]
    assert set(codes) == {200}
    after = wait_workers(master, WORKERS)
    assert before[0] not in after
