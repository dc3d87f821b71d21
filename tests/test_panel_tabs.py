"""The right panel's tabs as the server renders them: the figures on screen are the read
models' figures, for the county and for a town; the URL carries tab, campaign, month, theme;
the committee editor checks the role."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from callbacks import ids
from callbacks.committee_tasks import editor_values, save_task
from callbacks.deps import Deps
from callbacks.map_state import MapState, apply_event, encode_query, parse_query
from callbacks.panel import panel_key, render_body
from dashboard.auth import Identity
from dashboard.i18n import t
from data_loaders.committee import load_committee_panel
from data_loaders.panels import load_danger_closure
from data_loaders.queries import load_stats
from data_loaders.store import session_scope
from data_loaders.store.schema import CommitteeTask, CommitteeTaskEvent
from tests.conftest import TODAY


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
    user = Identity("li" if role == "operator" else "wall", role)
    deps = deps_for(small_city, user)
    from data_loaders.committee import load_task

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
            .where(CommitteeTask.code == code)
        ).all()
    if role == "viewer":
        assert error == "forbidden" and events == []
    else:
        assert error is None and [tuple(e) for e in events] == [("li", 55)]
    bad, _ = save_task(deps, code, {"progress": 140}, now)
    assert bad == ("forbidden" if role == "viewer" else "bad_progress")


def test_panel_cache_keeps_documents_per_version_and_one_bulletin_for_all_scopes(small_city):
    from data_loaders.panel_cache import PanelCache
    from data_loaders.rankings import load_rankings, month_end, parse_month
    from data_loaders.store import bump_alarm_version, bump_data_version

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
