"""Shared fixtures: real stores on SQLite and PostgreSQL, a small and a full demo city.

PostgreSQL and the MQTT broker are used at their usual local addresses when they answer
(ONEMAP_TEST_PG_URL / ONEMAP_TEST_MQTT_URL point elsewhere). A missing service skips its tests
with a one-line reason, and fails them under CI=true.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from data_loaders.demo.city import build_city
from data_loaders.store import init_db, make_engine

DATA = Path(__file__).resolve().parent / "data"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = ["sqlite", "postgresql"]
# A fixed "today" keeps every date-dependent figure (overdue, deadlines) reproducible.
TODAY = date(2026, 11, 23)
# The machine's usual services (every machine here and CI's has them; trust auth).
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MQTT_DEFAULT = "mqtt://127.0.0.1:1883"


def need_service(name: str, reason: str) -> None:
    """Fail under CI, skip elsewhere, when a service a test needs is missing."""
    if IN_CI:
        pytest.fail(f"{name} is required under CI: {reason}")
    pytest.skip(f"{name} not available: {reason}")


def service_url(variable: str, default: str, env: dict[str, str] | None = None) -> str:
    """The service a variable names, else the machine's usual local one."""
    env = os.environ if env is None else env
    return env.get(variable) or default


def reachable(host: str, port: int, timeout: float = 2.0) -> str | None:
    """None when something listens at host:port, else why not."""
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        return f"{host}:{port}: {exc}"
    return None


def _pg_admin_url() -> str:
    url = service_url("ONEMAP_TEST_PG_URL", PG_DEFAULT)
    parsed = make_url(url)
    problem = reachable(parsed.host or "127.0.0.1", parsed.port or 5432)
    if problem:
        need_service("PostgreSQL", f"{problem} (set ONEMAP_TEST_PG_URL to use another)")
    return url


class _PgDatabases:
    """Creates throw-away PostgreSQL databases and drops them at the end."""

    def __init__(self, admin_url: str) -> None:
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.base = make_url(admin_url)
        self.created: list[str] = []
        self._dropper: ThreadPoolExecutor | None = None

    def new(self) -> str:
        """A new empty database's URL."""
        name = f"onemap_t_{uuid.uuid4().hex[:12]}"
        try:
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:  # the server is down or refuses us
            need_service("PostgreSQL", str(exc).splitlines()[0])
        self.created.append(name)
        # a test's commits need not wait for the disk (the server's fsync costs most of a
        # PostgreSQL test's time here); what is tested is the store's logic, not its disk
        url = self.base.set(database=name).update_query_dict(
            {"options": "-c synchronous_commit=off"}
        )
        return url.render_as_string(hide_password=False)

    def replace(self, name: str, template: str) -> None:
        """Make database `name` (one of ours) a copy of `template` (its connections end)."""
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))

    def release(self, url: str) -> None:
        """A test is done with its database: dropped now, beside the next tests (a drop
        costs a tenth of a second of the server's; 250 of them at the end cost 13 s)."""
        name = make_url(url).database or ""
        if name in self.created:
            self.created.remove(name)
            if self._dropper is None:
                self._dropper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-drop")
            self._dropper.submit(self._drop, name)

    def _drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def drop_all(self) -> None:
        if self._dropper is not None:
            self._dropper.shutdown(wait=True)
        for name in self.created:
            self._drop(name)
        self.admin.dispose()


@pytest.fixture(scope="session")
def pg_databases() -> Iterator[_PgDatabases]:
    """The session's PostgreSQL database factory."""
    dbs = _PgDatabases(_pg_admin_url())
    yield dbs
    dbs.drop_all()


