"""The API described (GET /api/openapi.json) and fuzzed against that description: Schemathesis
drives the WSGI app in-process on a small throwaway store, as an operator and anonymously, and
checks no answer is a 5xx and every answer's status, content type and body are documented."""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dashboard.api import routes
from dashboard.app import create_app
from dashboard.auth import hash_password
from dashboard.openapi import XLSX, document, operation
from dashboard.settings import Settings
from data_loaders.demo.city import build_city
from data_loaders.store import make_engine, session_scope
from data_loaders.users import save_user

TOKEN = "fuzz-ingest-token"
OPERATOR = "Basic " + base64.b64encode(b"duty:duty-pass-1").decode()
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# examples per operation and mode: few (the file's whole run stays near a minute on two
# cores); documents made on request (PDF, Word, workbooks) cost most, so they get fewer
# (ONEMAP_FUZZ_EXAMPLES=200 for a deeper run by hand; the suite keeps the default)
EXAMPLES = int(os.environ.get("ONEMAP_FUZZ_EXAMPLES", "8"))
DOCUMENT_EXAMPLES = max(1, EXAMPLES // 8)  # a PDF costs a second or two
DOCUMENTS = ("briefing", "incident_report")


# the progress route takes the workbook's bytes as its body: sent as they are generated
schemathesis.serializer.alias(XLSX, "application/octet-stream")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest) -> str:
    """Which store the module's app runs on."""
    return request.param


