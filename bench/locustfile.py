"""Locust users for bench/load.py (run by it; not on its own): wall screens and operators.

The plan (ONEMAP_LOAD_PLAN, a JSON file load.py writes) holds what a real browser sent: the
requests the wall screen and the command page make on each poll, recorded with Chromium from
the running app (so nothing here knows how Dash talks to its server), the wall links, the
operators' accounts and the grids and alarms they look at.

- WallUser: opens its wall link once (the kiosk), then replays the wall's requests at the
  rhythm they were recorded at (its state every poll, a tour step's callbacks every 30 s),
  with the ETags a browser would send back.
- OperatorUser: signs in through the form, replays the command page's poll every period, and
  between polls does what a duty officer does: a grid's figures, the open alarms, one alarm's
  record, an acknowledgement, a grid's red enterprises, the committee review, the ranking.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from pathlib import Path
from typing import Any, ClassVar

from locust import HttpUser, constant_pacing, task

PLAN: dict[str, Any] = json.loads(Path(os.environ["ONEMAP_LOAD_PLAN"]).read_text("utf-8"))
POLL_S = PLAN["poll_seconds"]
_walls = itertools.cycle(PLAN["wall_tokens"])
_operators = itertools.cycle(PLAN["operators"])


class Screen(HttpUser):
    """A browser that replays a recorded poll (with its ETags) every poll period."""

    abstract = True
    wait_time = constant_pacing(POLL_S)
    poll: ClassVar[list[dict[str, Any]]] = []

    def on_start(self) -> None:
        """Each screen keeps its own ETags, as a browser's cache does, and its own phase (the
        screens did not all start at the same second)."""
        self.etags: dict[str, str] = {}
        self.polls = random.randrange(1_000_000)

    def replay_poll(self) -> None:
        """The recorded requests due at this poll, in order: each once in `every` polls, as
        often as the browser sent it while it was recorded."""
        self.polls += 1
        for r in self.poll:
            if self.polls % r.get("every", 1):
                continue
            headers = {k: v for k, v in r["headers"].items()}
            etag = self.etags.get(r["key"])
            if etag and r["method"] == "GET":
                headers["If-None-Match"] = etag
            with self.client.request(
                r["method"],
                r["path"],
                data=r["body"].encode() if r["body"] is not None else None,
                headers=headers,
                name=r["name"],
                catch_response=True,
                allow_redirects=False,
            ) as answer:
                if answer.status_code in (200, 204, 304):
                    if answer.headers.get("ETag"):
                        self.etags[r["key"]] = answer.headers["ETag"]
                    answer.success()
                else:
                    answer.failure(f"{answer.status_code}: {answer.text[:200]}")


class WallUser(Screen):
    """A wall screen (kiosk) on its own wall link."""

    fixed_count = int(os.environ.get("ONEMAP_LOAD_WALLS", "50"))
    poll = PLAN["wall_poll"]

    def on_start(self) -> None:
        """Open the wall link (its cookie is the screen's sign-in), as the kiosk does once."""
        super().on_start()
        token = next(_walls)
        self.client.get(f"/wall/link/{token}", name="GET /wall/link/<token>", allow_redirects=True)

    @task
    def poll_wall(self) -> None:
        """The wall's poll."""
        self.replay_poll()


class OperatorUser(Screen):
    """A duty officer at the command page."""

    fixed_count = int(os.environ.get("ONEMAP_LOAD_OPERATORS", "10"))
    poll = PLAN["command_poll"]

    def on_start(self) -> None:
        """Sign in through the form, as a person does."""
        super().on_start()
        name, password = next(_operators)
        page = self.client.get("/login", name="GET /login").text
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        self.client.post(
            "/login",
            data={"name": name, "password": password, "csrf": token},
            headers={"Origin": self.host},
            name="POST /login",
        )
        self.api_headers = {"Origin": self.host, "Accept": "application/json"}

    @task
    def work(self) -> None:
        """One poll, and now and then one action between polls."""
        self.replay_poll()
        if random.random() < 0.6:
            random.choice(self.ACTIONS)(self)

    def grid_figures(self) -> None:
        """A town or community's KPI."""
        code = random.choice(PLAN["grids"])
        self.client.get(
            f"/api/stats?grid={code}", name="GET /api/stats?grid=", headers=self.api_headers
        )

    def open_alarms(self) -> None:
        """The open alarms."""
        self.client.get(
            "/api/alarms?state=open", name="GET /api/alarms?state=open", headers=self.api_headers
        )

    def alarm_record(self) -> None:
        """One alarm with its events."""
        alarm = random.choice(PLAN["alarms"])
        self.client.get(
            f"/api/alarms/{alarm}", name="GET /api/alarms/<id>", headers=self.api_headers
        )

    def acknowledge(self) -> None:
        """Acknowledge one of the open alarms, as the duty officer does (409 when a colleague
        did a moment before: not an error)."""
        answer = self.client.get(
            "/api/alarms?state=open", name="GET /api/alarms?state=open", headers=self.api_headers
        )
        alarms = answer.json() if answer.ok else []
        if not alarms:
            return
        alarm = random.choice(alarms)["id"]
        with self.client.post(
            f"/api/alarms/{alarm}/acknowledge",
            json={"note": "压测确认"},
            headers=self.api_headers,
            name="POST /api/alarms/<id>/acknowledge",
            catch_response=True,
        ) as answer:
            if answer.status_code in (200, 409):
                answer.success()

    def red_enterprises(self) -> None:
        """A grid's red enterprises on the map."""
        code = random.choice(PLAN["grids"])
        self.client.get(
            f"/api/layers/enterprises.geojson?class=red&grid={code}",
            name="GET /api/layers/enterprises.geojson?class=red&grid=",
            headers=self.api_headers,
        )

    def review(self) -> None:
        """The committee review."""
        self.client.get("/api/review", name="GET /api/review", headers=self.api_headers)

    def ranking(self) -> None:
        """The quarter's ranking."""
        self.client.get("/api/rankings", name="GET /api/rankings", headers=self.api_headers)

    ACTIONS = (
        grid_figures,
        open_alarms,
        alarm_record,
        acknowledge,
        red_enterprises,
        review,
        ranking,
    )