def _new_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'onemap.db'}"
    return request.getfixturevalue("pg_databases").new()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out the PostgreSQL run of a test marked `sqlite_only`, or the SQLite run of one
    marked `postgresql_only` (its subject does not depend on the store, or only production's
    matters): deselected, not skipped, so the suite's time goes where it tells."""
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on = callspec.params.get("backend") if callspec is not None else None
        left_out = (on == "postgresql" and item.get_closest_marker("sqlite_only")) or (
            on == "sqlite" and item.get_closest_marker("postgresql_only")
        )
        (drop if left_out else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each test using it runs on SQLite and on PostgreSQL."""
    return request.param


@pytest.fixture
def engine(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An empty, migrated store (for a test of the small city, the city's copy replaces it
    at once: migrating it first cost a third of a second per PostgreSQL test)."""
    eng = make_engine(_new_url(backend, tmp_path, request))
    if "small_city" not in request.fixturenames:
        init_db(eng)
    dbs = request.getfixturevalue("pg_databases") if backend == "postgresql" else None
    yield eng
    eng.dispose()
    if dbs is not None:
        dbs.release(eng.url.render_as_string(hide_password=False))


@pytest.fixture
def cli(engine: Engine, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """`onemap …` run in-process against the test's store: cli("stats", "--json")."""
    from click.testing import CliRunner

    from dashboard.cli import main

    monkeypatch.setenv("ONEMAP_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    return lambda *args, **kw: runner.invoke(main, list(args), **kw)


@pytest.fixture(scope="session")
def small_city_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Where each backend's small city was built once for the session (a SQLite file, a
    PostgreSQL database name): a test's own store is a copy, which takes a fraction of
    building it (the suite builds a few hundred)."""
    return {}


@pytest.fixture
def small_city(
    engine: Engine,
    backend: str,
    request: pytest.FixtureRequest,
    small_city_templates: dict[str, str],
) -> Engine:
    """A small demo city (400 enterprises, 120 villages) in the test's own store (the same
    one `engine` is, so a test may use both)."""
    if backend not in small_city_templates:
        if backend == "sqlite":
            where = str(request.getfixturevalue("tmp_path_factory").mktemp("tmpl") / "city.db")
            url = f"sqlite:///{where}"
        else:
            url = request.getfixturevalue("pg_databases").new()
            where = make_url(url).database or ""
        built = make_engine(url)
        build_city(built, seed=3, scale=0.02, today=TODAY)
        built.dispose()  # (a PostgreSQL template must have no connections when copied)
        small_city_templates[backend] = where
    template = small_city_templates[backend]
    engine.dispose()  # the store is replaced under it: no connection may keep the old one
    if backend == "sqlite":
        path = engine.url.database or ""
        for suffix in ("", "-wal", "-shm"):  # the write-ahead log goes with its file
            Path(path + suffix).unlink(missing_ok=True)
            if Path(template + suffix).exists():
                shutil.copyfile(template + suffix, path + suffix)
    else:
        request.getfixturevalue("pg_databases").replace(engine.url.database or "", template)
    return engine


@pytest.fixture(scope="session", params=BACKENDS)
def demo_city(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """The full demo city at scale 1, built once per backend for the whole session (read
    only: a test that changes the city takes `small_city`)."""
    url = _DEMO_CITY_URLS.get(request.param)
    if url is None:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
        else:
            url = request.getfixturevalue("pg_databases").new()
        built = make_engine(url)
        build_city(built, seed=7, scale=1.0, today=TODAY)
        built.dispose()
        _DEMO_CITY_URLS[request.param] = url
    eng = make_engine(url)
    # shared by every file after: a test that wrote to it would change the others' figures
    event.listen(eng, "connect", _read_only)
    yield eng
    eng.dispose()


def _read_only(connection, _record) -> None:  # type: ignore[no-untyped-def]
    """Make a new DB-API connection refuse writes (the demo city is shared)."""
    cursor = connection.cursor()
    if isinstance(connection, sqlite3.Connection):
        cursor.execute("PRAGMA query_only = ON")
    else:
        cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        connection.commit()
    cursor.close()


# pytest tears a parametrized session fixture down whenever the next test wants the other
# backend (each file runs its SQLite tests, then its PostgreSQL ones): the city, 10 s to
# build on PostgreSQL, was built again for every file. The built store outlives the fixture.
_DEMO_CITY_URLS: dict[str, str] = {}


@pytest.fixture(scope="session")
def mqtt_url() -> str:
    """The test broker (ONEMAP_TEST_MQTT_URL, else the local one); reachable, or the test
    skips (fails in CI)."""
    from data_loaders.telemetry.mqtt import parse_url

    url = service_url("ONEMAP_TEST_MQTT_URL", MQTT_DEFAULT)
    address = parse_url(url)
    problem = reachable(address.host, address.port)
    if problem:
        need_service("MQTT broker", f"{problem} (set ONEMAP_TEST_MQTT_URL to use another)")
    return url
