"""A person signs in with a real browser, searches the registry and opens a customer."""

import pytest

from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_agent_signs_in_searches_and_opens_a_customer(live_server, page, make_user, api_as):
    agent = make_user("agent", name="林晓")
    api = api_as(agent)
    customer = api.post("/api/v1/customers", json={
        "name": "杭州顺达物流有限公司", "contact_name": "王伟", "phone": "13800138000",
        "address": "浙江省杭州市西湖区文三路100号"}).get_json()
    api.post(f"/api/v1/customers/{customer['id']}/vehicles", json={"plate": "浙A12345"})

    page.goto(f"{live_server}/customers")
    page.fill("input[name=username]", agent.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server}/customers")
    page.fill("input[name=q]", "a12345")
    page.click("form.search button[type=submit]")
    page.click("text=杭州顺达物流有限公司")
    assert page.locator("h1").inner_text() == "杭州顺达物流有限公司"
    assert page.locator(".plate").first.inner_text() == "浙A12345"
    screenshot(page, "registry-customer")

    page.click("button:has-text('简体中文')")
    assert page.locator("h2").first.inner_text() == "车辆"


def test_new_customer_form_shows_field_errors(live_server, page, make_user):
    agent = make_user("agent")
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", agent.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.goto(f"{live_server}/customers/new")
    page.fill("#f-name", "测试客户")
    page.fill("#f-contact_name", "张三")
    page.fill("#f-phone", "12345")
    page.fill("#f-address", "杭州")
    page.click("button:has-text('Save')")
    assert "not a valid phone number" in page.locator("#e-phone").inner_text()
    assert page.input_value("#f-name") == "测试客户"
    screenshot(page, "registry-field-error")
