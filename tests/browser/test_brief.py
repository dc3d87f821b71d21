"""The briefing slides in a real browser (issue 17): a viewer opens them from the page's
briefing menu, walks them with the keyboard, a link opens the same slide, every text reads
from the back of the room, and the figures follow the data while the deck is shown."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from data_loaders.rules.metrics import RECTIFIED_STATUSES
from data_loaders.store import session_scope
from data_loaders.store.engine import bump_data_version
from data_loaders.store.schema import HiddenDanger
from data_loaders.times import china_today
from tests.browser.conftest import sign_in

SLIDE = "window.onemap.brief().slide"


@pytest.fixture(params=["sqlite"])
def backend(request):  # the browser does not care which database serves the page
    return request.param


# visible text under 22 px on the slide shown (Plotly's SVG text included)
SMALL_TEXT = """() => {
  const out = [];
  for (const el of document.querySelectorAll('.slide.on *')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const r = el.getBoundingClientRect();
    if (!own || !r.width || !r.height) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < 22) out.push(`${size}px ${el.textContent.trim().slice(0, 24)}`);
  }
  return out;
}"""


def test_a_viewer_walks_the_slides_with_the_keyboard(page, signed_server, small_city):
    base = signed_server
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_viewport_size({"width": 1920, "height": 1080})
    sign_in(page, base, "guest", "guest-pass-1")
    page.click("#brief-menu summary")
    link = page.locator("#brief-menu a", has_text="幻灯片").first
    href = link.get_attribute("href")
    assert href.startswith("/brief/?") and f"period={china_today().isoformat()[:7]}" in href
    pdf = page.request.get(
        base + page.locator("#brief-menu a", has_text="PDF").first.get_attribute("href")
    )
    assert pdf.status == 200 and pdf.body()[:5] == b"%PDF-"  # a viewer downloads it too

    page.goto(base + href)
    page.wait_for_selector(".slide.on", timeout=20_000)
    total = page.evaluate("window.onemap.brief().slides")
    assert total >= 10 and page.locator("#brief-counter").inner_text() == f"1 / {total}"
    assert "安全生产工作汇报" in page.locator(".slide.on").inner_text()
    for key, expected in (
        ("ArrowRight", 2),
        ("PageDown", 3),
        ("PageUp", 2),
        ("ArrowLeft", 1),
        ("ArrowLeft", 1),
        ("End", total),
        ("ArrowRight", total),
        ("Home", 1),
    ):
        page.keyboard.press(key)
        page.wait_for_function(f"{SLIDE} === {expected}", timeout=5_000)
        assert page.url.endswith(f"slide={expected}")
    small = []
    for n in range(1, total + 1):  # every slide: one shown at a time, nothing small
        page.wait_for_function(f"{SLIDE} === {n}", timeout=5_000)
        assert page.locator(".slide.on").count() == 1
        page.wait_for_timeout(300)  # a graph drawn as its slide shows
        small += [f"slide {n}: {s}" for s in page.evaluate(SMALL_TEXT)]
        page.keyboard.press("ArrowRight")
    assert not small, small[:10]

    page.goto(page.url.split("slide=")[0] + "slide=2")  # a link opens the same slide
    page.wait_for_function(f"{SLIDE} === 2", timeout=20_000)
    overview = page.locator(".slide.on").inner_text()
    assert "本期整改隐患" in overview
    before = int(
        page.locator(".slide.on .slide-figure")
        .nth(2)
        .locator(".slide-big")
        .inner_text()
        .replace(",", "")
    )
    with session_scope(small_city) as s:  # an operator closes a hidden danger today
        danger = s.scalars(
            select(HiddenDanger).where(
                HiddenDanger.status.not_in(RECTIFIED_STATUSES), HiddenDanger.is_drill.is_(False)
            )
        ).first()
        danger.status, danger.rectified_on = "rectified", china_today()
        bump_data_version(s)
    page.wait_for_function(  # live figures: the deck is drawn again within a poll or two
        "n => document.querySelectorAll('.slide.on .slide-big')[2]"
        ".innerText.replace(/,/g, '') == n",
        arg=str(before + 1),
        timeout=15_000,
    )
    assert page.evaluate(SLIDE) == 2  # and the slide shown stays the one shown
    assert not errors, errors


def test_a_bad_period_says_so(page, signed_server):
    sign_in(page, signed_server, "guest", "guest-pass-1")
    page.goto(signed_server + "/brief/?period=2026-13")
    page.wait_for_selector(".brief-problem", timeout=20_000)
    assert "统计期有误" in page.locator(".brief-problem").inner_text()
    assert page.locator(".slide").count() == 0
