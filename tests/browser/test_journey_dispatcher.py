"""The dispatcher's day on the board, in English and Chinese: filter and search the queue,
tell an order awaiting approval, read why each candidate ranks where it does, open map
popups, propose the day (orders named, routes drawn with a legend) and accept it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatch.extensions import db
from dispatch.timeutil import local_day
from tests.browser.journeys import Steps, open_as
from tests.world import repair_request
from workorders.models import WorkOrder

pytestmark = pytest.mark.browser

TEXT = {"en": {"awaiting": "Awaiting approval", "accepted": "Proposal accepted: 2 of 2 assigned.",
               "skill": "has the repair skill", "note": "awaits a manager's approval"},
        "zh": {"awaiting": "待审批", "accepted": "方案已接受：2 单中已派 2 单。",
               "skill": "具备维修技能", "note": "等待经理审批"}}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_dispatcher_day(lang, browser, live_server, world, make_user, make_technician):
    first = make_technician(username=f"route-a-{lang}", lat=30.27, lon=120.15,
                            work_start="00:00", work_end="23:59")
    second = make_technician(username=f"route-b-{lang}", lat=30.20, lon=120.25,
                             work_start="00:00", work_end="23:59")
    approved = []
    for lat, lon in ((30.2741, 120.1551), (30.205, 120.245)):
        created = world.agent.post("/api/v1/workorders", json=repair_request(
            world, lat=lat, lon=lon, address=f"浙江省杭州市西湖区文三路{int(lat * 1000)}号"))
        assert created.status_code == 201, created.get_json()
        world.manager.post(f"/api/v1/workorders/{created.get_json()['id']}/approve")
        approved.append(created.get_json())
    waiting = world.agent.post("/api/v1/workorders", json=repair_request(
        world, kind="inspection", lat=30.25, lon=120.17)).get_json()
    steps = Steps("dispatcher", lang)
    page = open_as(browser, live_server, make_user("dispatcher"), lang)
    page.goto(f"{live_server}/board")
    page.locator(f"button[data-order='{approved[0]['id']}']").wait_for()
    steps.shot(page, "board")

    # The order awaiting approval is marked, and selecting it explains why there are no candidates.
    card = page.locator(f"button[data-order='{waiting['id']}']")
    assert TEXT[lang]["awaiting"] in card.inner_text()
    card.click()
    assert TEXT[lang]["note"] in page.locator("#candidates-note").inner_text()
    assert page.locator("#candidate-list").is_hidden()
    steps.shot(page, "awaiting-approval")

    # Filters: by kind, then a search by WO number.
    page.select_option("#queue-kind", "inspection")
    page.locator(f"button[data-order='{approved[0]['id']}']").wait_for(state="detached")
    assert page.locator("#queue button.queue-item").count() == 1
    page.select_option("#queue-kind", "")
    page.fill("#queue-q", approved[1]["number"])
    page.locator(f"button[data-order='{approved[1]['id']}']").wait_for()
    page.locator(f"button[data-order='{waiting['id']}']").wait_for(state="detached")
    assert page.locator("#queue button.queue-item").count() == 1
    steps.shot(page, "search-by-number")
    page.fill("#queue-q", "")
    page.locator(f"button[data-order='{approved[0]['id']}']").wait_for()

    # Candidates with their rank explained in words.
    page.click(f"button[data-order='{approved[0]['id']}']")
    best = page.locator("#candidate-list > li").first
    best.wait_for()
    assert TEXT[lang]["skill"] in best.inner_text()
    assert best.locator("ul.reasons li").count() >= 3
    steps.shot(page, "candidates")

    # A map marker opens a popup with the order and its actions.
    page.locator(f"path.order-{approved[0]['id']}").click(force=True)
    popup = page.locator(f".map-popup[data-order='{approved[0]['id']}']")
    popup.wait_for()
    assert approved[0]["number"] in popup.inner_text()
    steps.shot(page, "map-popup")

    # The day proposal names orders and draws a route per technician with a legend.
    tomorrow = (local_day() + timedelta(days=1)).isoformat()
    page.fill("#plan-date", tomorrow)
    page.click("#autoassign button[type=submit]")
    page.locator("#accept-proposal").wait_for()
    table = page.locator(".proposal-table").inner_text()
    assert approved[0]["number"] in table and approved[1]["number"] in table and "浙A12345" in table
    legend = page.locator("#route-legend")
    legend.wait_for()
    assert page.locator("#route-legend .legend-row").count() >= 1
    assert page.locator("path.proposal-route").count() >= 1
    steps.shot(page, "proposal")
    page.click("#accept-proposal")
    confirmation = page.locator("#proposal-confirmation")
    confirmation.wait_for()
    assert TEXT[lang]["accepted"] in confirmation.inner_text()
    assert approved[0]["number"] in confirmation.inner_text()
    steps.shot(page, "accepted")
    for created in approved:
        order = db.session.get(WorkOrder, created["id"])
        db.session.refresh(order)
        assert order.status == "assigned"
        assert order.technician_id in (first.id, second.id, world.technician.id)
    page.context.close()
