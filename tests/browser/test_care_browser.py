"""An agent registers a complaint and calls back a completed repair, in a real browser."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from dispatch.extensions import db
from tests.browser.conftest import screenshot
from tests.browser.test_workorder_pages import sign_in
from tests.support.clock import local_now
from tests.world import order_on_site, signature_png
from workorders.care.models import Callback, Complaint

pytestmark = pytest.mark.browser


def test_agent_registers_a_complaint_and_a_callback(browser, live_server, world, make_user):
    order_id = order_on_site(world)
    done = world.tech.post(f"/api/v1/workorders/{order_id}/complete", json={
        "resolution": "重新接线", "payment_method": "none", "amount_collected": "0",
        "signature_png_base64": signature_png()})
    assert done.status_code == 200, done.get_json()
    agent = make_user("agent")
    page = sign_in(browser, live_server, agent)

    page.click("nav >> text=Complaints")
    page.click("text=New complaint")
    page.select_option("#f-customer_id", str(world.customer.id))
    page.select_option("#f-severity", "major")
    page.select_option("#f-channel", "hotline")
    page.fill("#f-description", "维修后终端仍然掉线")
    page.click("#complaint-form button[type=submit]")
    assert "escalated" in page.locator("#complaint-status").inner_text()
    number = page.locator("h1").inner_text().split()[1]
    # R16: within the complaint's due date (15 days).
    page.fill("#f-promised_reply_at", (local_now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"))
    page.click("button:has-text('Record notice')")
    assert "customer told" in page.locator(".facts").inner_text()
    screenshot(page, "care-1-complaint")

    page.click("nav >> text=Callbacks")
    row = page.locator("#callback-queue tr", has_text="杭州顺达物流有限公司")
    row.locator("select[name=reached]").select_option("1")
    row.locator("select[name=satisfaction]").select_option("4")
    row.locator("input[name=notes]").fill("客户满意")
    row.locator("button[type=submit]").click()
    assert "No order waits for a callback." in page.locator("#callback-queue").inner_text()
    screenshot(page, "care-2-callback")

    complaint = db.session.scalars(select(Complaint)).one()
    assert complaint.number == number and complaint.notice_at is not None
    callback = db.session.scalars(select(Callback)).one()
    assert (callback.workorder_id, callback.reached, callback.satisfaction) == (order_id, True, 4)
