"""Days, months and years at the far ends on every page that reads one (issue 18): never a
server error — a 404 (a page for a day that cannot exist), a field error, or the page without
that filter."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_from

FAR_DAYS = ("0001-01-01", "9999-12-31", "1989-12-31", "2101-01-01", "0000-00-00")
FAR_MONTHS = ("0000-01", "0001-01", "9999-12", "1989-12", "2101-01")


@pytest.fixture
def manager(login, make_user):
    return login(make_user("manager", "finance", "dispatcher"))


def test_pages_with_a_day_or_month_never_fail(manager):
    urls = []
    for day in FAR_DAYS:
        urls += [f"/finance/?date={day}", f"/finance/reconciliation.csv?date={day}",
                 f"/finance/invoices?date_from={day}", f"/finance/invoices?date_to={day}&format=csv",
                 f"/workorders/?date_from={day}&date_to={day}"]
    for month in FAR_MONTHS:
        urls += [f"/care/stats?month={month}", f"/care/stats.pdf?month={month}",
                 f"/incentives/?month={month}", f"/incentives/export?month={month}"]
    for year in ("0", "1", "9999", "99999999999999999999", "-5"):
        urls.append(f"/care/audit?year={year}&quarter=1")
    answers = {url: manager.get(url).status_code for url in urls}
    assert not {url: status for url, status in answers.items() if status >= 500}
    assert set(answers.values()) <= {200, 404, 422}, answers


def test_runs_page_refuses_far_days_months_and_ids_without_failing(manager):
    page = manager.get("/documents/runs")
    token = csrf_from(page.get_data(as_text=True))
    forms = [{"kind": "monthly_report", "month": month} for month in FAR_MONTHS]
    forms += [{"kind": "invoice_pack", "month": month} for month in FAR_MONTHS]
    forms += [{"kind": "day_sheets", "technician_id": "1", "date": day} for day in FAR_DAYS]
    forms += [{"kind": "day_sheets", "technician_id": big, "date": "2026-01-05"}
              for big in ("99999999999999999999", "2147483648", "-1", "x")]
    for form in forms:
        response = manager.post("/documents/runs", data={**form, "csrf_token": token})
        assert response.status_code == 302, (form, response.status_code)
