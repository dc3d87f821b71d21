"""The screen around the map at a wall screen's and a laptop's size, in both languages: the
header (title, KPI strip, clock, switches), the left panel, every tab of the right panel and
the alarm panel's dispatch form show whole, with the county's real figures (the demo city at
scale 1, not the small test city, whose figures are narrower). Screenshots go to tmp_path, or
to $ONEMAP_SCREENSHOTS when set."""

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
from tests.browser.test_panels import table_problems
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


# The tab bar: each label inside its tab, visible room between neighbours, none at the edge.
TAB_GAPS = """() => {
  const out = [];
  const tabs = [...document.querySelectorAll('.panel-tab')];
  const bar = document.querySelector('.panel-tabs').getBoundingClientRect();
  const text = (el) => { const r = document.createRange(); r.selectNodeContents(el);
                         return r.getBoundingClientRect(); };
  const boxes = tabs.map(text);
  tabs.forEach((tab, i) => {
    const r = boxes[i], b = tab.getBoundingClientRect();
    if (r.left < b.left - 0.5 || r.right > b.right + 0.5) out.push(tab.innerText + ' spills out');
    if (i && r.left - boxes[i - 1].right < 8) {
      out.push(tabs[i - 1].innerText + ' runs into ' + tab.innerText);
    }
  });
  if (boxes[0].left - bar.left < 6 || bar.right - boxes[boxes.length - 1].right < 6) {
    out.push('a label touches the edge');
  }
  return out;
}"""

# The search box's placeholder: how wide it is and how much room the box gives it.
PLACEHOLDER = """() => {
  const el = document.getElementById('search'), cs = getComputedStyle(el);
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = cs.font;
  return [ctx.measureText(el.placeholder).width,
          el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight)];
}"""

PANEL_TABS = ("summary", "dangers", "campaigns", "committee", "rankings")


# Chinese on the wall screen, English (the longer words) on the laptop; Chinese on the
# laptop is walked by test_panels.test_tables_show_whole_names_and_lists_export_whole.
PANEL_PAIRS = [("zh", (1920, 1080)), ("en", (1366, 768))]


@pytest.mark.parametrize(
    ("lang", "size"), PANEL_PAIRS, ids=[f"{w}x{h}-{lang}" for lang, (w, h) in PANEL_PAIRS]
)
def test_the_panel_shows_whole(page, county, lang, size, tmp_path):
    """Every tab of the right panel at a wall screen's and a laptop's size, in both
    languages: no text cut or ending in an ellipsis, the tab labels apart, the tables whole
    (tests/browser/test_panels.py), the overview on a wall screen without scrolling; on the
    left, the search box's placeholder and the four safety classes on one line."""
    base, _alarm = county
    width, height = size
    shots = Path(os.environ.get("ONEMAP_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": height})
    query = "&lang=en" if lang == "en" else ""
    sign_in(page, base, "duty", "duty-pass-1", f"/?tab=summary{query}")
    page.locator("#search").wait_for()  # the map is ready before Dash draws the panels

    text, room = page.evaluate(PLACEHOLDER)
    assert text <= room, f"the search placeholder needs {text:.0f} px of {room:.0f}"
    chips = page.locator(".classes .dash-options-list-option")
    tops = {round(chips.nth(i).bounding_box()["y"]) for i in range(chips.count())}
    assert chips.count() == 4 and len(tops) == 1, f"the safety classes take {len(tops)} lines"
    left_cut = page.evaluate(CUT, [".left", ".classes .dash-options-list-option", True])
    assert left_cut == [], left_cut

    for tab in PANEL_TABS:
        page.goto(f"{base}/?tab={tab}{query}")
        page.locator(".panel-tab.active").wait_for()
        if tab == "summary":
            page.locator("#kpi-alarms").wait_for()
        else:
            page.locator(".panel-table .ag-row").first.wait_for()
        assert page.evaluate(TAB_GAPS) == [], tab
        if tab == "summary" and height >= 1080:  # the wall: all nine cards, unscrolled
            over = page.evaluate(
                "(e => e.scrollHeight - e.clientHeight)(document.querySelector('.right'))"
            )
            assert over <= 1, f"the overview is {over} px taller than the panel"
        if tab != "summary":
            problems = table_problems(page)  # scrolls each table into view
            assert problems == [], (tab, problems)
            page.evaluate("document.querySelector('.right').scrollTop = 0")
        page.screenshot(path=str(shots / f"panel-{tab}-{lang}-{width}x{height}.png"))
        # every text of the panel whole, top to bottom (what a list scrolls away is not cut;
        # scrolled, the content passes under the tab bar, which stays on top)
        for top in range(0, page.evaluate("document.querySelector('.right').scrollHeight"), 400):
            page.evaluate(f"document.querySelector('.right').scrollTop = {top}")
            blocks = ".big, .kpi-card" + (", .panel-tab" if top == 0 else "")
            cut = page.evaluate(CUT, [".right", blocks, True])
            assert cut == [], (tab, top, cut)


# An escalated alarm's row in the alarm panel and in the strip, at moments through its
# animation (all paused there): its level badge is visible at every one, and the row itself
# changes between two of them (the escalation still draws the eye).
ESCALATED = """() => {
  const out = [];
  const rows = [...document.querySelectorAll('.alarm-row.escalated, .alarm-item.escalated')];
  const looks = new Map(rows.map((r) => [r, new Set()]));
  for (const t of [0, 150, 300, 450, 600, 750, 900]) {
    for (const a of document.getAnimations()) { a.pause(); a.currentTime = t; }
    for (const row of rows) {
      const lvl = row.querySelector('.lvl');
      let faint = false;
      for (let el = lvl; el && el !== row.parentElement; el = el.parentElement) {
        faint ||= parseFloat(getComputedStyle(el).opacity) < 0.9;
      }
      if (!lvl.checkVisibility({visibilityProperty: true, opacityProperty: true}) || faint) {
        out.push(row.className + ' hides ' + JSON.stringify(lvl.textContent) + ' at ' + t + ' ms');
      }
      const cs = getComputedStyle(row);
      looks.get(row).add(cs.boxShadow + cs.backgroundColor + cs.outline);
    }
  }
  for (const [row, seen] of looks) if (seen.size < 2) out.push(row.className + ' does not pulse');
  return [rows.map((r) => r.className), out];
}"""


def test_an_escalated_alarm_pulses_and_always_shows_its_level(page, county):
    base, _alarm = county
    sign_in(page, base, "duty", "duty-pass-1")
    page.locator(".alarm-item.escalated").first.wait_for()
    page.click("#alarm-open")
    page.locator(".alarm-row.escalated").first.wait_for()
    rows, problems = page.evaluate(ESCALATED)
    assert "alarm-item escalated" in rows and any(r.startswith("alarm-row") for r in rows)
    assert problems == [], problems
