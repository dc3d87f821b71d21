"""The committee review page in a real browser (issue 18): an operator comes from the
committee tab, filters to a committee, records a meeting whose decision becomes a task, and
sees it on the page and in the store; a viewer sees the review but no form."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from data_loaders.importers.committee_progress import FIRST_ROW, HEADER_ROW, KEY
from data_loaders.store import session_scope
from data_loaders.store.schema import CommitteeTask, CommitteeTaskEvent, ReviewMeeting
from data_loaders.times import china_today
from tests.browser.conftest import sign_in


@pytest.fixture(params=["sqlite"])
def backend(request):  # the browser does not care which database serves the page
    return request.param


def pick(page, dropdown: str, option: str) -> None:
    """Choose an option of a dcc.Dropdown (Dash 4: a button and a listbox)."""
    page.locator(dropdown).click()
    # the options of the list just opened (a checklist's boxes are options too)
    page.get_by_role("dialog").get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")  # a chosen option may leave the list open
    page.get_by_role("dialog").wait_for(state="detached")


def test_an_operator_records_a_meeting_whose_decision_becomes_a_task(
    page, signed_server, small_city, tmp_path
):
    base = signed_server
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_viewport_size({"width": 1920, "height": 1080})
    sign_in(page, base, "duty", "duty-pass-1", "/?tab=committee")
    page.click("#committee-review-link")
    page.wait_for_selector(".rv-section", state="attached", timeout=20_000)
    assert page.url.startswith(base + "/review/")
    assert page.locator(".rv-section[data-committee]").count() == 8

    # one committee: the URL follows, the review is drawn again, the task texts whole
    pick(page, "#review-committee", "危化品安全专业委员会")
    page.wait_for_function("document.querySelectorAll('.rv-section[data-committee]').length === 1")
    assert "committee=hazchem" in page.url
    with session_scope(small_city) as s:
        longest = max(
            s.scalars(select(CommitteeTask.title).where(CommitteeTask.code.like("hazchem-%"))),
            key=len,
        )
    assert longest in page.locator(".rv-tasks").inner_text()  # never cut to "推进…"

    # the meeting: a decision that becomes a task, a second decision, a note on a task
    page.click(".rv-record summary")
    page.fill("#meet-attendees", "安委办主任、市应急管理局分管副局长")
    decision = page.locator("#meet-decisions .rv-decision").nth(0)
    decision.locator("textarea").fill("督促液氨企业年底前完成报警联网复核")
    decision.get_by_text("形成新任务").click()
    pick(page, "#meet-decisions .rv-decision >> nth=0 >> .rv-select", "危化品安全专业委员会")
    decision.locator("input[placeholder=责任单位]").fill("市应急管理局")
    due = (china_today() + timedelta(days=27)).isoformat()
    decision.locator("input[type=date]").fill(due)
    page.click("#meet-add-decision")
    page.wait_for_selector("#meet-decisions .rv-decision >> nth=1")
    # what was typed in the first row is still there (rows are added, not redrawn)
    assert "报警联网复核" in page.locator("#meet-decisions textarea").nth(0).input_value()
    page.locator("#meet-decisions textarea").nth(1).fill("下次督查前各责任单位报送整改计划")
    page.locator("#meet-committees").get_by_text("危化品安全专业委员会").is_visible()
    page.click("#meet-save")
    page.wait_for_selector("#meet-message .ok", timeout=15_000)

    with session_scope(small_city) as s:
        meeting = s.scalars(select(ReviewMeeting).order_by(ReviewMeeting.id.desc())).first()
        task = s.scalars(
            select(CommitteeTask).where(CommitteeTask.title == "督促液氨企业年底前完成报警联网复核")
        ).one()
        event = s.scalars(
            select(CommitteeTaskEvent).where(CommitteeTaskEvent.task_id == task.id)
        ).one()
    assert meeting.recorded_by == "duty" and meeting.held_on == china_today()
    assert (task.owner_unit, task.due_on.isoformat(), task.status) == (
        "市应急管理局",
        due,
        "not_started",
    )
    assert (event.actor, event.meeting_id) == ("duty", meeting.id)
    # the page shows it: the meeting on top, the new task in the review, since today
    first = page.locator(".rv-meeting").first
    assert first.get_attribute("data-meeting") == str(meeting.id)
    assert task.code in first.inner_text() and "市应急管理局" in first.inner_text()
    body = page.locator("#review-body").inner_text()
    assert "督促液氨企业年底前完成报警联网复核" in body
    assert "自上次督查会议" in body and china_today().isoformat() in body
    # the form is ready for the next one
    assert page.locator("#meet-decisions .rv-decision").count() == 1
    assert page.locator("#meet-attendees").input_value() == ""

    # the spreadsheet round trip from the page: the workbook its button gives, filled in by
    # an owner unit, uploaded; the review shows the new progress at once
    href = page.locator("#review-links a", has_text="Excel").get_attribute("href")
    sheet = page.request.get(base + href)
    assert sheet.status == 200
    book = load_workbook(io.BytesIO(sheet.body()))
    rows = book.worksheets[0]
    head = [c.value for c in rows[HEADER_ROW]]
    col = {h: i + 1 for i, h in enumerate(head)}
    row = FIRST_ROW + [c.value for c in rows[get_column_letter(col[KEY])]][FIRST_ROW - 1 :].index(
        task.code
    )
    rows.cell(row, col["状态"]).value = "进行中"
    rows.cell(row, col["进度"]).value = 35
    rows.cell(row, col["进展情况"]).value = "已完成 12 家企业的复核"
    filled = tmp_path / "危化品-反馈.xlsx"
    book.save(filled)
    page.set_input_files("#review-upload input[type=file]", str(filled))
    page.wait_for_selector("#review-upload-message .ok", timeout=15_000)
    assert "更新 1 项任务" in page.locator("#review-upload-message").inner_text()
    assert "已完成 12 家企业的复核" in page.locator("#review-body").inner_text()
    with session_scope(small_city) as s:
        latest = s.scalars(
            select(CommitteeTaskEvent)
            .where(CommitteeTaskEvent.task_id == task.id)
            .order_by(CommitteeTaskEvent.id.desc())
        ).first()
    assert (latest.actor, latest.file_name, latest.progress) == ("duty", "危化品-反馈.xlsx", 35)
    assert errors == []


def test_a_viewer_sees_the_review_but_cannot_record(page, signed_server):
    base = signed_server
    sign_in(page, base, "guest", "guest-pass-1")
    page.goto(base + "/review/?committee=fire&lang=en")
    page.wait_for_selector(".rv-section", state="attached", timeout=20_000)
    assert page.locator("h1").inner_text() == "Safety committee task review"
    assert page.locator("#meet-save").count() == 0
    assert page.locator("#review-upload").count() == 0
    page.click(".rv-record summary")
    assert "needs the operator role" in page.locator(".rv-record").inner_text()
