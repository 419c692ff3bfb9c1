"""Regressions for what the API fuzzer (test_api_fuzz.py) found: each was a server error.

- a month like ``0000-01`` or ``9999-12`` (``date(0, …)``, or a month end in year 10000);
- an id beyond the database's integer range (SQLite: OverflowError; PostgreSQL: "integer out
  of range") in a body, a query filter or a URL;
- a NUL character (PostgreSQL text cannot hold it) or a lone UTF-16 surrogate (cannot be
  encoded for any database) in a query string, form or JSON body.
"""

from __future__ import annotations

import json

from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.registry.models import Customer
from dispatch.web.schemas import MAX_ID
from tests.world import order_on_site


def _fields(response, status=422):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()["error"]["fields"]


def raw_json(api, path, body):
    """POST ``body`` serialised with ASCII escapes, so lone surrogates survive the trip."""
    return api.post(path, data=json.dumps(body), headers={"Content-Type": "application/json"})


def test_month_out_of_range_is_a_field_error_not_a_crash(api_as):
    manager = api_as("manager")
    for month in ("0000-01", "0001-01", "9999-12", "1989-12", "2024-13", "24-01"):
        assert "month" in _fields(manager.get(f"/api/v1/care/stats?month={month}")), month
        assert "month" in _fields(manager.get(f"/api/v1/incentives?month={month}")), month
    assert manager.get("/api/v1/care/stats?month=2026-01").status_code == 200
    assert manager.get("/api/v1/incentives?month=2100-12").status_code == 200


def test_month_pages_refuse_a_month_out_of_range_naming_the_filter(login, make_user):
    browser = login(make_user("manager"))
    for url in ("/care/stats?month=9999-12", "/care/stats.pdf?month=0001-01",
                "/incentives/?month=9999-12", "/incentives/export?month=0000-01"):
        answer = browser.get(url)
        assert answer.status_code == 422, url
        assert "<code>month</code>" in answer.get_data(as_text=True), url


def test_invoice_pack_refuses_a_month_out_of_range(api_as):
    finance = api_as("finance")
    response = finance.post("/api/v1/documents/invoice-pack", json={"month": "0000-01"})
    assert "month" in _fields(response)


def test_ids_beyond_the_integer_range_are_refused_or_not_found(api_as):
    huge = MAX_ID + 1
    agent, manager = api_as("agent"), api_as("manager")
    accepted = api_as("dispatcher").post("/api/v1/dispatch/auto-assign/accept", json={
        "date": "2026-01-05", "assignments": [{"order_id": 10**30, "technician_id": huge}]})
    fields = _fields(accepted)
    assert "assignments.0.order_id" in fields and "assignments.0.technician_id" in fields
    assert "technician_id" in _fields(agent.get(f"/api/v1/workorders?technician_id={huge}"))
    assert "after" in _fields(agent.get(f"/api/v1/workorders?after={huge}"))
    assert "technician_id" in _fields(manager.get(
        f"/api/v1/finance/reconciliation?date=2026-01-05&technician_id={huge}"))
    complaint = agent.post("/api/v1/complaints", json={
        "customer_id": huge, "severity": "minor", "channel": "hotline", "description": "x"})
    assert "customer_id" in _fields(complaint)
    for url in (f"/api/v1/workorders/{huge}", f"/api/v1/customers/{10**30}",
                f"/api/v1/workorders/{huge}/fee"):
        response = manager.get(url)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert manager.get(f"/api/v1/workorders?technician_id={MAX_ID}").status_code == 200


def test_nul_in_a_search_is_a_field_error(api_as):
    agent = api_as("agent")
    for query in ("q=a%00b", "plate=%00", "q=%00&page=1"):
        name = query.split("=")[0]
        assert name in _fields(agent.get(f"/api/v1/workorders?{query}")), query
        assert name in _fields(agent.get(f"/api/v1/customers?{query}")), query


def test_nul_or_lone_surrogate_in_json_is_refused_and_nothing_written(api_as):
    agent = api_as("agent")
    before = db.session.scalar(select(func.count()).select_from(Customer))
    for name in ("杭州\x00物流", "a\ud800b", "\udfff"):
        response = raw_json(agent, "/api/v1/customers", {
            "name": name, "contact_name": "王伟", "phone": "13800138000", "address": "杭州市"})
        assert _fields(response) == {"name": "Contains characters that are not allowed."}
    nested = raw_json(agent, "/api/v1/customers", {
        "name": "ok", "contact_name": "王伟", "phone": "13800138000", "address": "杭州市",
        "extra": [{"k\ud800": "v"}]})
    assert "extra.0" in _fields(nested)
    assert db.session.scalar(select(func.count()).select_from(Customer)) == before


