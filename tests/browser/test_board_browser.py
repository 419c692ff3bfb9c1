"""The dispatcher assigns an order from the board in a real browser."""

import pytest

from dispatch.extensions import db
from tests.browser.conftest import screenshot
from tests.browser.test_workorder_pages import sign_in
from tests.world import repair_request
from workorders.models import WorkOrder

pytestmark = pytest.mark.browser


def test_dispatcher_assigns_from_the_board(browser, live_server, world, make_user, make_technician):
    helper = make_technician(username="board-tech", lat=30.27, lon=120.15,
                             work_start="00:00", work_end="23:59")
    created = world.agent.post("/api/v1/workorders", json=repair_request(
        world, lat=30.2741, lon=120.1551, priority="urgent")).get_json()
    world.manager.post(f"/api/v1/workorders/{created['id']}/approve")

    page = sign_in(browser, live_server, make_user("dispatcher"), {"width": 1920, "height": 1080})
    page.goto(f"{live_server}/board")
    page.click(f"button[data-order='{created['id']}']")
    first = page.locator("#candidate-list li").first
    first.wait_for()
    assert "km" in first.inner_text()
    screenshot(page, "board-candidates")
    page.click(f"#candidate-list button[data-technician='{helper.id}']")
    page.locator("#candidates").wait_for(state="hidden")
    order = db.session.get(WorkOrder, created["id"])
    db.session.refresh(order)
    assert order.status == "assigned" and order.technician_id == helper.id
    page.locator(f"button[data-order='{created['id']}']").wait_for(state="detached")


def test_session_calls_to_the_api_need_the_csrf_header(client, login, make_user, world):
    login(make_user("dispatcher"))
    assert client.get("/api/v1/dispatch/board").status_code == 200
    created = world.agent.post("/api/v1/workorders", json=repair_request(world)).get_json()
    no_header = client.post(f"/api/v1/workorders/{created['id']}/location", json={"lat": 1, "lon": 2})
    assert no_header.status_code == 401
