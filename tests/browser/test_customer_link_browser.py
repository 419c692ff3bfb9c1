"""The customer link on a phone (360×740, touch, a Chinese browser): no sign-in, the status,
the ETA and the technician's given name readable without zooming or scrolling sideways, and
nothing about the customer on it."""

from __future__ import annotations

import pytest

from dispatch.extensions import db
from tests.browser.conftest import screenshot
from tests.world import repair_request
from workorders.models import WorkOrder

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


def test_the_customer_link_on_a_phone(browser, live_server, world):
    world.technician.user.name = "李小龙"
    db.session.commit()
    created = world.agent.post("/api/v1/workorders", json=repair_request(world)).get_json()
    order_id = created["id"]
    assert world.manager.post(f"/api/v1/workorders/{order_id}/approve").status_code == 200
    assert world.dispatcher.post(f"/api/v1/workorders/{order_id}/assign",
                                 json={"technician_id": world.technician.id}).status_code == 200
    order = db.session.get(WorkOrder, order_id)
    order.site_lat, order.site_lon = 30.27, 120.13
    db.session.commit()
    assert world.tech.post(f"/api/v1/workorders/{order_id}/status",
                           json={"status": "en_route", "lat": 30.216, "lon": 120.13}
                           ).status_code == 200
    url = created["tracking_url"]
    path = url[url.index("/t/"):]

    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                  device_scale_factor=2, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        response = page.goto(live_server + path)
        assert response is not None and response.status == 200
        assert page.locator("html").get_attribute("lang") == "zh-Hans"
        assert page.locator("#link-status .value").inner_text() == "在途"
        assert page.locator("#link-eta").inner_text().startswith("预计到达")
        assert page.locator("#link-technician").inner_text() == "小龙"
        assert page.locator("#link-timeline li").count() >= 4
        # Fits the phone: no sideways scrolling, and the status is big enough to read.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        size = page.evaluate("parseFloat(getComputedStyle(document.querySelector("
                             "'#link-status .value')).fontSize)")
        assert size >= 20
        text = page.locator("body").inner_text()
        for private in ("13800138000", "文三路", "杭州顺达物流", "王伟", "李小龙"):
            assert private not in text
        assert page.locator("meta[name=robots]").get_attribute("content").startswith("noindex")
        screenshot(page, "customer-link-phone")

        missing = page.goto(live_server + "/t/" + "A" * 43)
        assert missing is not None and missing.status == 404
        assert "链接不存在" in page.locator("h1").inner_text()
    finally:
        context.close()
