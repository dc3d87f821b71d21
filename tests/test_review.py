"""The committee review (issue 18): what changed since a review, the meeting record (roles,
every bad field refused whole, decisions that become tasks, notes, who and when), the next
review's default "since", and the routes."""

from __future__ import annotations

from base64 import b64encode
from datetime import UTC, date, datetime, timedelta

import orjson
import pytest
from sqlalchemy import func, select

from dashboard.app import create_app
from dashboard.auth import hash_password
from dashboard.settings import Settings
from data_loaders.actions.reviews import ReviewError, record_meeting_as
from data_loaders.actions.tasks import Via, update_task
from data_loaders.store import session_scope
from data_loaders.store.schema import (
    Committee,
    CommitteeActivity,
    CommitteeTask,
    CommitteeTaskEvent,
    ReviewMeeting,
)
from data_loaders.times import CHINA, china_today
from data_loaders.users import save_user
from read_models.review import BadArgument, classify, load_review, quarter_start, review_args

PASSWORDS = {"vera": "viewer-pass", "otto": "operator-pass"}


def basic(name: str) -> dict[str, str]:
    token = b64encode(f"{name}:{PASSWORDS[name]}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def api(small_city):
    with session_scope(small_city) as s:
        for name, role in (("vera", "viewer"), ("otto", "operator")):
            save_user(s, name, role, hash_password(PASSWORDS[name]))
    return create_app(Settings(warm_cache=False, version_seconds=0), engine=small_city)


def _section(doc: dict, code: str) -> dict:
    return next(s for s in doc["committees"] if s["code"] == code)


def _task(section: dict, code: str) -> dict:
    return next(t for t in section["tasks"] if t["code"] == code)


def test_what_changed_since_a_day_is_read_from_each_tasks_history(small_city):
    today = china_today()
    since = today - timedelta(days=20)
    before, after = (
        datetime.combine(since - timedelta(days=3), datetime.min.time(), CHINA),
        datetime.combine(since + timedelta(days=2), datetime.min.time(), CHINA),
    )
    with session_scope(small_city) as s:
        hazchem = s.scalar(select(Committee.id).where(Committee.code == "hazchem"))
        tasks = list(
            s.scalars(
                select(CommitteeTask)
                .where(CommitteeTask.committee_id == hazchem, CommitteeTask.status != "done")
                .order_by(CommitteeTask.id)
            )
        )
        moved, done, noted, late = tasks[0], tasks[1], tasks[2], tasks[3]
        for t in (moved, done, noted, late):  # a clean history for each: one change before
            s.query(CommitteeTaskEvent).filter(CommitteeTaskEvent.task_id == t.id).delete()
            t.status, t.progress, t.done_on = "in_progress", 20, None
            t.due_on = today + timedelta(days=30)
            s.add(
                CommitteeTaskEvent(
                    task_id=t.id, at=before, actor="duty", status="in_progress", progress=20
                )
            )
        late.due_on = since + timedelta(days=1)  # its deadline passed since the review
        s.flush()
        update_task(s, moved.code, {"progress": 55}, "otto", after)
        update_task(s, done.code, {"status": "done"}, "otto", after)
        update_task(s, noted.code, {"note": "只补了说明"}, "otto", after, Via("meeting"))
        codes = moved.code, done.code, noted.code, late.code
    with session_scope(small_city) as s:
        doc = load_review(s, "hazchem", since, today)
    sec = _section(doc, "hazchem")
    assert sec["since"] == since.isoformat() and sec["since_from"] == "given"
    ch = sec["changes"]
    assert codes[0] in ch["moved"] and _task(sec, codes[0])["was"] == {
        "status": "in_progress",
        "progress": 20,
    }
    assert codes[1] in ch["done"] and codes[1] not in ch["moved"]
    assert codes[2] in ch["not_moved"]  # a note is not progress
    assert codes[3] in ch["newly_overdue"] and codes[3] in ch["not_moved"]
    # every task is in exactly one of done / moved / not moved, or done before and unchanged
    for t in sec["tasks"]:
        kinds = {k for k in ("done", "moved", "not_moved") if t["code"] in ch[k]}
        assert len(kinds) <= 1
        assert kinds or t["status"] == "done"
    s = sec["by_status"]
    assert s["not_started"] + s["in_progress"] + s["done"] + s["overdue"] == sec["tasks_total"]
    assert sec["overdue"] == [
        t["code"]
        for t in sorted(
            (t for t in sec["tasks"] if t["overdue"]), key=lambda t: (-t["days_overdue"], t["code"])
        )
    ]


@pytest.mark.sqlite_only("a rule on plain values")
def test_a_task_done_before_the_review_without_a_record_is_not_new_news():
    class T:
        status, progress, due_on, done_on = "done", 100, date(2026, 9, 1), date(2026, 9, 1)

    since = date(2026, 10, 15)
    assert classify(T, None, since, date(2026, 12, 3)) == ([], {"status": "done", "progress": 100})
    T.done_on = date(2026, 10, 20)  # done after it (an import, the demo): news
    assert classify(T, None, since, date(2026, 12, 3))[0] == ["done"]
    assert quarter_start(date(2026, 12, 3)) == date(2026, 10, 1)
    today = date(2026, 12, 3)
    assert review_args({}, today) == ("all", None)
    assert review_args({"committee": "fire", "since": "2026-11-01"}, today) == (
        "fire",
        date(2026, 11, 1),
    )
    for bad in (
        {"since": "2026-13-01"},
        {"since": "2030-01-01"},
        {"since": "1999-12-31"},
        {"since": "11/01/2026"},
        {"committee": "<script>"},
        {"committee": "x" * 41},
    ):
        with pytest.raises(BadArgument):
            review_args(bad, today)


def _body(**over) -> dict:
    today = china_today()
    body = {
        "held_on": today.isoformat(),
        "committees": ["hazchem", "fire"],
        "title": "第四季度危化品、消防督查会议",
        "attendees": "安委办、市应急管理局、市消防救援大队",
        "decisions": [
            {"text": "对液氨企业逐家复核报警联网"},
            {
                "text": "年底前完成化工园区封闭化管理<b>验收</b>",
                "committee": "hazchem",
                "owner_unit": "市应急管理局",
                "due_on": (today + timedelta(days=28)).isoformat(),
            },
        ],
        "notes": [],
    }
    return body | over


def _counts(engine) -> tuple[int, ...]:
    with session_scope(engine) as s:
        return tuple(
            s.scalar(select(func.count()).select_from(m))
            for m in (ReviewMeeting, CommitteeTask, CommitteeTaskEvent, CommitteeActivity)
        )


def test_a_meeting_is_recorded_by_an_operator_and_its_decision_becomes_a_task(small_city):
    now = datetime.now(UTC).replace(microsecond=0)
    with session_scope(small_city) as s:
        noted = s.scalars(
            select(CommitteeTask)
            .join(Committee)
            .where(Committee.code == "fire", CommitteeTask.status != "done")
        ).first()
        noted_code, noted_state = noted.code, (noted.status, noted.progress)
        before_meetings = load_review(s, "hazchem", None, china_today())
    body = _body(notes=[{"task": noted_code, "note": "责任单位说明滞后原因，限期两周"}])
    counts = _counts(small_city)
    with pytest.raises(PermissionError):
        record_meeting_as(small_city, "vera", "viewer", body, now)
    with pytest.raises(PermissionError):
        record_meeting_as(small_city, None, None, body, now)
    assert _counts(small_city) == counts
    meeting_id = record_meeting_as(small_city, "otto", "operator", body, now)
    with session_scope(small_city) as s:
        m = s.get(ReviewMeeting, meeting_id)
        assert (m.recorded_by, m.held_on.isoformat()) == ("otto", body["held_on"])
        new = s.scalars(
            select(CommitteeTask).where(CommitteeTask.title.like("年底前完成化工园区%"))
        ).one()
        # the next number of the committee's codes, as the demo's and the imports' codes go
        numbers = [
            int(c.rsplit("-", 1)[1])
            for c in s.scalars(select(CommitteeTask.code).where(CommitteeTask.code != new.code))
            if c.startswith("hazchem-")
        ]
        assert new.code == f"hazchem-{max(numbers) + 1:03d}"
        assert (new.owner_unit, new.status, new.progress) == ("市应急管理局", "not_started", 0)
        assert new.due_on.isoformat() == body["decisions"][1]["due_on"]
        events = s.execute(
            select(CommitteeTaskEvent, CommitteeTask.code)
            .join(CommitteeTask)
            .where(CommitteeTaskEvent.meeting_id == meeting_id)
        ).all()
        assert {(code, e.actor, e.source) for e, code in events} == {
            (new.code, "otto", "meeting"),
            (noted_code, "otto", "meeting"),
        }
        note = next(e for e, code in events if code == noted_code)
        assert (note.from_status, note.from_progress) == noted_state
        assert (note.status, note.progress) == noted_state  # a note moves nothing
        assert as_utc_equal(note.at, now)
        acts = s.scalars(
            select(CommitteeActivity.kind).where(CommitteeActivity.meeting_id == meeting_id)
        ).all()
        assert acts == ["meeting", "meeting"]  # one per committee reviewed
        after = load_review(s, "hazchem", None, china_today())
    n = _counts(small_city)
    assert n[0] == counts[0] + 1 and n[1] == counts[1] + 1 and n[3] == counts[3] + 2
    # the next review's "since" is this meeting; the new task is there, whole
    sec, was = _section(after, "hazchem"), _section(before_meetings, "hazchem")
    assert (sec["since"], sec["since_from"]) == (body["held_on"], "meeting")
    assert was["since"] != sec["since"]
    assert new.code in sec["changes"]["new"]
    assert _task(sec, new.code)["title"] == "年底前完成化工园区封闭化管理<b>验收</b>"
    meeting = after["meetings"][0]
    assert meeting["id"] == meeting_id
    assert [d["text"] for d in meeting["decisions"]] == [d["text"] for d in body["decisions"]]
    assert meeting["decisions"][1]["task"]["code"] == new.code
    assert meeting["notes"] == [
        {"task": noted_code, "title": noted.title, "note": "责任单位说明滞后原因，限期两周"}
    ]


def as_utc_equal(a: datetime, b: datetime) -> bool:
    return a.astimezone(UTC) == b.astimezone(UTC)


@pytest.mark.sqlite_only("the checks come before the store")
def test_every_bad_field_refuses_the_whole_record(small_city):
    today = china_today()
    now = datetime.now(UTC)
    counts = _counts(small_city)
    decision = _body()["decisions"][1]
    bad = {
        "held_on": _body(held_on=(today + timedelta(days=1)).isoformat()),
        "held_on ": _body(held_on="2026-02-30"),
        "committees": _body(committees=[]),
        "committees ": _body(committees=["nope"]),
        "attendees": _body(attendees="  "),
        "attendees ": _body(attendees="\u0000\u0001\u007f"),  # nothing but control characters
        "held_on  ": _body(held_on="0001-01-01"),
        "title": _body(title="题" * 201),
        "decisions[0].committee": _body(decisions=[decision | {"committee": "tourism"}]),
        "decisions[0].due_on": _body(
            decisions=[decision | {"due_on": (today - timedelta(days=1)).isoformat()}]
        ),
        "decisions[0].due_on ": _body(decisions=[decision | {"due_on": "2099-01-01"}]),
        "decisions[0].owner_unit": _body(decisions=[decision | {"owner_unit": ""}]),
        "decisions[0].text": _body(decisions=[{"text": "决" * 1001}]),
        "decisions": _body(decisions=[{"text": "x"}] * 51),
        "notes[0].task": _body(notes=[{"task": "road_traffic-001", "note": "不是本次督查的"}]),
        "notes[0].note": _body(notes=[{"task": "hazchem-001", "note": ""}]),
        "body": ["not", "an", "object"],
    }
    for where, body in bad.items():
        with pytest.raises(ReviewError) as exc:
            record_meeting_as(small_city, "otto", "operator", body, now)
        assert exc.value.where == where.strip(), where
        assert exc.value.zh and exc.value.en
    assert _counts(small_city) == counts


def test_the_routes_answer_the_review_and_take_a_meeting_from_an_operator(api, small_city):
    client = api.server.test_client()
    got = client.get("/api/review?committee=fire", headers=basic("vera"))
    assert got.status_code == 200
    doc = orjson.loads(got.data)
    assert [s["code"] for s in doc["committees"]] == ["fire"]
    with session_scope(small_city) as s:
        assert doc == orjson.loads(
            orjson.dumps(
                load_review(s, "fire", None, china_today()), option=orjson.OPT_NON_STR_KEYS
            )
        )
    assert client.get("/api/review?committee=nope", headers=basic("vera")).status_code == 404
    for query in ("since=2030-01-01", "since=x", "committee=%3Cb%3E"):
        assert client.get(f"/api/review?{query}", headers=basic("vera")).status_code == 400
    assert client.get("/api/review").status_code == 401
    body = _body()
    assert client.post("/api/review/meetings", json=body).status_code == 401
    assert client.post("/api/review/meetings", json=body, headers=basic("vera")).status_code == 403
    form = client.post("/api/review/meetings", data={"x": "1"}, headers=basic("otto"))
    assert form.status_code == 415  # no cross-site form can record one
    wrong = client.post(
        "/api/review/meetings", json=_body(committees=["nope"]), headers=basic("otto")
    )
    assert wrong.status_code == 400 and orjson.loads(wrong.data)["field"] == "committees"
    made = client.post("/api/review/meetings", json=body, headers=basic("otto"))
    assert made.status_code == 201
    meeting = orjson.loads(made.data)
    assert meeting["recorded_by"] == "otto" and len(meeting["decisions"]) == 2
    one = client.get(f"/api/review/meetings/{meeting['id']}", headers=basic("vera"))
    assert orjson.loads(one.data) == meeting
    listed = orjson.loads(
        client.get("/api/review/meetings?committee=fire", headers=basic("vera")).data
    )
    assert listed["meetings"][0]["id"] == meeting["id"]
    road = orjson.loads(
        client.get("/api/review/meetings?committee=road_traffic", headers=basic("vera")).data
    )
    assert meeting["id"] not in [m["id"] for m in road["meetings"]]
    assert client.get("/api/review/meetings/99999", headers=basic("vera")).status_code == 404
    page = client.get("/review/", headers=basic("vera"))
    assert page.status_code == 200 and b"<html" in page.data
    assert client.get("/review/nothing", headers=basic("vera")).status_code == 404


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _edited(workbook: bytes, code: str, progress: int, note: str) -> bytes:
    """The workbook with one task's 进度 and 进展情况 filled in, as an owner unit would."""
    import io

    from openpyxl import load_workbook

    from data_loaders.importers.committee_progress import FIRST_ROW, HEADERS, KEY

    book = load_workbook(io.BytesIO(workbook))
    col = {h: i + 1 for i, h in enumerate(HEADERS)}
    for sheet in book.worksheets:
        for row in range(FIRST_ROW, sheet.max_row + 1):
            if sheet.cell(row, col[KEY]).value == code:
                sheet.cell(row, col["进度"]).value = progress
                sheet.cell(row, col["进展情况"]).value = note
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.sqlite_only("the import itself runs on both stores in test_review_workbook")
def test_the_workbook_and_the_record_download_and_a_returned_file_is_taken(api, small_city):
    import base64

    from callbacks.deps import Deps
    from callbacks.review import upload_message
    from dashboard.i18n import t
    from data_loaders.users import Identity

    client = api.server.test_client()
    sheet = client.get("/api/review.xlsx?committee=fire", headers=basic("vera"))
    assert sheet.status_code == 200 and sheet.mimetype == XLSX
    assert "review-fire-" in sheet.headers["Content-Disposition"]
    assert client.get("/api/review.xlsx?since=2999-01-01", headers=basic("vera")).status_code == 400
    with session_scope(small_city) as s:
        task = s.scalars(
            select(CommitteeTask)
            .join(Committee)
            .where(Committee.code == "fire", CommitteeTask.status == "in_progress")
        ).first()
        code, progress = task.code, task.progress
    filled = _edited(sheet.data, code, progress + 5, "已完成第二轮排查")
    url = "/api/review/progress?name=%E6%B6%88%E9%98%B2.xlsx"
    post = lambda body, who, kind=XLSX: client.post(  # noqa: E731
        url, data=body, headers=basic(who) | {"Content-Type": kind}
    )
    assert post(filled, "vera").status_code == 403
    assert post(filled, "otto", "multipart/form-data").status_code == 415
    taken = post(filled, "otto")
    assert taken.status_code == 200, taken.data
    got = orjson.loads(taken.data)
    assert (got["changed"], got["codes"], got["file_name"]) == (1, [code], "消防.xlsx")
    assert orjson.loads(post(filled, "otto").data)["changed"] == 0  # the same file again
    backwards = _edited(sheet.data, code, 0, "")  # less done, and no word why
    refused = post(backwards, "otto")
    assert refused.status_code == 400
    problem = orjson.loads(refused.data)
    cell = problem["errors"][0]
    assert cell["sheet"] == "消防" and cell["row"] >= 4 and "进度" in cell["column"]
    assert cell["zh"] and cell["en"]
    with session_scope(small_city) as s:
        event = s.scalars(
            select(CommitteeTaskEvent)
            .join(CommitteeTask)
            .where(CommitteeTask.code == code)
            .order_by(CommitteeTaskEvent.id.desc())
        ).first()
        assert (event.actor, event.source, event.file_name) == ("otto", "import", "消防.xlsx")
        assert (event.from_progress, event.progress) == (progress, progress + 5)

    # the page's upload: the same import as the signed-in user, every cell at fault listed
    def deps_as(who):
        return Deps(
            engine=small_city, lang="zh", label=t, title=lambda _l: "", current_user=lambda: who
        )

    data = "data:;base64," + base64.b64encode(backwards).decode()
    message, changed = upload_message(
        deps_as(Identity("otto", "operator")), data, "x.xlsx", "zh", now_utc()
    )
    assert not changed and "未导入" in str(message) and "进度" in str(message)
    message, changed = upload_message(
        deps_as(Identity("vera", "viewer")), data, "x.xlsx", "zh", now_utc()
    )
    assert not changed and "操作员" in str(message)
    message, _ = upload_message(
        deps_as(Identity("otto", "operator")), "data:;base64,@@", "x", "en", now_utc()
    )
    assert "could not be read" in str(message)

    docx = client.get("/api/review/record.docx?committee=fire", headers=basic("vera"))
    assert docx.status_code == 200 and docx.data[:2] == b"PK"
    meeting = orjson.loads(client.get("/api/review/meetings", headers=basic("vera")).data)
    first = meeting["meetings"][0]["id"]
    record = client.get(f"/api/review/meetings/{first}/record.docx", headers=basic("vera"))
    assert record.status_code == 200 and record.data[:2] == b"PK"
    assert (
        client.get("/api/review/meetings/999999/record.docx", headers=basic("vera")).status_code
        == 404
    )


def now_utc() -> datetime:
    return datetime.now(UTC)


@pytest.mark.postgresql_only("row locks: SQLite has one writer at a time anyway")
def test_meetings_recorded_at_once_give_their_tasks_different_codes(small_city):
    import threading

    body = _body(committees=["fire"], decisions=[_body()["decisions"][1] | {"committee": "fire"}])
    start, done, failed = threading.Barrier(4), [], []

    def record() -> None:
        start.wait()
        try:
            done.append(record_meeting_as(small_city, "otto", "operator", body, datetime.now(UTC)))
        except Exception as exc:  # the test says what went wrong
            failed.append(repr(exc))

    threads = [threading.Thread(target=record) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert failed == [] and len(done) == 4
    with session_scope(small_city) as s:
        codes = s.scalars(
            select(CommitteeTask.code).where(CommitteeTask.title == body["decisions"][0]["text"])
        ).all()
    assert len(codes) == len(set(codes)) == 4
