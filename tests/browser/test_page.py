"""The first page in a real Chromium: figures from the store, both languages, no errors."""

from __future__ import annotations

import pytest

from data_loaders.queries import load_stats
from data_loaders.store import session_scope


@pytest.fixture(params=["sqlite"])
def backend(request):  # the browser does not care which database serves the page
    return request.param


def test_page_shows_the_figures_in_both_languages(page, live_server, small_city):
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    with session_scope(small_city) as s:
        doc = load_stats(s)
    page.goto(live_server + "/")
    card = page.locator("#kpi-enterprises")
    card.wait_for(timeout=20_000)
    assert f"{doc['enterprises']['total']:,}" in card.inner_text()
    assert page.locator("#page-title").inner_text() == "瑞安市应急管理一张图"
    assert (
        f"{doc['hidden_dangers']['rate']:.2%}" in page.locator("#kpi-hidden-dangers").inner_text()
    )
    page.click("#lang-link")
    page.wait_for_url("**lang=en")
    page.locator("#kpi-enterprises").wait_for()
    page.wait_for_function("document.querySelector('#page-title').innerText.includes('One-Map')")
    assert "Enterprises" in page.locator("#kpi-enterprises").inner_text()
    assert page.locator("#lang-link").inner_text() == "中文"
    assert not errors, errors
