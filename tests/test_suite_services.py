"""The suite finds the machine's PostgreSQL and MQTT broker at their usual addresses without
any variable (it skipped 80 tests on a machine that had both)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import MQTT_DEFAULT, PG_DEFAULT, reachable

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
def test_pg(pg_databases):
    assert pg_databases.new().startswith("postgresql")

def test_mqtt(mqtt_url):
    assert mqtt_url == "MQTT"
"""


def test_the_local_services_are_used_without_variables(tmp_path):
    pg = make_url(PG_DEFAULT)
    if reachable(pg.host, pg.port) or reachable("127.0.0.1", 1883):
        pytest.skip("this machine has no local PostgreSQL or broker to find")
    # A probe suite of its own (outside tests/, so no other run collects it) on our fixtures.
    (tmp_path / "conftest.py").write_text("from tests.conftest import mqtt_url, pg_databases\n")
    (tmp_path / "test_probe.py").write_text(PROBE.replace("MQTT", MQTT_DEFAULT))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEMAP_TEST_")}
    env.pop("CI", None)
    env["PYTHONPATH"] = str(ROOT)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", str(tmp_path), "-q", "-rs", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "2 passed" in run.stdout, run.stdout[-2000:]
