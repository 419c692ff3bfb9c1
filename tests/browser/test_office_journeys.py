"""The agent's and the manager's days through the pages in Chromium, in English and in
Chinese, asserting what each step leaves behind and saving a screenshot of each step under
``test-artifacts/journeys/`` (git-ignored)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from dispatch.extensions import db
from tests.browser.conftest import ARTIFACTS, screenshot
from tests.conftest import PASSWORD
from tests.world import order_on_site, repair_request, signature_png
from workorders.care.models import Complaint
from workorders.models import WorkOrder

pytestmark = pytest.mark.browser

LOCALES = {"en": "en-US", "zh": "zh-CN"}
IMEI = "860000000000017"


def _sign_in(browser, base, user, language):
    context = browser.new_context(viewport={"width": 1366, "height": 900},
                                  locale=LOCALES[language])
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{base}/login")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return context, page


def _shot(page, language, who, step):
    (ARTIFACTS / "journeys").mkdir(parents=True, exist_ok=True)
    screenshot(page, f"journeys/{who}-{language}-{step}")


def _orders() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(WorkOrder.id)))


@pytest.mark.parametrize("language", sorted(LOCALES))
def test_agent_day(browser, live_server, world, make_user, language):
    world.old_terminal.imei = IMEI  # the world's own IMEI fails the check digit intake applies
    db.session.commit()
    agent = make_user("agent", name="林晓")
    context, page = _sign_in(browser, live_server, agent, language)
    assert page.url.endswith("/search")
    assert ("Search" if language == "en" else "搜索") in page.locator("h1").inner_text()
    _shot(page, language, "agent", "1-landing")

    page.fill("#search-q", IMEI)  # an IMEI read off the device by the customer
    page.press("#search-q", "Enter")
    assert "浙A12345" in page.locator("#found-vehicles").inner_text()
    assert "HZ00000001" in page.locator("#found-devices").inner_text()
    _shot(page, language, "agent", "2-search-by-imei")

    page.click("#found-vehicles a[href*='vehicle_id']")
    assert page.input_value("#f-plate") == "浙A12345"
    assert page.input_value("#f-product_model") == "GT06N"
    assert page.input_value("#f-terminal_id") == "HZ00000001"
    assert page.input_value("#f-imei") == IMEI
    assert page.input_value("#f-iccid") == "8986001234567890120"
    assert "杭州顺达物流有限公司" in page.locator("#picked-customer").inner_text()
    _shot(page, language, "agent", "3-new-order-prefilled")
    page.fill("#f-fault_description", "终端不上线，指示灯不亮")
    page.click("form.grid button.primary")
    first_number = page.locator("h1").inner_text().split()[0]
    assert first_number.startswith("WO-") and _orders() == 1
    first_url = page.url
    _shot(page, language, "agent", "4-registered")

    page.goto(f"{live_server}/workorders/new")
    page.fill("#f-customer-search", "顺达")
    option = page.locator("#customer-options [role=option]").first
    assert "西湖区" in option.inner_text() and "浙A12345" in option.inner_text()
    _shot(page, language, "agent", "5-customer-picker")
    option.click()
    assert "杭州顺达物流有限公司" in page.locator("#picked-customer").inner_text()
    page.locator("#f-vehicle-pick option", has_text="HZ00000001").wait_for(state="attached")
    page.select_option("#f-vehicle-pick", str(world.truck.id))
    assert page.input_value("#f-plate") == "浙A12345"
    assert page.input_value("#f-imei") == IMEI
    page.fill("#f-fault_description", "又不上线了")
    page.click("form.grid button.primary")
    warning = page.locator("#duplicate-warning")
    assert first_number in warning.inner_text() and _orders() == 1
    assert warning.locator("a").first.get_attribute("href") == first_url.replace(live_server, "")
    _shot(page, language, "agent", "6-duplicate-warning")
    page.check("#f-duplicate_ok")
    page.click("form.grid button.primary")
    assert page.locator("h1").inner_text().startswith("WO-") and _orders() == 2
    _shot(page, language, "agent", "7-registered-anyway")

    page.goto(f"{live_server}/care/complaints/new")
    page.fill("#f-workorder_number", first_number.lower())
    page.fill("#f-description", "师傅迟到两小时")
    page.click("#complaint-form button.primary")
    page.wait_for_url(re.compile(r".*/care/complaints/\d+$"))
    db.session.expire_all()
    complaint = db.session.scalar(select(Complaint))
    assert complaint.customer_id == world.customer.id and complaint.workorder_id is not None
    assert first_number in page.locator("main").inner_text()
    _shot(page, language, "agent", "8-complaint-by-wo-number")
    context.close()


@pytest.mark.parametrize("language", sorted(LOCALES))
def test_manager_day(browser, live_server, world, make_user, language):
    done = order_on_site(world)
    fee = world.tech.get(f"/api/v1/workorders/{done}/fee").get_json()["total"]
    assert world.tech.post(f"/api/v1/workorders/{done}/complete", json={
        "resolution": "重新固定天线", "amount_collected": fee,
        "payment_method": "none" if fee == "0.00" else "cash",
        "signature_png_base64": signature_png()}).status_code == 200
    waiting = [world.agent.post("/api/v1/workorders", json=repair_request(world)).get_json()
               for _ in range(3)]
    context, page = _sign_in(browser, live_server, make_user("manager"), language)
    assert page.url.endswith("/overview")
    assert page.locator("#tile-awaiting .stat-number").inner_text() == "3"
    assert page.locator("#tile-completed_today .stat-number").inner_text() == "1"
    assert page.locator("[data-nav='workorders.approvals'] .nav-count").inner_text() == "3"
    assert page.locator("#chart-orders rect").count() >= 1
    assert page.locator("#chart-arrival circle").count() == 1
    _shot(page, language, "manager", "1-overview")

    page.click("#tile-awaiting")
    page.wait_for_url(re.compile(r".*/workorders/approvals$"))
    page.check(f"#pick-{waiting[0]['id']}")
    page.check(f"#pick-{waiting[1]['id']}")
    _shot(page, language, "manager", "2-queue-two-ticked")
    page.click("#approve-selected")
    page.wait_for_url(re.compile(r".*/workorders/approvals$"))
    assert page.locator("#queue-count").inner_text() == "1"
    assert page.locator("[data-nav='workorders.approvals'] .nav-count").inner_text() == "1"
    db.session.expire_all()
    assert {db.session.get(WorkOrder, o["id"]).status for o in waiting[:2]} == {"approved"}
    _shot(page, language, "manager", "3-two-approved")

    page.locator("tr", has_text=waiting[2]["number"]).locator("a.button").click()
    page.fill("#send-back-form input[name=reason]", "车牌与客户档案不符，请核对")
    page.click("#send-back-form button")
    assert page.locator("#sent-back").is_visible()
    _shot(page, language, "manager", "4-sent-back")
    page.goto(f"{live_server}/workorders/approvals")
    assert waiting[2]["number"] in page.locator("#sent-back-list").inner_text()
    assert page.locator("[data-nav='workorders.approvals'] .nav-count").count() == 0
    page.goto(f"{live_server}/overview")
    assert page.locator("#tile-awaiting .stat-number").inner_text() == "0"
    _shot(page, language, "manager", "5-overview-after")
    context.close()
