"""The screen around the map at a wall screen's and a laptop's size, in both languages: the
header (title, KPI strip, clock, switches) and the alarm panel's dispatch form show whole,
with the county's real figures (the demo city at scale 1, not the small test city, whose
figures are narrower). Screenshots go to tmp_path, or to $ONEMAP_SCREENSHOTS when set."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from dashboard.app import create_app
from dashboard.auth import hash_password
from dashboard.settings import Settings
from data_loaders.demo.city import build_city
from data_loaders.store import init_db, make_engine, session_scope
from data_loaders.users import save_user
from tests.browser.conftest import alarm_row, raise_alarm, sign_in
from tests.conftest import TODAY

SIZES = [(1920, 1080), (1366, 768)]

# What of a part of the screen is cut: for every text in it, the box its letters take (a
# Range, not the element: text can spill out of its element), and for every input the input
# itself, must lie inside every ancestor that clips (overflow other than visible) and inside
# the viewport; an element that clips must not hide its own content (an ellipsis, a value
# wider than its input). The named blocks must hold their content and not overlap.
# With `scrolls`, what a list has
# scrolled out of sight (up or down) is left out: it is there to scroll to, not cut.
CUT = """([root, blocks, scrolls]) => {
  const cut = [];
  const W = document.documentElement.clientWidth, H = document.documentElement.clientHeight;
  const rootEl = document.querySelector(root);
  const shown = el => el.checkVisibility({visibilityProperty: true, opacityProperty: true});
  const clips = el => getComputedStyle(el).overflowX !== 'visible' ||
                      getComputedStyle(el).overflowY !== 'visible';
  const scrolledAway = (el, r) => {
    for (let a = el; scrolls && a && a !== document.body; a = a.parentElement) {
      if (!['auto', 'scroll'].includes(getComputedStyle(a).overflowY)) continue;
      const b = a.getBoundingClientRect();
      if (r.top < b.top - 0.5 || r.bottom > b.bottom + 0.5) return true;
    }
    return false;
  };
  function check(name, el, r) {
    if (scrolledAway(el, r)) return;
    if (r.left < -0.5 || r.top < -0.5 || r.right > W + 0.5 || r.bottom > H + 0.5) {
      cut.push(name + ' is off the screen');
    }
    for (let a = el; a && a !== document.body; a = a.parentElement) {
      if (!clips(a)) continue;
      if (a.scrollWidth > a.clientWidth + 1 && getComputedStyle(a).textOverflow === 'ellipsis') {
        cut.push(name + ' ends in an ellipsis in ' + a.className);
      }
      const b = a.getBoundingClientRect();
      if (r.left < b.left - 0.5 || r.right > b.right + 0.5 ||
          r.top < b.top - 0.5 || r.bottom > b.bottom + 0.5) {
        cut.push(name + ' is cut by ' + (a.className || a.tagName));
      }
    }
  }
  const walker = document.createTreeWalker(rootEl, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const el = node.parentElement;
    if (!text || !shown(el)) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    check(JSON.stringify(text) + ' (' + el.className + ')', el, range.getBoundingClientRect());
  }
  for (const el of rootEl.querySelectorAll('input, textarea')) {
    if (!shown(el)) continue;
    const name = 'the input ' + JSON.stringify(el.value) + ' (' + el.className + ')';
    if (el.scrollWidth > el.clientWidth + 1) cut.push(name + ' is wider than its box');
    check(name, el.parentElement, el.getBoundingClientRect());
  }
  const extent = el => {  // the element's box and what its content spills out of it
    const box = el.getBoundingClientRect(), range = document.createRange();
    range.selectNodeContents(el);
    const r = range.getBoundingClientRect();
    if (!r.width && !r.height) return box;
    return {left: Math.min(box.left, r.left), right: Math.max(box.right, r.right),
            top: Math.min(box.top, r.top), bottom: Math.max(box.bottom, r.bottom)};
  };
  const boxes = [...rootEl.querySelectorAll(blocks)].filter(shown)
    .map(e => [e.className + ' ' + JSON.stringify(e.innerText.slice(0, 20)), extent(e), e]);
  for (const [name, r, el] of boxes) {
    const b = el.getBoundingClientRect();
    // sideways: letters taller than a tight line height reach above and below, and show
    if (r.left < b.left - 0.5 || r.right > b.right + 0.5) cut.push(name + ' spills out of its box');
  }
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [n1, a] = boxes[i], [n2, b] = boxes[j];
      if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) {
        cut.push(n1 + ' overlaps ' + n2);
      }
    }
  }
  return cut;
}"""


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> Iterator[tuple[str, int]]:  # type: ignore[no-untyped-def]
    """The demo city at scale 1 (20,000 enterprises) with an operator and a new level-2
    alarm, served with sign-in required; yields the base URL and the alarm's id."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('county') / 'county.db'}")
    init_db(engine)
    build_city(engine, seed=7, scale=1.0, today=TODAY)
    with session_scope(engine) as s:
        save_user(s, "duty", "operator", hash_password("duty-pass-1"))
    _, alarm = raise_alarm(engine)
    app = create_app(Settings(warm_cache=False), engine=engine)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", alarm
    server.shutdown()
    engine.dispose()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_screen_shows_whole(page, county, lang, size, tmp_path):
    base, alarm = county
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, base, "duty", "duty-pass-1", "/?lang=en" if lang == "en" else "/")
    page.locator(".strip-item").first.wait_for()
    page.wait_for_function("document.getElementById('clock').innerText.length > 0")
    page.wait_for_function("document.getElementById('scope-label').innerText.length > 0")

    # the header: title, the KPI strip with every label and figure, clock, scope, switches
    header_cut = page.evaluate(CUT, [".header", ".brand, .strip-item, .header-right", False])
    assert header_cut == [], header_cut

    # the search list and the alarm panel with its dispatch form, as a user opens them
    page.locator("#search").fill("瑞安市")
    expect(page.locator(".search-results .hit").first).to_be_visible()
    page.click("#alarm-open")
    page.click(alarm_row(alarm))
    page.wait_for_selector(".act-dispatch")
    page.locator(".due-date input").wait_for()
    # the form and its buttons in sight without scrolling
    form_cut = page.evaluate(CUT, [".alarm-detail .form", ".form-row", False])
    assert form_cut == [], form_cut
    acts_cut = page.evaluate(CUT, [".alarm-detail .acts", ".act", False])
    assert acts_cut == [], acts_cut
    # the list of alarms: each row's level, time and text side by side
    list_cut = page.evaluate(CUT, [".alarm-list", ".alarm-row > span", True])
    assert list_cut == [], list_cut
    search_cut = page.evaluate(CUT, [".search-results", ".hit", False])
    assert search_cut == [], search_cut

    shots = Path(os.environ.get("ONEMAP_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"command-{lang}-{width}x{height}.png"))
