"""CLI commands not covered elsewhere: users, demo refusal, export, columns."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from dashboard.auth import verify_password
from dashboard.cli import main
from data_loaders.importers import export_kind
from data_loaders.store import get_meta, init_db, make_engine, session_scope
from data_loaders.store.schema import User
from data_loaders.users import has_role, save_user


def test_users_add_hashes_and_updates(cli, engine):
    assert (
        cli("users", "add", "zhang", "--role", "operator", "--password", "s3cret-pass").exit_code
        == 0
    )
    short = cli("users", "add", "li", "--role", "admin", "--password", "short")
    assert short.exit_code == 2 and "at least 8 characters" in short.output
    prompted = cli("users", "add", "wang", "--role", "viewer", input="another-pass\nanother-pass\n")
    assert prompted.exit_code == 0, prompted.output
    assert (
        cli("users", "add", "zhang", "--role", "admin", "--password", "new-password").exit_code == 0
    )
    with session_scope(engine) as s:
        users = {u.name: u for u in s.scalars(select(User))}
    assert set(users) == {"zhang", "wang"}
    assert users["zhang"].role == "admin" and "s3cret" not in users["zhang"].password_hash
    assert verify_password(users["zhang"].password_hash, "new-password")
    assert not verify_password(users["zhang"].password_hash, "s3cret-pass")
    assert verify_password(users["wang"].password_hash, "another-pass")
    assert (
        has_role("admin", "operator")
        and not has_role("viewer", "operator")
        and not has_role(None, "viewer")
    )


@pytest.mark.sqlite_only("the refusal does not depend on the database")
def test_demo_refuses_a_store_with_data_unless_replace(cli, engine):
    assert cli("demo", "--scale", "0.02").exit_code == 0
    again = cli("demo", "--scale", "0.02")
    assert again.exit_code != 0 and "--replace" in again.output
    assert (
        cli("users", "add", "keep", "--role", "viewer", "--password", "keep-me-please").exit_code
        == 0
    )
    assert cli("demo", "--scale", "0.02", "--replace").exit_code == 0
    with session_scope(engine) as s:
        assert s.scalar(select(User.name)) == "keep"


def test_cli_kind_choices_are_the_importable_kinds():
    from dashboard.cli import KIND_CHOICE
    from data_loaders.importers import KINDS

    assert list(KIND_CHOICE.choices) == list(KINDS)


def test_help_and_readme_name_the_same_export_formats(tmp_path, small_city):
    """The README said GeoPackage, `onemap export --help` did not: both name what exports."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    row = next(line for line in readme.splitlines() if line.startswith("| `onemap export"))
    helptext = " ".join(CliRunner().invoke(main, ["export", "--help"]).output.split())
    formats = {"CSV": ".csv", "XLSX": ".xlsx", "GeoJSON": ".geojson", "GeoPackage": ".gpkg"}
    for name, suffix in formats.items():
        assert name in row and name in helptext, name
        assert export_kind(small_city, "grids", tmp_path / f"g{suffix}") > 0
    assert "PDF" not in helptext


@pytest.mark.sqlite_only("covered by the importer round trips")
def test_export_and_columns(cli, small_city, tmp_path):
    out = cli("export", "major-hazards", str(tmp_path / "mh.csv"), "--headers", "zh")
    assert out.exit_code == 0 and "rows of major-hazards" in out.output
    head = (tmp_path / "mh.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert head.startswith("统一社会信用代码,名称,物质") and "R值" in head
    assert cli("export", "grids", str(tmp_path / "g.pdf")).exit_code != 0
    assert "`credit_code` | 统一社会信用代码" in cli("columns").output


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_ingest_process_beats_and_stops_on_signals(tmp_path, sig):
    url = f"sqlite:///{tmp_path / 'ingest.db'}"
    env = {**os.environ, "ONEMAP_DATABASE_URL": url, "ONEMAP_HEARTBEAT_SECONDS": "1"}
    # As from a background shell: SIGINT starts ignored, so only our own handler can stop it.
    proc = subprocess.Popen(
        [sys.executable, "-m", "dashboard", "ingest"],
        env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        engine = make_engine(url)
        beat = ""
        deadline = time.monotonic() + 30  # a loaded machine takes seconds to start Python
        while time.monotonic() < deadline:
            time.sleep(0.1)
            try:
                with session_scope(engine) as s:
                    beat = get_meta(s, "ingest_heartbeat")
            except OperationalError:
                continue  # the schema is still being created
            if beat:
                break
        assert beat, "no heartbeat recorded"
        proc.send_signal(sig)
        assert proc.wait(timeout=15) == 0
    finally:
        proc.kill()


def _children(pid: int) -> list[int]:
    """Processes whose parent is pid (from /proc, Linux)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":  # exited, waiting for its parent to reap it
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_run_stops_its_ingest_child(tmp_path, sig):
    """Ctrl-C, SIGTERM or even SIGKILL of `onemap run` leaves no ingest process behind."""
    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"sqlite:///{tmp_path / 'run.db'}"
    engine = make_engine(url)
    init_db(engine)
    with session_scope(engine) as s:  # a user already: run writes no var/demo-users.txt
        save_user(s, "duty", "operator", "x")
    engine.dispose()
    env = {
        **os.environ,
        "ONEMAP_DATABASE_URL": url,
        "ONEMAP_DEMO_ON_EMPTY": "false",
        "ONEMAP_WARM_CACHE": "false",
        "ONEMAP_SIMULATOR": "false",
        "ONEMAP_PORT": str(port),
    }
    # As from a background shell: SIGINT starts ignored, so only our own handler can stop it.
    proc = subprocess.Popen(
        [sys.executable, "-m", "dashboard", "run"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        deadline = time.monotonic() + 60
        children: list[int] = []
        while not children and time.monotonic() < deadline:
            time.sleep(0.2)
            children = _children(proc.pid)
        assert children, "no ingest child started"
        [child] = children
        # both up: the child's scheduler beats (a loaded machine takes seconds to start it)
        engine = make_engine(url)
        beat = ""
        while not beat and time.monotonic() < deadline:
            time.sleep(0.2)
            with contextlib.suppress(OperationalError), session_scope(engine) as s:
                beat = get_meta(s, "ingest_heartbeat")
        engine.dispose()
        assert beat, "the ingest child never started its scheduler"
        proc.send_signal(sig)
        proc.wait(timeout=30)
        assert _gone(child, 30), "the ingest child outlived onemap run"
    finally:
        proc.kill()
        for pid in _children(proc.pid):
            os.kill(pid, signal.SIGKILL)
