"""The committee review workbook: its layout as offices lay it out, and a returned file read
back (only 状态, 进度, 进展情况, 佐证材料 may change; anything else refuses the whole file)."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from data_loaders.files import FileProblem
from data_loaders.importers.committee_progress import (
    FIRST_ROW,
    HEADER_ROW,
    HEADERS,
    KEY,
    check_progress,
    import_progress,
    parse_progress,
    read_progress,
)
from data_loaders.store import session_scope
from data_loaders.store.schema import CommitteeTask, CommitteeTaskEvent
from read_models.documents.review_workbook import review_workbook, sheet_name
from read_models.review import load_review
from tests.conftest import TODAY

MADE = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
COL = {h: i for i, h in enumerate(HEADERS, start=1)}


def export(engine: Any, committee: str | None = None, lang: str = "zh") -> tuple[bytes, dict]:
    with session_scope(engine) as s:
        doc = load_review(s, committee, None, TODAY)
    return review_workbook(doc, lang, MADE), doc


def edited(body: bytes, edit: Any) -> bytes:
    """The workbook after `edit(book)` (openpyxl, as an office's spreadsheet would save it)."""
    book = load_workbook(io.BytesIO(body))
    edit(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def row_of(sheet: Any, code: str) -> int:
    for r in range(FIRST_ROW, sheet.max_row + 1):
        if sheet.cell(r, COL[KEY]).value == code:
            return r
    raise AssertionError(code)


def snapshot(engine: Any) -> tuple[list[tuple], int]:
    with session_scope(engine) as s:
        tasks = s.execute(
            select(
                CommitteeTask.code,
                CommitteeTask.status,
                CommitteeTask.progress,
                CommitteeTask.note,
                CommitteeTask.evidence_url,
                CommitteeTask.updated_by,
            ).order_by(CommitteeTask.code)
        ).all()
        events = s.scalar(select(func.count()).select_from(CommitteeTaskEvent))
    return [tuple(t) for t in tasks], events


def pick_tasks(doc: dict, n: int, done: bool = False) -> list[dict]:
    """n tasks of the first committee, not done (or done), progress below 60."""
    tasks = [
        t
        for t in doc["committees"][0]["tasks"]
        if (t["status"] == "done") == done and (done or t["progress"] < 60)
    ]
    assert len(tasks) >= n
    return tasks[:n]


@pytest.mark.sqlite_only("the layout does not depend on the database")
def test_the_exported_sheets_are_laid_out_as_offices_lay_them_out(small_city):
    body, doc = export(small_city)
    book = load_workbook(io.BytesIO(body))
    assert len(book.worksheets) == len(doc["committees"]) >= 2
    for sheet, c in zip(book.worksheets, doc["committees"], strict=True):
        assert sheet.title == c["name"].removesuffix("安全专业委员会")
        assert len(sheet.title) <= 31
        merged = {str(m) for m in sheet.merged_cells.ranges}
        assert {"A1:H1", "A2:H2"} <= merged
        assert sheet["A1"].value == f"{c['name']}重点任务推进情况表（截至2026年11月23日）"
        assert sheet["A1"].font.bold
        assert "红色底纹为逾期任务" in sheet["A2"].value
        assert "请填写进度、状态、进展情况、佐证材料，其他列请勿修改" in sheet["A2"].value
        assert [sheet.cell(HEADER_ROW, j).value for j in range(1, 10)] == list(HEADERS)
        assert HEADERS[:8] == (
            "序号",
            "任务",
            "责任单位",
            "完成时限",
            "状态",
            "进度",
            "进展情况",
            "佐证材料",
        )
        assert sheet.column_dimensions["I"].hidden
        assert [sheet.cell(r, 9).value for r in range(FIRST_ROW, sheet.max_row + 1)] == [
            t["code"] for t in c["tasks"]
        ]
        assert sheet.freeze_panes == "A4"
        assert sheet["B4"].alignment.wrap_text and sheet["G4"].alignment.wrap_text
        widths = {k: sheet.column_dimensions[k].width for k in "ABCDEFGH"}
        assert widths["B"] >= 30 and widths["G"] >= 30 and widths["A"] <= 6
        assert sum(widths.values()) < 200  # one landscape page at a readable scale
        ps = sheet.page_setup
        assert ps.orientation == "landscape" and int(ps.paperSize) == 9
        assert (int(ps.fitToWidth), int(ps.fitToHeight)) == (1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows == "$3:$3"
        assert "&P" in sheet.oddFooter.center.text
        # overdue rows filled, exactly those, and their days late written in the deadline
        for r, t in enumerate(c["tasks"], start=FIRST_ROW):
            fill = sheet.cell(r, 2).fill.fgColor.rgb
            assert (fill == "00F8D7D7") == t["overdue"], (r, t)
            due = sheet.cell(r, COL["完成时限"])
            assert due.value.date() == date.fromisoformat(t["due_on"])
            assert ("逾期" in due.number_format) == bool(t["overdue"] and t["days_overdue"])
            if t["overdue"]:
                assert f"逾期 {t['days_overdue']} 天" in due.number_format
        assert any(t["overdue"] for c in doc["committees"] for t in c["tasks"])
        rules = {v.type: v for v in sheet.data_validations.dataValidation}
        last = FIRST_ROW + len(c["tasks"]) - 1
        assert rules["list"].formula1 == '"未开始,进行中,已完成"'
        assert str(rules["list"].sqref) == f"E4:E{last}"
        assert (rules["whole"].formula1, rules["whole"].formula2) == ("0", "100")
        assert str(rules["whole"].sqref) == f"F4:F{last}"
    one, _doc = export(small_city, doc["committees"][0]["code"], lang="en")
    sheet = load_workbook(io.BytesIO(one)).worksheets[0]
    assert "as of 2026-11-23" in sheet["A1"].value and sheet["E3"].value == "状态"


@pytest.mark.sqlite_only("sheet names do not depend on the database")
def test_sheet_names_are_safe_for_excel():
    used: set[str] = set()
    assert sheet_name("道路交通安全专业委员会", used) == "道路交通"
    assert sheet_name("道路交通安全专业委员会", used) == "道路交通(2)"
    odd = sheet_name("a[b]:c*d?e/f\\g" + "长" * 40, used)
    assert len(odd) <= 31 and not set(odd) & set("[]:*?/\\")


def test_a_returned_file_round_trips(small_city):
    body, doc = export(small_city)
    a, b = pick_tasks(doc, 2)
    (done,) = pick_tasks(doc, 1, done=True)  # left as it is: no change, no event

    def fill(book: Any) -> None:
        sheet = book.worksheets[0]
        ra, rb = row_of(sheet, a["code"]), row_of(sheet, b["code"])
        sheet.cell(ra, COL["进度"]).value = "60%"
        sheet.cell(ra, COL["状态"]).value = "进行中"
        sheet.cell(ra, COL["进展情况"]).value = "已完成排查 12 处，整改 7 处"
        sheet.cell(ra, COL["佐证材料"]).value = "https://example.gov.cn/evidence/a.pdf"
        sheet.cell(rb, COL["进度"]).value = 100.0
        sheet.cell(rb, COL["状态"]).value = "已完成"
        sheet.cell(rb, COL["进展情况"]).value = "已全部完成，验收通过"

    returned = edited(body, fill)
    tasks_before, events_before = snapshot(small_city)
    result = import_progress(
        small_city, returned, "C:\\督查\\道路交通-回填.xlsx", "otto", "operator", NOW
    )
    assert result.rows == doc["totals"]["tasks"] and result.changed == 2
    assert sorted(result.codes) == sorted([a["code"], b["code"]])
    assert result.unchanged == result.rows - 2 and result.file_name == "道路交通-回填.xlsx"
    tasks_after, events_after = snapshot(small_city)
    assert events_after == events_before + 2
    changed = {t[0] for t in set(tasks_after) - set(tasks_before)}
    assert changed == {a["code"], b["code"]}
    with session_scope(small_city) as s:
        ta = s.scalar(select(CommitteeTask).where(CommitteeTask.code == a["code"]))
        tb = s.scalar(select(CommitteeTask).where(CommitteeTask.code == b["code"]))
        assert (ta.status, ta.progress, ta.updated_by) == ("in_progress", 60, "otto")
        assert ta.note == "已完成排查 12 处，整改 7 处"
        assert ta.evidence_url == "https://example.gov.cn/evidence/a.pdf"
        assert (tb.status, tb.progress, tb.done_on) == ("done", 100, date(2026, 11, 23))
        events = s.scalars(
            select(CommitteeTaskEvent)
            .where(CommitteeTaskEvent.task_id.in_([ta.id, tb.id]))
            .where(CommitteeTaskEvent.source == "import")
        ).all()
        assert len(events) == 2
        by_task = {e.task_id: e for e in events}
        ea, eb = by_task[ta.id], by_task[tb.id]
        assert (ea.actor, ea.file_name) == ("otto", "道路交通-回填.xlsx")
        assert (ea.from_status, ea.from_progress) == (a["status"], a["progress"])
        assert (ea.status, ea.progress) == ("in_progress", 60)
        assert (eb.from_status, eb.from_progress, eb.status) == (b["status"], b["progress"], "done")
    again = import_progress(small_city, returned, "道路交通-回填.xlsx", "otto", "operator", NOW)
    assert again.changed == 0 and again.codes == [] and again.unchanged == again.rows
    assert snapshot(small_city) == (tasks_after, events_after)
    assert done["code"] not in result.codes


def _set(code_of: Any, column: str, value: Any, sheet_index: int = 0) -> Any:
    def edit(book: Any) -> None:
        sheet = book.worksheets[sheet_index]
        sheet.cell(row_of(sheet, code_of(book)), COL[column]).value = value

    return edit


# each case: (what the owner unit did, the column named, words the message holds)
def _cases(doc: dict) -> dict[str, tuple[Any, str, str, str]]:
    first = doc["committees"][0]["tasks"]
    (t,) = pick_tasks(doc, 1)
    (d,) = pick_tasks(doc, 1, done=True)
    code = t["code"]

    def new_row(book: Any) -> None:
        sheet = book.worksheets[0]
        r = sheet.max_row + 1
        sheet.cell(r, COL["序号"]).value = r - HEADER_ROW
        sheet.cell(r, COL["任务"]).value = "新增：开展夜间道路巡查"
        sheet.cell(r, COL["状态"]).value = "进行中"

    def twice(book: Any) -> None:
        sheet = book.worksheets[0]
        sheet.cell(row_of(sheet, first[1]["code"]), COL[KEY]).value = first[0]["code"]

    def across(book: Any) -> None:  # a row copied whole into the next committee's sheet
        src, dst = book.worksheets[0], book.worksheets[1]
        r, to = row_of(src, code), dst.max_row + 1
        for j in range(1, len(HEADERS) + 1):
            dst.cell(to, j).value = src.cell(r, j).value

    def moved_over(book: Any) -> None:  # a row moved (not copied) to another committee's sheet
        across(book)
        src = book.worksheets[0]
        src.delete_rows(row_of(src, code))

    def not_started(book: Any) -> None:
        sheet = book.worksheets[0]
        r = row_of(sheet, code)
        sheet.cell(r, COL["状态"]).value = "未开始"
        sheet.cell(r, COL["进度"]).value = 30

    def backwards(book: Any) -> None:
        sheet = book.worksheets[0]
        r = row_of(sheet, d["code"])
        sheet.cell(r, COL["状态"]).value = "进行中"
        sheet.cell(r, COL["进度"]).value = 80

    def done_short(book: Any) -> None:
        sheet = book.worksheets[0]
        r = row_of(sheet, code)
        sheet.cell(r, COL["状态"]).value = "已完成"
        sheet.cell(r, COL["进度"]).value = 90

    cases = {
        "formula": (_set(lambda b: code, "进展情况", "=1+1"), "进展情况", "公式", "formula"),
        "task text": (_set(lambda b: code, "任务", "改过的任务内容"), "任务", "任务内容", "task"),
        "owner unit": (
            _set(lambda b: code, "责任单位", "别的单位"),
            "责任单位",
            "责任单位",
            "owner",
        ),
        "deadline": (
            _set(lambda b: code, "完成时限", datetime(2027, 1, 31)),
            "完成时限",
            "完成时限",
            "deadline",
        ),
        "deadline as text": (
            _set(lambda b: code, "完成时限", "2027-01-31"),
            "完成时限",
            "2027-01-31",
            "deadline",
        ),
        "unknown key": (_set(lambda b: code, KEY, "no-such-task"), KEY, "没有编号", "no task"),
        "duplicate key": (twice, KEY, "重复", "repeats"),
        "duplicate across sheets": (across, KEY, "重复", "repeats sheet"),
        "new row": (new_row, KEY, "督查会", "review meeting"),
        "progress 101": (_set(lambda b: code, "进度", 101), "进度", "超出 0–100", "outside 0–100"),
        "progress -1": (_set(lambda b: code, "进度", -1), "进度", "0–100", "0–100"),
        "progress 60.5": (_set(lambda b: code, "进度", 60.5), "进度", "整数", "whole number"),
        "progress abc": (_set(lambda b: code, "进度", "abc"), "进度", "整数", "whole number"),
        "progress huge": (_set(lambda b: code, "进度", "9" * 400), "进度", "整数", "whole number"),
        "not started with progress": (not_started, "状态", "未开始", "not started"),
        "another committee's task": (moved_over, KEY, "另一个专委会", "another committee"),
        "progress back without a note": (backwards, "进度", "进度倒退", "goes back"),
        "done below 100": (done_short, "进度", "已完成的任务进度应为 100", "a done task is at 100"),
        "status unknown": (
            _set(lambda b: code, "状态", "差不多了"),
            "状态",
            "不是可选的状态",
            "not a status",
        ),
        "bad link": (
            _set(lambda b: code, "佐证材料", "javascript:alert(1)"),
            "佐证材料",
            "http",
            "http",
        ),
    }
    return cases


CASES = [
    "task text",
    "owner unit",
    "deadline",
    "deadline as text",
    "unknown key",
    "duplicate key",
    "duplicate across sheets",
    "new row",
    "progress 101",
    "progress -1",
    "progress 60.5",
    "progress abc",
    "progress huge",
    "not started with progress",
    "another committee's task",
    "progress back without a note",
    "done below 100",
    "status unknown",
    "bad link",
    "formula",
]


@pytest.mark.sqlite_only("the checks are the importer's, whatever the store")
def test_each_refusal_refuses_the_whole_file_and_names_the_cell(small_city):
    body, doc = export(small_city)
    cases = _cases(doc)
    assert set(cases) == set(CASES)
    (ok,) = [t for t in pick_tasks(doc, 2)][1:]  # a good change beside each bad one
    good = _set(lambda b: ok["code"], "进度", ok["progress"] + 5)
    before = snapshot(small_city)
    for name in CASES:
        edit, column, zh, en = cases[name]

        def both(book: Any, edit: Any = edit) -> None:
            good(book)
            edit(book)

        with pytest.raises(FileProblem) as caught:
            import_progress(small_city, edited(body, both), "back.xlsx", "otto", "operator", NOW)
        problem = caught.value
        assert "整份文件未导入" in problem.zh and "nothing written" in problem.en, name
        assert problem.errors, name
        texts = [str(e) for e in problem.errors]
        hits = [e for e in problem.errors if e.column.split(" ", 1)[1] == column]
        assert hits, (name, texts)
        e = hits[0]
        assert e.sheet is not None and e.row >= FIRST_ROW, name
        shown = str(e)
        assert f"工作表“{e.sheet}”第 {e.row} 行“{e.column}”列" in shown, shown
        assert f"sheet '{e.sheet}', row {e.row}, column {e.column}" in shown, shown
        assert zh in e.zh and en in e.en, (name, shown)
        assert snapshot(small_city) == before, name  # nothing written


@pytest.mark.sqlite_only("the checks are the importer's, whatever the store")
def test_every_problem_of_a_file_is_listed_at_once(small_city):
    body, doc = export(small_city)
    first = doc["committees"][0]["tasks"]

    def many(book: Any) -> None:
        sheet = book.worksheets[0]
        sheet.cell(FIRST_ROW, COL["进度"]).value = 101
        sheet.cell(FIRST_ROW + 1, COL["任务"]).value = "改了"
        sheet.cell(FIRST_ROW + 2, COL[KEY]).value = "nope"

    with pytest.raises(FileProblem) as caught:
        import_progress(small_city, edited(body, many), "x.xlsx", "otto", "admin", NOW)
    rows = sorted((e.row, e.column) for e in caught.value.errors)
    assert rows == [(4, "F 进度"), (5, "B 任务"), (6, f"I {KEY}")], rows
    assert len(first) >= 3


@pytest.mark.sqlite_only("reading the file's shape does not depend on the database")
def test_files_that_are_not_a_review_sheet_are_refused_with_a_reason(small_city, tmp_path):
    body, _doc = export(small_city)
    for raw, words in (
        (b"\xef\xbb\xbf\xe4\xbb\xbb\xe5\x8a\xa1,\xe8\xbf\x9b\xe5\xba\xa6\n", "不是 Excel"),
        (b"\xd0\xcf\x11\xe0" + b"\0" * 100, ".xls"),
        (b"PK\x03\x04broken", "损坏"),
        (b"", "空"),
        (b"x" * (10 * 1024 * 1024 + 1), "10 MB"),
    ):
        with pytest.raises(FileProblem) as caught:
            read_progress(raw, "x.xlsx")
        assert words in caught.value.zh, (words, caught.value.zh)
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(FileProblem, match="not an Excel"):
        read_progress(plain.getvalue(), "x.xlsx")

    def drop_key(book: Any) -> None:
        book.worksheets[0].delete_cols(COL[KEY])

    with pytest.raises(FileProblem) as caught:
        read_progress(edited(body, drop_key), "x.xlsx")
    assert KEY in caught.value.zh and "column" in caught.value.en
    (tmp_path / "f.xlsx").write_bytes(body)
    assert len(read_progress(tmp_path / "f.xlsx", "f.xlsx")) == sum(
        len(c["tasks"]) for c in _doc["committees"]
    )


@pytest.mark.sqlite_only("progress parsing does not depend on the database")
def test_progress_cells():
    for value in ("60", 60, 60.0, "60%", " 60 ％", "60.0"):
        assert parse_progress(value) == 60
    for value in (
        60.5,
        "abc",
        101,
        -1,
        "",
        True,
        "60.5%",
        float("inf"),
        float("nan"),
        1e400,
        "9" * 400,
    ):
        with pytest.raises(ValueError):
            parse_progress(value)


@pytest.mark.sqlite_only("formula safety does not depend on the database")
def test_a_formula_like_task_title_is_text_and_round_trips(small_city):
    title = '=HYPERLINK("http://evil.example","点我")'
    with session_scope(small_city) as s:
        task = s.scalars(select(CommitteeTask).order_by(CommitteeTask.id)).first()
        task.title, task.note = title, "+1 备注"
        code = task.code
    body, _doc = export(small_city)
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in xml
    book = load_workbook(io.BytesIO(body))
    cells = [
        sheet.cell(row_of(sheet, code), COL["任务"])
        for sheet in book.worksheets
        if code in [sheet.cell(r, 9).value for r in range(FIRST_ROW, sheet.max_row + 1)]
    ]
    assert cells and cells[0].data_type == "s" and cells[0].value == title
    assert cells[0].quotePrefix
    with session_scope(small_city) as s:
        assert check_progress(s, read_progress(body, "x.xlsx")) == []  # unchanged: no change


@pytest.mark.sqlite_only("the role check does not depend on the database")
def test_a_viewer_may_not_import(small_city):
    body, _doc = export(small_city)
    for role in ("viewer", None, "wall"):
        with pytest.raises(PermissionError):
            import_progress(small_city, body, "x.xlsx", "vera", role, NOW)
    with pytest.raises(PermissionError):
        import_progress(small_city, body, "x.xlsx", "", "operator", NOW)


@pytest.mark.sqlite_only("the CLI's wiring does not depend on the database")
def test_the_cli_exports_and_imports_the_review(small_city, cli, tmp_path):
    out = tmp_path / "review.xlsx"
    assert (
        cli("users", "add", "otto", "--role", "operator", "--password", "otto-pass-1").exit_code
        == 0
    )
    assert (
        cli("users", "add", "vera", "--role", "viewer", "--password", "vera-pass-1").exit_code == 0
    )
    with session_scope(small_city) as s:
        doc = load_review(s, None, None, TODAY)
    code = doc["committees"][0]["code"]
    done = cli("export", "committee-review", str(out), "--committee", code, "--since", "2026-10-01")
    assert done.exit_code == 0, done.output
    assert "1 committee sheet(s)" in done.output
    book = load_workbook(out)
    assert len(book.worksheets) == 1 and "统计起点：2026年10月1日" in book.worksheets[0]["A2"].value
    for args, words in (
        (("--committee", "nope"), "no committee"),
        (("--since", "2026-02-30"), "not a date"),
    ):
        bad = cli("export", "committee-review", str(out), *args)
        assert bad.exit_code == 2 and "Error:" in bad.output and words in bad.output
    bad = cli("export", "committee-review", str(tmp_path / "r.csv"))
    assert bad.exit_code == 2 and ".xlsx" in bad.output
    task = next(t for t in doc["committees"][0]["tasks"] if t["status"] != "done")
    sheet = book.worksheets[0]
    sheet.cell(row_of(sheet, task["code"]), COL["进度"]).value = min(task["progress"] + 10, 99)
    sheet.cell(row_of(sheet, task["code"]), COL["状态"]).value = "进行中"
    book.save(out)
    dry = cli("import", "committee-progress", str(out), "--as", "otto", "--dry-run")
    assert dry.exit_code == 0 and "would change 1" in dry.output, dry.output
    assert cli("import", "committee-progress", str(out), "--as", "vera").exit_code == 2
    assert "operator" in cli("import", "committee-progress", str(out), "--as", "vera").output
    assert cli("import", "committee-progress", str(out), "--as", "nobody").exit_code == 2
    assert cli("import", "committee-progress", str(out)).exit_code == 2
    ok = cli("import", "committee-progress", str(out), "--as", "otto")
    assert ok.exit_code == 0 and "changed 1" in ok.output and task["code"] in ok.output
    again = cli("import", "committee-progress", str(out), "--as", "otto")
    assert again.exit_code == 0 and "changed 0" in again.output
    sheet.cell(row_of(sheet, task["code"]), COL["进度"]).value = 101
    book.save(out)
    refused = cli("import", "committee-progress", str(out), "--as", "otto")
    assert refused.exit_code == 2
    assert (
        "整份文件未导入" in refused.output and "row" in refused.output and "进度" in refused.output
    )


@pytest.mark.sqlite_only("the reading is the importer's, whatever the store")
def test_a_header_moved_far_down_is_still_read_and_a_hidden_sheet_is_refused(small_city):
    body, doc = export(small_city)
    (t,) = pick_tasks(doc, 1)

    def lower(book: Any) -> None:
        sheet = book.worksheets[0]
        r = row_of(sheet, t["code"])
        sheet.cell(r, COL["进度"]).value = t["progress"] + 5
        sheet.cell(r, COL["进展情况"]).value = "推进中"
        sheet.insert_rows(1, 12)  # an office's own heading, far above the header

    rows = read_progress(edited(body, lower), "lower.xlsx")
    assert any(r.code == t["code"] and r.cells["进度"] == t["progress"] + 5 for r in rows)

    def hide(book: Any) -> None:
        book.worksheets[1].sheet_state = "hidden"

    with pytest.raises(FileProblem) as caught:
        read_progress(edited(body, hide), "hidden.xlsx")
    assert "隐藏" in caught.value.zh and "hidden" in caught.value.en
