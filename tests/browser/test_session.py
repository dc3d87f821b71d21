"""Signing out in a real Chromium ends the session on the server: the page's sign-out
button posts the session's token, and the cookie copied before it no longer works."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from tests.browser.conftest import sign_in


@pytest.fixture(params=["sqlite"])
def backend(request):  # the browser does not care which database serves the page
    return request.param


def _status(url: str, cookie: str) -> int:
    request = urllib.request.Request(url, headers={"Cookie": f"session={cookie}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_signing_out_ends_the_session_on_the_server(page, signed_server, small_city):
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, signed_server, "duty", "duty-pass-1")
    [cookie] = [c["value"] for c in page.context.cookies() if c["name"] == "session"]
    assert _status(f"{signed_server}/api/stats", cookie) == 200
    # a plain visit of /logout (what a link or an image elsewhere does) signs nobody out
    assert _status(f"{signed_server}/logout", cookie) == 200
    assert _status(f"{signed_server}/api/stats", cookie) == 200
    page.click("#user-box button.logout")
    page.wait_for_url("**/login**")
    page.wait_for_timeout(2100)  # the server's session cache (2 s)
    assert _status(f"{signed_server}/api/stats", cookie) == 401  # the copied cookie is dead
    page.goto(signed_server + "/")
    page.wait_for_url("**/login**")
    assert errors == []
