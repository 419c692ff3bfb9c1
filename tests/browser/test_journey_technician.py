"""The technician's day on the tablet page, at tablet and phone sizes, in English and Chinese:
job cards with kind, window, fault and urgency; navigation in the chosen map app; "on site"
far from the site asks first; the plate confirmation survives a reload; the van count drops
after a part is used; photos appear as thumbnails."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import select

from dispatch.extensions import db
from dispatch.timeutil import local_moment
from tests.browser.journeys import PHONE, TABLET, Steps, open_as
from tests.browser.test_tablet_browser import photo_bytes
from tests.support.clock import local_today
from tests.world import repair_request
from workorders.models import WorkOrderEvent

pytestmark = pytest.mark.browser
SIZES = {"tablet": TABLET, "phone": PHONE}
TEXT = {"en": {"kind": "repair", "urgent": "urgent", "confirmed": "Plate confirmed."},
        "zh": {"kind": "维修", "urgent": "紧急", "confirmed": "车牌已确认。"}}


def _urgent_order(world) -> dict:
    start = local_moment(local_today(), time(9))
    created = world.agent.post("/api/v1/workorders", json=repair_request(
        world, lat=30.28, lon=120.16, priority="urgent", window_start=start.isoformat(),
        window_end=local_moment(local_today(), time(23, 30)).isoformat()))
    assert created.status_code == 201, created.get_json()
    order = created.get_json()
    assert world.manager.post(f"/api/v1/workorders/{order['id']}/approve").status_code == 200
    assert world.dispatcher.post(f"/api/v1/workorders/{order['id']}/assign", json={
        "technician_id": world.technician.id}).status_code == 200
    return order


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("size", SIZES)
def test_technician_day(lang, size, browser, live_server, world):
    order = _urgent_order(world)
    steps = Steps(f"technician-{size}", lang)
    page = open_as(browser, live_server, world.technician.user, lang, SIZES[size])
    # 2.2 km north of the site: "on site" asks first.
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 30.30, "longitude": 120.16})
    page.goto(f"{live_server}/tablet/")
    card = page.locator(f"a.job-link[data-order='{order['id']}']")
    card.wait_for()
    text = card.inner_text()
    assert TEXT[lang]["kind"] in text and TEXT[lang]["urgent"] in text and "终端不上线" in text
    assert "09:00" in text
    assert page.locator(f"li.job.urgent a[data-order='{order['id']}']").count() == 1
    steps.shot(page, "jobs")

    card.click()
    page.locator("#job-title").wait_for()
    assert page.locator("#job-geo").get_attribute("href").startswith("https://uri.amap.com/navigation")
    page.click("button[data-status=en_route]")
    page.wait_for_selector("button[data-status=on_site]:not([disabled])")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.click("button[data-status=on_site]")
    page.locator("#onsite").wait_for()
    assert asked and "2." in asked[0]
    steps.shot(page, "on-site")

    page.fill("#plate-confirm", "浙A12345")
    page.click("#plate-form button[type=submit]")
    assert page.locator("#plate-result").inner_text() == TEXT[lang]["confirmed"]
    page.wait_for_selector("#sync-status[data-waiting='0'][data-failed='0']")
    page.reload()
    page.locator("#onsite").wait_for()
    assert page.locator("#plate-result").inner_text() == TEXT[lang]["confirmed"]
    steps.shot(page, "plate-kept-after-reload")

    assert "(10)" in page.locator("#part-sku option[value='HARNESS-12V']").inner_text()
    page.select_option("#part-sku", "HARNESS-12V")
    page.fill("#part-qty", "2")
    page.click("#part-form button[type=submit]")
    page.wait_for_selector("#sync-status[data-waiting='0'][data-failed='0']")
    page.wait_for_selector("#part-sku option[value='HARNESS-12V'][data-available='8']", state="attached")
    steps.shot(page, "van-count")

    page.set_input_files("#photo-input", files=[{"name": "before.png", "mimeType": "image/png",
                                                 "buffer": photo_bytes()}])
    thumb = page.locator("#photo-list img.photo-thumb").first
    thumb.wait_for()
    page.wait_for_selector("#photo-list img[src^='/api/v1/photos/']")
    page.wait_for_function("""() => {
        const img = document.querySelector("#photo-list img[src^='/api/v1/photos/']");
        return img && img.complete && img.naturalWidth > 0; }""")
    steps.shot(page, "photo-thumbnail")
    page.context.close()

    event = db.session.scalars(select(WorkOrderEvent).where(
        WorkOrderEvent.order_id == order["id"], WorkOrderEvent.action == "on_site")).one()
    assert event.note.endswith("km ✓") and event.note.startswith("2.")
