"""The right panel's tabs as the server renders them: the figures on screen are the read
models' figures, for the county and for a town; the URL carries tab, campaign, month, theme;
the committee editor checks the role."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from callbacks.committee_tasks import save_task
from callbacks.deps import Deps
from callbacks.panel import panel_key, render_body
from dashboard.i18n import t
from data_loaders.store import session_scope
from data_loaders.store.schema import CommitteeTask, CommitteeTaskEvent
from data_loaders.users import Identity
from read_models.committee import load_committee_panel
from read_models.dangers import load_danger_closure
from read_models.stats import load_stats
from tests.conftest import TODAY
from views import ids
from views.task_editor import editor_values
from views.url_state import MapState, apply_event, encode_query, parse_query

pytestmark = pytest.mark.sqlite_only(
    "the tabs draw read models that tests/test_panels.py checks on both stores"
)


def deps_for(engine, user: Identity | None = None) -> Deps:  # type: ignore[no-untyped-def]
    return Deps(engine=engine, lang="zh", label=t, title=lambda _l: "", current_user=lambda: user)


def walk(node: Any):  # type: ignore[no-untyped-def]
    """Every Dash component in a tree of children."""
    if isinstance(node, list | tuple):
        for n in node:
            yield from walk(n)
        return
    if node is None or isinstance(node, str | int | float):
        return
    yield node
    yield from walk(getattr(node, "children", None))


def by_id(tree: Any, wanted: Any) -> Any:
    return next(c for c in walk(tree) if getattr(c, "id", None) == wanted)


def text(node: Any) -> str:
    """All text under a component."""
    if isinstance(node, str | int | float):
        return str(node)
    if isinstance(node, list | tuple):
        return "".join(text(n) for n in node)
    return text(getattr(node, "children", None) or "") if node is not None else ""


def table(tree: Any, name: str) -> Any:
    return by_id(tree, {"type": ids.PANEL_TABLE, "name": name})


def test_url_carries_tab_campaign_month_and_theme():
    state = MapState(grid="330381003", tab="campaigns", campaign="three_year", theme="light")
    assert parse_query(encode_query(state)) == state
    assert parse_query("?tab=nonsense&theme=pink") == MapState()
    assert apply_event(MapState(enterprise="X"), {"type": ids.PANEL_TAB, "tab": "dangers"}, 1) == (
        MapState(tab="dangers")
    )
    click = {"rowId": "91330381MA0000001X|YH1", "colId": "enterprise"}
    overdue = {"type": ids.PANEL_TABLE, "name": "overdue"}
    assert apply_event(MapState(), overdue, click).enterprise == "91330381MA0000001X"
    tasks = {"type": ids.PANEL_TABLE, "name": "tasks"}
    assert apply_event(MapState(), tasks, {"rowId": "T-1"}) == MapState()
    month = {"type": ids.RANK_MONTH, "i": 0}
    assert apply_event(MapState(), month, "2026-10").month == "2026-10"


def test_panel_redraws_for_alarms_only_where_alarms_show():
    dangers, summary = MapState(tab="dangers"), MapState()
    assert panel_key(dangers, "5.1") == panel_key(dangers, "5.2")
    assert panel_key(dangers, "5.1") != panel_key(dangers, "6.1")
    assert panel_key(summary, "5.1") != panel_key(summary, "5.2")


def test_every_tab_shows_the_read_models_figures_for_the_county_and_a_town(demo_city):
    deps = deps_for(demo_city)
    with session_scope(demo_city) as s:
        county_stats = load_stats(s, None, TODAY)
        town = load_danger_closure(s, None, TODAY)["by_child"][3]
        town_closure = load_danger_closure(s, town["code"], TODAY)
        committee = load_committee_panel(s, town["code"], TODAY)
    for grid, closure in ((None, None), (town["code"], town_closure)):
        tabs, body = render_body(MapState(grid=grid, tab="dangers"), deps, TODAY)
        assert [b.id["tab"] for b in tabs] == [
            "summary",
            "dangers",
            "campaigns",
            "committee",
            "rankings",
        ]
        totals = closure["totals"] if closure else county_stats["hidden_dangers"]
        assert text(by_id(body, "big-found")).endswith(f"{totals['found']:,}")
        assert text(by_id(body, "big-rate")).endswith(f"{totals['rate']:.2%}")
        assert text(by_id(body, "big-overdue")).endswith(f"{totals['overdue']:,}")
        rates = by_id(body, "chart-rate").figure
        bars = rates["data"][0]
        children = closure["by_child"] if closure else None
        assert len(bars["y"]) == (len([c for c in children if c["found"]]) if children else 15)
        overdue_rows = table(body, "overdue").rowData
        assert len(overdue_rows) == min(200, totals["overdue"])
        scope = text(by_id(body, "panel-scope"))
        assert (town["name"] if grid else "瑞安市") in scope

    _tabs, body = render_body(MapState(tab="campaigns"), deps, TODAY)
    assert "332/428" in text(body)
    _tabs, body = render_body(MapState(grid=town["code"], tab="committee"), deps, TODAY)
    tot = committee["totals"]
    assert text(by_id(body, "big-cm-meetings")).endswith(str(tot["meetings"]))
    assert text(by_id(body, "big-cm-done")).endswith(f"{tot['done']:,}/{tot['tasks']:,}")
    assert len(table(body, "tasks").rowData) == tot["tasks"]
    _tabs, body = render_body(MapState(grid=town["code"], tab="rankings"), deps, TODAY)
    rows = table(body, "rankings").rowData
    assert len(rows) == 15 and [r["code"] for r in rows if r["selected"]] == [town["code"]]
    _tabs, body = render_body(MapState(tab="rankings", month="2026-13"), deps, TODAY)
    assert len(table(body, "rankings").rowData) == 15  # a bad month shows this month's


def test_light_theme_styles_charts_and_tables(small_city):
    deps = deps_for(small_city)
    _t, dark = render_body(MapState(tab="dangers"), deps, TODAY)
    _t, light = render_body(MapState(tab="dangers", theme="light"), deps, TODAY)
    assert by_id(dark, "chart-trend").figure["layout"]["font"]["color"] == "#e8eef7"
    assert by_id(light, "chart-trend").figure["layout"]["font"]["color"] == "#1b2a3d"
    dark_grid = table(dark, "overdue").dashGridOptions["theme"]["function"]
    assert (
        "#111f33" in dark_grid
        and "#ffffff" in table(light, "overdue").dashGridOptions["theme"]["function"]
    )


def test_english_face(small_city):
    _t, body = render_body(MapState(tab="committee", lang="en"), deps_for(small_city), TODAY)
    assert "Tasks by committee and status" in text(body)
    assert not any("安委会" in str(h) for h in table(body, "tasks").columnDefs)


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_the_editor_needs_an_operator_and_records_who(small_city, role):
    with session_scope(small_city) as s:
        code = s.scalar(select(CommitteeTask.code).where(CommitteeTask.status != "done").limit(1))
        before = s.scalar(select(func.max(CommitteeTaskEvent.id))) or 0  # the demo's history
    user = Identity("li" if role == "operator" else "wall", role)
    deps = deps_for(small_city, user)
    from read_models.committee import load_task

    with session_scope(small_city) as s:
        task = load_task(s, code, TODAY)
    shown = editor_values(task, user.may("operator"), t, "zh")
    assert shown[5] == ("task-form" if role == "operator" else "task-form hidden")
    now = datetime(2026, 11, 23, 2, tzinfo=UTC)
    error, _ = save_task(deps, code, {"status": "in_progress", "progress": 55, "note": "推进"}, now)
    with session_scope(small_city) as s:
        events = s.execute(
            select(CommitteeTaskEvent.actor, CommitteeTaskEvent.progress)
            .join(CommitteeTask, CommitteeTask.id == CommitteeTaskEvent.task_id)
            .where(CommitteeTask.code == code, CommitteeTaskEvent.id > before)
        ).all()
    if role == "viewer":
        assert error == "forbidden" and events == []
    else:
        assert error is None and [tuple(e) for e in events] == [("li", 55)]
    bad, _ = save_task(deps, code, {"progress": 140}, now)
    assert bad == ("forbidden" if role == "viewer" else "bad_progress")


def test_panel_cache_keeps_documents_per_version_and_one_bulletin_for_all_scopes(small_city):
    from caches.panel_documents import PanelCache
    from data_loaders.store import bump_alarm_version, bump_data_version
    from read_models.rankings import load_rankings, month_end, parse_month

    cache = PanelCache(small_city)
    first = cache.get("closure", "330381012", TODAY)
    assert cache.get("closure", "330381012", TODAY) is first
    bulletin = cache.get("rankings", "330381", TODAY)
    assert cache.get("rankings", "330381012", TODAY) is bulletin
    # alarms move the bulletin's alarm part only: it is made again over the same ledger part
    end = month_end(parse_month(None, TODAY), TODAY)
    ledger = cache.get("ranking-ledger", None, TODAY, end)
    with session_scope(small_city) as s:
        bump_alarm_version(s)
    again = cache.get("rankings", "330381", TODAY)
    assert again is not bulletin and again == bulletin
    assert cache.get("ranking-ledger", None, TODAY, end) is ledger
    with session_scope(small_city) as s:
        assert again == load_rankings(s, None, TODAY)
        bump_data_version(s)
    assert cache.get("closure", "330381012", TODAY) is not first
    assert cache.get("ranking-ledger", None, TODAY, end) is not ledger


def test_a_cut_list_says_so_and_links_to_all_of_it(demo_city):
    deps = deps_for(demo_city)
    with session_scope(demo_city) as s:
        county = load_danger_closure(s, None, TODAY)
        town = min(county["by_child"], key=lambda c: c["overdue"])
    _tabs, body = render_body(MapState(tab="dangers"), deps, TODAY)
    total = county["overdue_total"]
    assert total > 200 and len(table(body, "overdue").rowData) == 200
    assert text(by_id(body, "table-count-overdue")) == f"显示前 200 条，共 {total:,} 条"
    hrefs = [c.href for c in walk(body) if getattr(c, "href", None)]
    assert "/api/exports/overdue-dangers.csv?grid=330381&lang=zh" in hrefs
    assert "/api/exports/overdue-dangers.xlsx?grid=330381&lang=zh" in hrefs
    # the industry chart shows the top 10: it says of how many, and links to them all
    assert text(by_id(body, "industries-cut")).startswith(
        f"显示排查数前 10 个行业，共 {len(county['by_industry'])} 个"
    )
    _tabs, body = render_body(MapState(tab="dangers", lang="en"), deps, TODAY)
    assert text(by_id(body, "table-count-overdue")) == f"showing the first 200 of {total:,}"
    # a list shown whole says only its length
    _tabs, body = render_body(MapState(grid=town["code"], tab="dangers"), deps, TODAY)
    assert text(by_id(body, "table-count-overdue")) == f"共 {town['overdue']:,} 条"
    assert f"/api/exports/overdue-dangers.csv?grid={town['code']}&lang=zh" in [
        c.href for c in walk(body) if getattr(c, "href", None)
    ]
    _tabs, body = render_body(MapState(tab="campaigns", campaign="hundred_day"), deps, TODAY)
    links = [c.href for c in walk(body) if getattr(c, "href", None)]
    assert any(h.startswith("/api/exports/campaign-overdue-tasks.csv?") for h in links)
    assert text(by_id(body, "table-count-campaign-overdue")).startswith(("共", "显示前"))


def test_this_month_is_month_to_date_against_the_same_days_of_last_month(demo_city):
    deps = deps_for(demo_city)
    _tabs, body = render_body(MapState(tab="dangers"), deps, TODAY)
    line = text(by_id(body, "danger-months"))
    assert line.startswith("本月至今（11月1–23日）") and "上月同期 10月1–23日" in line
    _tabs, body = render_body(MapState(tab="dangers", lang="en"), deps, date(2026, 12, 2))
    line = text(by_id(body, "danger-months"))
    assert line.startswith("Month to date (1–2 Dec)")
    assert "same days of last month, 1–2 Nov" in line


def test_the_bulletin_says_which_towns_had_too_few_alarms(small_city):
    from tests.test_rankings import add_alarms

    few = add_alarms(small_city, [5.0, 5.0])
    deps = deps_for(small_city)
    _tabs, body = render_body(MapState(tab="rankings", month="2026-11"), deps, TODAY)
    row = next(r for r in table(body, "rankings").rowData if r["code"] == few)
    assert row["alarm_handling"] is None and row["alarm_excluded"] is True
    assert row["alarm_note"] == "报警不足3起，不计此项"
    assert "不少于3起" in text(by_id(body, "rank-method"))
    note = text(by_id(body, "rank-uncounted"))
    assert note.startswith("报警不足3起，不计报警响应") and f"{row['name']}（2起）" in note
    alarm_column = next(
        c for c in table(body, "rankings").columnDefs if c["field"] == "alarm_handling"
    )
    assert "不计" in alarm_column["valueFormatter"]["function"]
    _tabs, body = render_body(MapState(tab="rankings", month="2026-11", lang="en"), deps, TODAY)
    assert "fewer than 3 alarms" in text(by_id(body, "rank-uncounted")).lower()


def test_every_table_wraps_its_cells_so_names_show_whole(small_city):
    deps = deps_for(small_city)
    seen = set()
    for tab in ("dangers", "campaigns", "committee", "rankings"):
        _tabs, body = render_body(MapState(tab=tab), deps, TODAY)
        for grid in walk(body):
            if (
                getattr(grid, "id", None)
                and isinstance(grid.id, dict)
                and "columnDefs" in dir(grid)
            ):
                if grid.id.get("type") != ids.PANEL_TABLE:
                    continue
                seen.add(grid.id["name"])
                defaults = grid.defaultColDef
                assert defaults["wrapText"] and defaults["autoHeight"], grid.id
                assert defaults["wrapHeaderText"] and defaults["autoHeaderHeight"], grid.id
                for c in grid.columnDefs:
                    if "type" not in c and "valueFormatter" not in c:
                        assert c["tooltipField"] == c["field"], (grid.id, c)
    assert seen >= {
        "overdue",
        "listed",
        "units",
        "campaign-overdue",
        "committee-overdue",
        "tasks",
        "rankings",
    }


def test_the_dossier_says_how_many_dangers_it_leaves_out(demo_city):
    from sqlalchemy import func

    from data_loaders.store.schema import Enterprise, HiddenDanger

    with session_scope(demo_city) as s:
        code, n = s.execute(
            select(Enterprise.credit_code, func.count())
            .join(HiddenDanger, HiddenDanger.enterprise_id == Enterprise.id)
            .where(HiddenDanger.is_drill.is_(False))
            .group_by(Enterprise.credit_code)
            .order_by(func.count().desc(), Enterprise.credit_code)
            .limit(1)
        ).one()
    assert n > 12
    _tabs, body = render_body(MapState(enterprise=code), deps_for(demo_city), TODAY)
    cut = by_id(body, "dossier-dangers-cut")
    assert text(cut).startswith(f"显示前 12 条，共 {n} 条")
    assert f"/api/exports/enterprise-dangers.xlsx?enterprise={code}&lang=zh" in [
        c.href for c in walk(cut) if getattr(c, "href", None)
    ]


def test_score_bars_start_at_zero(small_city):
    """A bar's length is its score: the ranking's axis starts at 0, however close the towns."""
    from views.charts import create_score_bars

    _tabs, body = render_body(MapState(tab="rankings"), deps_for(small_city), TODAY)
    assert by_id(body, "chart-scores").figure["layout"]["xaxis"]["range"] == [0, 100]
    close = [
        {"code": str(i), "rank": i, "name": f"镇{i}", "score": 80 - i / 10} for i in range(1, 6)
    ]
    assert create_score_bars(close, None, "dark", t, "zh")["layout"]["xaxis"]["range"][0] == 0


def test_progress_figures_stand_clear_of_the_time_tick(demo_city):
    """The campaigns' figures (332/428 · 78%) stand in a column right of the axis's end: the
    time tick, at most 100%, never crosses them (as bar labels they sat where it falls)."""
    deps = deps_for(demo_city)
    for lang in ("zh", "en"):
        _tabs, body = render_body(MapState(tab="campaigns", lang=lang), deps, TODAY)
        for chart in ("chart-campaigns", "chart-campaign-child"):
            fig = by_id(body, chart).figure
            bars, *ticks = fig["data"]
            layout = fig["layout"]
            assert bars["textposition"] == "none", chart  # no label inside the plot
            assert layout["xaxis"]["range"] == [0, 1.0]
            assert ticks and all(0 <= x <= 1.0 for x in ticks[0]["x"]), chart
            notes = layout["annotations"]
            assert [(n["y"], n["text"]) for n in notes] == list(
                zip(bars["y"], bars["text"], strict=True)
            )
            for n in notes:  # beside the plot, past its right edge (100%)
                assert (n["xref"], n["x"], n["xanchor"]) == ("paper", 1, "left"), n
                assert n["xshift"] > 0 and not n["showarrow"]
            # the margin holds the widest figure (13 px type: ~7 px a character)
            assert layout["margin"]["r"] >= max(len(n["text"]) for n in notes) * 7
    _tabs, body = render_body(MapState(tab="campaigns"), deps, TODAY)
    assert "332/428 · 78%" in by_id(body, "chart-campaigns").figure["data"][0]["text"]


LAPTOP_TABLE = 380  # px: the laptop's right panel (420) less its sides and a scroll bar


def test_every_table_fits_a_laptops_panel(demo_city):
    """At 1366 px the right panel leaves 380 px for a table beside a scroll bar: every table's
    columns fit it at their narrowest, in both languages (none scrolls sideways)."""
    deps = deps_for(demo_city)
    for lang in ("zh", "en"):
        for tab in ("dangers", "campaigns", "committee", "rankings"):
            _tabs, body = render_body(MapState(tab=tab, lang=lang), deps, TODAY)
            for grid in walk(body):
                if not (isinstance(getattr(grid, "id", None), dict) and "columnDefs" in dir(grid)):
                    continue
                widths = {c["field"]: c["minWidth"] for c in grid.columnDefs}
                assert sum(widths.values()) <= LAPTOP_TABLE, (lang, grid.id["name"], widths)
                assert all(c.get("flex") for c in grid.columnDefs), grid.id  # shared out


def test_status_phrases_and_short_names_are_kept_whole(demo_city):
    """未开始 · 逾期 breaks after the dot only (a no-break space joins the dot to the status);
    a column of short Chinese phrases (committees, towns) keeps them whole and is as wide as
    the widest; the bulletin's rank carries its change (3 ↓1) and the full name is the tip."""
    from views.tables import KEEP_STYLE, fit_width

    deps = deps_for(demo_city)
    _tabs, body = render_body(MapState(tab="committee"), deps, TODAY)
    tasks = table(body, "tasks")
    cols = {c["field"]: c for c in tasks.columnDefs}
    shown = {r["due_status"].partition(" ")[2] for r in tasks.rowData}
    assert "未开始\u00a0· 逾期" in shown and "进行中\u00a0· 逾期" in shown and "已完成" in shown
    assert cols["due_status"]["cellStyle"] == KEEP_STYLE
    assert cols["committee"]["cellStyle"] == KEEP_STYLE
    assert cols["committee"]["minWidth"] >= fit_width("", "涉海涉渔")
    assert "cellStyle" not in cols["title"]  # long text wraps, balanced (app.css)
    assert cols["progress"]["headerTooltip"] == "进度"
    _tabs, body = render_body(MapState(tab="committee", lang="en"), deps, TODAY)
    cols = {c["field"]: c for c in table(body, "tasks").columnDefs}
    assert (cols["progress"]["headerName"], cols["progress"]["headerTooltip"]) == ("%", "Progress")
    _tabs, body = render_body(MapState(tab="rankings"), deps, TODAY)
    rankings = table(body, "rankings")
    cols = {c["field"]: c for c in rankings.columnDefs}
    assert "change" not in cols and cols["rank"]["headerTooltip"] == "排名（较上月升降）"
    assert cols["name"]["cellStyle"] == KEEP_STYLE
    texts = [r["rank_text"] for r in rankings.rowData]
    assert texts[0].split()[0] == "1" and any("↓" in x or "↑" in x for x in texts)


def test_large_figures_have_whole_worded_titles(demo_city):
    """The panels' large figures are titled as headings (Found, Overdue, Cases filed), never
    the lowercase words that run inside a line; the enforcement figures two by two."""
    deps = deps_for(demo_city)
    titles = []
    for tab in ("dangers", "campaigns", "committee"):
        _tabs, body = render_body(MapState(tab=tab, lang="en"), deps, TODAY)
        titles += [
            text(c.children[0]) for c in walk(body) if getattr(c, "className", None) == "big"
        ]
        if tab == "campaigns":
            enforcement = by_id(body, "campaign-enforcement")
            assert enforcement.className == "bigs two"
            assert [text(c.children[0]) for c in enforcement.children] == [
                "Cases filed",
                "Administrative detentions",
                "Criminal detentions",
                "Closures",
            ]
    assert titles and all(x[:1].isupper() for x in titles), titles
    assert {"Found", "Rectified", "Overdue", "Meetings", "Joint enforcement"} <= set(titles)