def test_lone_surrogate_in_a_completion_is_refused(world):
    order_id = order_on_site(world)
    response = raw_json(world.tech, f"/api/v1/workorders/{order_id}/complete", {
        "resolution": "换终端\ud870", "payment_method": "none", "amount_collected": "0",
        "signature_png_base64": "x"})
    assert "resolution" in _fields(response)
    assert world.tech.get(f"/api/v1/workorders/{order_id}").get_json()["status"] == "on_site"


def test_a_valid_surrogate_pair_is_ordinary_text(api_as):
    response = raw_json(api_as("agent"), "/api/v1/customers", {
        "name": "𠀀 物流 \U0001F69A", "contact_name": "王伟", "phone": "13800138000",
        "address": "杭州市"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["name"] == "𠀀 物流 \U0001F69A"


def test_nul_in_a_page_form_is_refused(login, make_user):
    from tests.conftest import csrf_from

    browser = login(make_user("agent"))
    token = csrf_from(browser.get("/").get_data(as_text=True))
    response = browser.get("/customers?q=%00")
    assert response.status_code == 422 and "text/html" in response.content_type
    posted = browser.post("/customers/new", data={"csrf_token": token, "name": "a\x00"})
    assert posted.status_code == 422


def test_days_out_of_range_are_field_errors_not_crashes(api_as, login, make_user):
    """Found by a deeper fuzz run: ``0001-01-01`` overflowed when its local midnight was turned
    into UTC (work order statistics, reconciliation)."""
    manager = api_as("manager")
    for day in ("0001-01-01", "9999-12-31", "1989-12-31"):
        assert "date_from" in _fields(manager.get(
            f"/api/v1/workorders/stats?date_from={day}&date_to=2026-01-31")), day
        assert "date_to" in _fields(manager.get(
            f"/api/v1/workorders/stats?date_from=2026-01-01&date_to={day}")), day
        assert "date" in _fields(manager.get(f"/api/v1/finance/reconciliation?date={day}")), day
        assert "date_from" in _fields(manager.get(f"/api/v1/workorders?date_from={day}")), day
        assert "date" in _fields(manager.post("/api/v1/dispatch/auto-assign", json={"date": day}))
    assert manager.get("/api/v1/finance/reconciliation?date=2100-12-31").status_code == 200
    browser = login(make_user("manager"))
    assert browser.get("/finance/?date=0001-01-01").status_code == 422
    assert browser.get("/finance/?date=2026-01-05").status_code == 200
    assert browser.get("/workorders/?date_from=0001-01-01&date_to=9999-12-31").status_code == 200


FAR_DAYS = ("0001-01-01", "9999-12-31", "1989-12-31", "2101-01-01")


def test_days_at_the_far_ends_are_field_errors_in_every_api_filter(api_as):
    finance, manager = api_as("finance"), api_as("manager")
    for day in FAR_DAYS:
        for name in ("date_from", "date_to"):
            assert name in _fields(finance.get(f"/api/v1/finance/invoices?{name}={day}")), day
            assert name in _fields(manager.get(f"/api/v1/workorders?{name}={day}")), day
            assert name in _fields(manager.get(f"/api/v1/workorders/stats?{name}={day}")), day
        assert "date" in _fields(finance.get(f"/api/v1/finance/reconciliation?date={day}")), day
    for day in ("1990-01-01", "2100-12-31"):
        assert finance.get(f"/api/v1/finance/invoices?date_from={day}&date_to={day}").status_code == 200


def test_invoice_register_page_says_which_day_is_out_of_range(login, make_user):
    browser = login(make_user("finance"))
    for day in FAR_DAYS:
        for query in (f"date_to={day}", f"date_from={day}&format=csv", f"date_to={day}&format=xlsx"):
            response = browser.get(f"/finance/invoices?{query}")
            assert response.status_code == 422, (query, response.status_code)
            assert response.mimetype == "text/html"  # no export of the unfiltered register
            name = query.split("=")[0]
            assert f'id="e-{name}"' in response.get_data(as_text=True), query
    assert browser.get("/finance/invoices?date_from=1990-01-01&date_to=2100-12-31").status_code == 200
