"""A finance clerk records a cash handover and sees the day's reconciliation."""

from decimal import Decimal

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_workorder_pages import sign_in
from tests.finance.conftest import complete_order

pytestmark = pytest.mark.browser


def test_clerk_records_a_handover_and_sees_the_reconciliation(browser, live_server, world, make_user):
    complete_order(world, world.technician.id, Decimal("150.00"), "cash")
    page = sign_in(browser, live_server, make_user("finance"))
    page.goto(f"{live_server}/finance/")
    row = page.locator("#reconciliation tbody tr").first
    assert "CN¥150.00" in row.inner_text()
    form = page.locator("#handover-form")
    form.locator("select[name=technician_id]").select_option(str(world.technician.id))
    form.locator("input[name=amount]").fill("120.50")
    form.locator("input[name=note]").fill("当日现金")
    form.locator("button[type=submit]").click()
    page.locator(".flash-success").wait_for()
    assert page.locator("#total-difference").inner_text() == "CN¥29.50"
    assert "CN¥120.50" in page.locator("#handovers").inner_text()
    assert page.locator("svg.chart rect.bar").count() == 30
    screenshot(page, "finance-reconciliation")