@pytest.fixture(scope="module")
def server(
    store: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """The whole app (sign-in required, HTTP telemetry on) on a small demo city of its own,
    on each store (PostgreSQL refuses texts SQLite takes: a NUL was a 500 there only): the
    fuzzer's POSTs change it, and it is thrown away after this file."""
    where = tmp_path_factory.mktemp("fuzz")
    dbs = request.getfixturevalue("pg_databases") if store == "postgresql" else None
    url = dbs.new() if dbs is not None else f"sqlite:///{where / 'city.db'}"
    engine = make_engine(url)
    build_city(engine, seed=3, scale=0.02, today=date(2026, 11, 23))
    with session_scope(engine) as s:
        save_user(s, "duty", "operator", hash_password("duty-pass-1"))
    briefings = where / "briefings"
    briefings.mkdir()
    app = create_app(
        Settings(warm_cache=False, ingest_token=TOKEN, briefing_dir=str(briefings)),
        engine=engine,
    )
    yield app.server
    engine.dispose()
    if dbs is not None:
        dbs.release(url)


@pytest.fixture(scope="module")
def api_schema(server: Any) -> Any:
    """The app's own document, loaded by Schemathesis from the app (as the operator)."""
    return schemathesis.openapi.from_wsgi(
        "/api/openapi.json", server, headers={"Authorization": OPERATOR}
    )


def api_rules(server: Any) -> set[tuple[str, str]]:
    """(method, OpenAPI path) of every JSON route Flask has: /api/… and /health."""
    found = set()
    for rule in server.url_map.iter_rules():
        if rule.endpoint == "onemap_api.not_found":
            continue  # the JSON 404 of any other /api/ path
        if rule.rule.startswith("/api/") or rule.rule == "/health":
            path = rule.rule
            for var in rule.arguments:
                path = path.replace(f"<{var}>", "{" + var + "}")
                path = path.replace(f"<int(max=2147483647):{var}>", "{" + var + "}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                found.add((method.lower(), path))
    return found


def test_document_lists_every_json_route(server: Any) -> None:
    """The document's operations are exactly Flask's JSON routes (a route added to the app
    anywhere but the route list, or left out of the document, fails here)."""
    doc = (
        server.test_client()
        .get("/api/openapi.json", headers={"Authorization": OPERATOR})
        .get_json()
    )
    assert doc["openapi"] == "3.1.0"
    documented = {(m, p) for p, ops in doc["paths"].items() for m in ops}
    assert documented == api_rules(server)


def test_the_document_is_valid_openapi_3_1() -> None:
    """Checked against the OpenAPI 3.1 meta-schema (Schemathesis' validate)."""
    schemathesis.openapi.from_dict(document(routes())).validate()


def test_a_route_without_a_description_fails() -> None:
    """A handler missing from DESCRIBED stops the document (and so this suite)."""

    def undescribed() -> None:  # a new route's handler
        return None

    with pytest.raises(KeyError, match="describe undescribed"):
        document([*routes(), ("/api/new", undescribed, ("GET",))])


def test_parameters_carry_the_routes_bounds() -> None:
    """Numbers from outside are bounded in the document as the routes bound them."""
    _path, alarms = operation("/api/alarms", dict(_handlers())["alarms"], "GET")
    limit = next(p for p in alarms["parameters"] if p["name"] == "limit")
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 5000)
    path, alarm = operation("/api/alarms/<int(max=2147483647):alarm_id>", _alarm(), "GET")
    assert path == "/api/alarms/{alarm_id}"
    assert alarm["parameters"][0]["schema"]["maximum"] == 2147483647
    assert {"401", "403", "404", "304"} <= set(alarm["responses"])


def _handlers() -> list[tuple[str, Any]]:
    return [(handler.__name__, handler) for _rule, handler, _m in routes()]


def _alarm() -> Any:
    return dict(_handlers())["alarm"]


def test_public_and_secured_routes(server: Any) -> None:
    """/health needs nobody; telemetry its bearer token; the rest the session or Basic."""
    doc = document(routes())
    assert doc["paths"]["/health"]["get"]["security"] == []
    assert doc["paths"]["/api/telemetry"]["post"]["security"] == [{"bearer": []}]
    assert "security" not in doc["paths"]["/api/stats"]["get"]
    assert doc["security"] == [{"session": []}, {"basic": []}]
    anonymous = server.test_client()
    assert anonymous.get("/api/openapi.json").status_code == 401


def fuzz(
    op: Any,
    headers: dict[str, str],
    mode: GenerationMode,
    n: int,
    path: dict[str, Any] | None = None,
    expect: int | None = None,
) -> list[str]:
    """Run n generated cases of one operation (path: fixed path parameters; expect: the one
    status every answer must have); every failed check, as a curl command."""
    failures: list[str] = []

    @settings(
        max_examples=n,
        derandomize=True,  # the same cases every run (a failure reproduces)
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: bounded time
        suppress_health_check=list(HealthCheck),
    )
    @given(case=op.as_strategy(generation_mode=mode, path_parameters=path))
    def run(case: Any) -> None:
        response = case.call(headers=headers)
        if expect is not None and response.status_code != expect:
            failures.append(f"{case.as_curl_command()}\n  {response.status_code}, not {expect}")
        # /health's 503 (?require=ingest, the ingest down) is its documented answer
        checks = CHECKS[1:] if op.path == "/health" else CHECKS
        try:
            case.validate_response(response, checks=checks)
        except BaseExceptionGroup as group:  # every failure collected, the run goes on
            problems = "; ".join(str(e).splitlines()[0] for e in group.exceptions)
            failures.append(f"{case.as_curl_command(headers=headers)}\n  {problems}")

    run()
    return failures


OPERATIONS = sorted({(m, rule) for rule, _h, methods in routes() for m in methods})


@pytest.fixture(scope="module")
def real_ids(server: Any) -> dict[str, Any]:
    """Path parameters that name things in the store: an open alarm, a drill incident (opened
    here), a review meeting, a sensor, a task of that incident."""
    client = server.test_client()
    auth = {"Authorization": OPERATOR}
    alarm = client.get("/api/alarms?state=open&limit=1", headers=auth).get_json()[0]
    opened = client.post(
        "/api/incidents",
        json={"kind": "fire", "drill": True, "lon": 120.6, "lat": 27.8, "title": "fuzz"},
        headers=auth,
    )
    assert opened.status_code == 201, opened.get_json()
    incident = opened.get_json()["id"]
    task = client.post(
        f"/api/incidents/{incident}/tasks", json={"title": "fuzz"}, headers=auth
    ).get_json()["tasks"][0]["id"]
    meeting = client.get("/api/review/meetings", headers=auth).get_json()["meetings"][0]["id"]
    return {
        "alarm_id": alarm["id"],
        "incident_id": incident,
        "task_id": task,
        "meeting_id": meeting,
        "tag": alarm["sensor"],
    }


def anonymous(path: str) -> int | None:
    """What anyone without a sign-in gets: 401, but /health (public, its own answers)."""
    return None if path == "/health" else 401


def test_fuzz_the_api(api_schema: Any, real_ids: dict[str, Any], store: str) -> None:
    """Every operation, positive and negative data, as the operator and anonymously: no 5xx,
    and every answer as documented."""
    on_postgresql = store == "postgresql"
    started = time.monotonic()
    failures: list[str] = []
    seen = 0
    for result in api_schema.get_all_operations():
        op = result.ok()
        seen += 1
        name = op.definition.raw.get("operationId", "")
        n = DOCUMENT_EXAMPLES if name in DOCUMENTS else EXAMPLES
        if on_postgresql:  # the same code on a slower store: half (its own refusals matter;
            # test_a_nul_anywhere_is_a_400 pins what a deeper run here found)
            n = max(1, n // 2)
        # uncompressed answers: the WSGI client does not decode br/gzip (test_map_routes
        # checks the compression)
        plain = {"Accept-Encoding": "identity"}
        as_operator = plain | {"Authorization": OPERATOR}
        if op.path == "/api/telemetry":
            as_operator = plain | {"Authorization": f"Bearer {TOKEN}"}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures += fuzz(op, as_operator, mode, n)
        known = {k: v for k, v in real_ids.items() if k in op.path_parameters}
        if known:  # things that exist, so the route's own work runs (not only its 404)
            failures += fuzz(op, as_operator, GenerationMode.POSITIVE, n, known)
        if not on_postgresql:  # anonymous: the gate answers before any store is asked
            failures += fuzz(op, plain, GenerationMode.POSITIVE, 2, expect=anonymous(op.path))
    print(f"fuzzed {seen} operations in {time.monotonic() - started:.1f} s")
    assert not failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures[:40])
    assert seen == len(OPERATIONS) - 1  # all but the document's own (Schemathesis skips it)


def test_an_etag_is_documented_with_its_304(server: Any, real_ids: dict[str, Any]) -> None:
    """Every GET that answers with an ETag lists 304, and answers it to If-None-Match."""
    client = server.test_client()
    doc = document(routes())
    fill = real_ids | {"fmt": "docx", "action": "acknowledge", "period": "x", "name": "x"}
    fill |= {"z": 10}
    tagged = 0
    for path, ops in doc["paths"].items():
        if "get" not in ops or "{name}" in path or path == "/api/briefing.{fmt}":
            continue  # (files: never cached, never tagged)
        url = path.format(**fill)
        if "clusters" in path:
            url += "?z=10"
        if "incident.geojson" in path:
            url += f"?id={real_ids['incident_id']}"
        if path.endswith("/readings"):  # the same answer again (by default `since` moves)
            url += "?since=2026-11-22T00:00:00Z&until=2026-11-23T00:00:00Z"
        first = client.get(url, headers={"Authorization": OPERATOR})
        assert first.status_code == 200, (url, first.status_code)
        etag = first.headers.get("ETag")
        documented = "304" in ops["get"]["responses"]
        assert bool(etag) == documented, (path, etag)
        if etag:
            tagged += 1
            again = client.get(url, headers={"Authorization": OPERATOR, "If-None-Match": etag})
            assert again.status_code == 304, url
    assert tagged >= 15


def test_a_nul_anywhere_is_a_400(server: Any, real_ids: dict[str, Any]) -> None:
    """What the fuzzer found on PostgreSQL (which cannot store a NUL): ?grid=%00, a tag with
    one, a NUL in a JSON body or in drill readings were 500s (psycopg DataError); now a 400
    naming the parameter or the body's field."""
    client = server.test_client()
    auth = {"Authorization": OPERATOR}
    incident = real_ids["incident_id"]
    for url in (
        "/api/stats?grid=%00",
        "/api/layers/enterprises.geojson?class=red%00",
        "/api/layers/enterprise-clusters.json?z=3&q=a%00",
        "/api/sensors?enterprise=%00",
        "/api/sensors/A%00B/readings",
        "/api/exports/overdue-dangers.csv?grid=%00",
        "/api/briefing.docx?grid=%00",
        "/health?require=%00",
    ):
        answer = client.get(url, headers=auth)
        assert answer.status_code == 400, url
        assert answer.get_json()["code"] == "bad_text", url
    for url, body in (
        ("/api/incidents", {"kind": "fire", "lon": 120.6, "lat": 27.8, "title": "a\x00"}),
        (f"/api/alarms/{real_ids['alarm_id']}/acknowledge", {"note": "x\x00"}),
        (f"/api/incidents/{incident}/notes", {"note": "a\x00"}),
        (f"/api/incidents/{incident}/tasks", {"resource": "\x00"}),
        (f"/api/incidents/{incident}/inject", {"sensor": "\x00", "ts": 1763769600, "value": 1}),
        ("/api/review/meetings", {"held_on": "2026-11-01", "attendees": "\x00", "notes": []}),
    ):
        answer = client.post(url, json=body, headers=auth)
        assert answer.status_code == 400, url
        assert answer.get_json()["code"] == "bad_text", url
        assert "no NUL" in answer.get_json()["error"]


def test_other_api_paths_answer_json(server: Any) -> None:
    """No /api/ answer is a page: an unknown path is a JSON 404, a known one with another
    method a JSON 405 with Allow, an id past its bound a JSON 404."""
    client = server.test_client()
    auth = {"Authorization": OPERATOR}
    for method, url, status, allow in (
        ("GET", "/api/nothing", 404, None),
        ("POST", "/api/nothing/deeper", 404, None),
        ("GET", "/api/alarms/abc", 404, None),
        ("GET", "/api/alarms/99999999999", 404, None),
        ("GET", "/api/telemetry", 405, "POST"),
        ("POST", "/api/stats", 405, "GET"),
        ("DELETE", "/api/alarms", 405, "GET"),
    ):
        answer = client.open(url, method=method, headers=auth)
        assert (answer.status_code, answer.mimetype) == (status, "application/json"), url
        assert answer.headers.get("Allow") == allow, url
        assert answer.get_json()["error"]


def test_document_file_is_not_kept() -> None:
    """The document is data (dashboard/openapi.py), never a JSON file that drifts."""
    root = Path(__file__).resolve().parent.parent
    assert not list((root / "dashboard").glob("*openapi*.json"))
