"""Two dispatchers' boards: an assignment made on one shows on the other without a reload,
pushed by the live stream (the second board asks the board API only once, when it opens)."""

import pytest

from tests.browser.test_workorder_pages import sign_in
from tests.world import repair_request

pytestmark = pytest.mark.browser

BOARD_API = "/api/v1/dispatch/board"


def test_a_second_board_shows_the_first_boards_assignment(browser, live_server, world,
                                                            make_user, make_technician):
    helper = make_technician(username="live-tech", lat=30.27, lon=120.15,
                             work_start="00:00", work_end="23:59")
    orders = []
    for lat in (30.2741, 30.2841):
        created = world.agent.post("/api/v1/workorders", json=repair_request(
            world, lat=lat, lon=120.1551)).get_json()
        world.manager.post(f"/api/v1/workorders/{created['id']}/approve")
        orders.append(created["id"])

    watcher = sign_in(browser, live_server, make_user("dispatcher"), {"width": 1600, "height": 1000})
    asked: list[str] = []
    watcher.on("request", lambda request: asked.append(request.url)
               if request.url.split("?")[0].endswith(BOARD_API) else None)
    streams: list[str] = []
    watcher.on("request", lambda request: streams.append(request.url)
               if request.url.endswith("/board/stream") else None)
    watcher.goto(f"{live_server}/board")
    for order_id in orders:
        watcher.locator(f"#queue button[data-order='{order_id}']").wait_for()
    watcher.wait_for_function("() => document.querySelectorAll('#technicians li').length > 0")
    assert streams, "the board opened its live stream"

    board = sign_in(browser, live_server, make_user("dispatcher"), {"width": 1600, "height": 1000})
    board.goto(f"{live_server}/board")
    board.click(f"#queue button[data-order='{orders[0]}']")
    board.click(f"#candidate-list button[data-technician='{helper.id}']")
    board.locator("#candidates").wait_for(state="hidden")

    watcher.locator(f"#queue button[data-order='{orders[0]}']").wait_for(state="detached")
    watcher.locator(f"#queue button[data-order='{orders[1]}']").wait_for()
    watcher.wait_for_function(
        "name => Array.from(document.querySelectorAll('#technicians li'))"
        ".some(li => li.textContent.includes(name) && li.textContent.includes('1/'))",
        arg="Tech")
    assert len(asked) == 1, f"the second board was pushed the change, not polled: {asked}"
