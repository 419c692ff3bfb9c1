"""Days and months are 1990–2100 at every entry point (docs/decisions.md), read by the one date,
date-time and month parser of ``dispatch.validators``: a far-off one is a field error (API: 422
naming the field; pages: their usual refusal), never a crash in time-zone arithmetic."""

from __future__ import annotations

from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.jobs.models import Job
from tests.conftest import csrf_from, post_form
from tests.world import repair_request

OUT = "The date is out of range."


def _fields(response) -> dict[str, str]:
    assert response.status_code == 422, (response.status_code, response.get_data(as_text=True))
    return response.get_json()["error"]["fields"]


def test_api_days_out_of_range_name_the_field(api_as, make_technician):
    manager, finance = api_as("manager"), api_as("finance")
    assert _fields(manager.get("/api/v1/finance/reconciliation?date=1899-12-31")) == {"date": OUT}
    assert _fields(manager.get("/api/v1/finance/reconciliation?date=2101-01-01")) == {"date": OUT}
    assert _fields(finance.post("/api/v1/finance/locked-days", json={"date": "1899-12-31"})) \
        == {"date": OUT}
    assert _fields(manager.post("/api/v1/dispatch/auto-assign", json={"date": "1899-12-31"})) \
        == {"date": OUT}
    technician = make_technician()
    assert _fields(manager.post("/api/v1/documents/day-sheets", json={
        "technician_id": technician.id, "date": "0001-01-01"})) == {"date": OUT}
    assert manager.get("/api/v1/finance/reconciliation?date=1990-01-01").status_code == 200


def test_the_invoice_register_filters_are_guarded_too(api_as):
    """Its ``date_from``/``date_to`` were plain dates: year 1 overflowed into a server error."""
    finance = api_as("finance")
    for name in ("date_from", "date_to"):
        assert _fields(finance.get(f"/api/v1/finance/invoices?{name}=0001-01-01")) == {name: OUT}
    assert finance.get("/api/v1/finance/invoices?date_from=2026-01-01").status_code == 200


def test_api_day_messages_come_from_the_one_parser_in_the_users_language(api_as):
    manager = api_as("manager")
    assert _fields(manager.get("/api/v1/finance/reconciliation?date=2026-02-30")) == {
        "date": "Enter a date as YYYY-MM-DD."}
    chinese = manager.get("/api/v1/finance/reconciliation?date=1899-12-31",
                          headers={"Accept-Language": "zh-CN"})
    assert _fields(chinese) == {"date": "日期超出范围。"}


def test_api_months_out_of_range_name_the_field(api_as):
    manager, finance = api_as("manager"), api_as("finance")
    assert _fields(manager.get("/api/v1/care/stats?month=1899-12")) == {"month": OUT}
    assert _fields(manager.get("/api/v1/incentives?month=2101-01")) == {"month": OUT}
    assert _fields(finance.post("/api/v1/documents/invoice-pack", json={"month": "1899-12"})) \
        == {"month": OUT}
    assert _fields(finance.post("/api/v1/documents/invoice-pack", json={"month": "2026-13"})) \
        == {"month": "Enter a month as YYYY-MM."}
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0
    assert finance.post("/api/v1/documents/invoice-pack", json={"month": "2100-12"}).status_code == 202


def test_date_times_out_of_range_are_field_errors(world):
    """A visit window or a promised reply in year 1 overflowed when stored as UTC."""
    for name in ("window_start", "window_end"):
        body = repair_request(world, window_start="2026-03-02T09:00", window_end="2026-03-02T12:00")
        body[name] = "0001-01-01T00:00"
        assert _fields(world.agent.post("/api/v1/workorders", json=body)) == {name: OUT}
    complaint = world.agent.post("/api/v1/complaints", json={
        "customer_id": world.customer.id, "severity": "major", "channel": "hotline",
        "description": "终端不上线"})
    assert complaint.status_code == 201, complaint.get_json()
    notice = world.agent.post(f"/api/v1/complaints/{complaint.get_json()['id']}/notice",
                              json={"promised_reply_at": "9999-12-31T23:59"})
    assert _fields(notice) == {"promised_reply_at": OUT}


def test_pages_refuse_days_and_months_out_of_range(login, make_user):
    browser = login(make_user("manager"))
    for url in ("/finance/?date=1899-12-31", "/care/stats?month=1899-12",
                "/care/stats.pdf?month=2101-01", "/incentives/?month=1899-12",
                "/care/audit?year=1989&quarter=1", "/care/audit?year=2101&quarter=4",
                "/care/audit?year=2026&quarter=5"):
        answer = browser.get(url)
        assert answer.status_code == 422, url
        assert "nothing was changed" in answer.get_data(as_text=True), url
    # The quarter's year follows the same 1990–2100 rule (it was 2000–2100 there alone).
    assert browser.get("/care/audit?year=1990&quarter=1").status_code == 200
    assert browser.get("/care/stats?month=1990-01").status_code == 200


def test_a_document_run_for_a_month_out_of_range_is_refused(login, make_user, make_technician):
    browser = login(make_user("manager"))
    technician = make_technician()
    for data in ({"kind": "invoice_pack", "month": "1899-12"},
                 {"kind": "monthly_report", "month": "2101-01"},
                 {"kind": "day_sheets", "technician_id": technician.id, "date": "1899-12-31"}):
        response = post_form(browser, "/documents/runs", data)
        assert response.status_code == 302, data
        assert "Check the month, date and technician." in \
            browser.get("/documents/runs").get_data(as_text=True), data
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0
    queued = post_form(browser, "/documents/runs", {"kind": "invoice_pack", "month": " 2026-01 "})
    assert queued.status_code == 302
    assert [job.params for job in db.session.scalars(select(Job))] == [{"month": "2026-01"}]


def test_the_order_form_refuses_a_window_out_of_range(world, login, make_user):
    browser = login(make_user("agent"))
    token = csrf_from(browser.get("/workorders/new").get_data(as_text=True))
    form = {**repair_request(world), "window_start": "0001-01-01T08:00", "csrf_token": token}
    response = browser.post("/workorders/new", data=form)
    assert response.status_code == 422
    assert OUT in response.get_data(as_text=True)
