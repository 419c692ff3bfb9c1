"""What the dispatcher reads on the board: the queue's search and filters, cards with kind and
window, candidates' reasons in words, and a day proposal named by the orders and drawn as
routes."""

from __future__ import annotations

from datetime import time, timedelta

from dispatch.timeutil import local_moment
from tests.support.clock import local_today
from tests.world import repair_request


def _approved(world, **extra) -> dict:
    created = world.agent.post("/api/v1/workorders", json=repair_request(world, **extra))
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert world.manager.post(f"/api/v1/workorders/{body['id']}/approve").status_code == 200
    return body


def _queue(world, **query) -> list[dict]:
    response = world.dispatcher.get("/api/v1/dispatch/board", query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["queue"]


def test_queue_search_and_filters(world):
    tomorrow = local_today() + timedelta(days=1)
    start = local_moment(tomorrow, time(9))
    west = _approved(world, lat=30.27, lon=120.15, address="浙江省杭州市西湖区文三路1号",
                     window_start=start.isoformat(),
                     window_end=(start + timedelta(hours=2)).isoformat())
    urgent = _approved(world, kind="inspection", priority="urgent", lat=30.2, lon=120.2,
                       address="浙江省杭州市滨江区江南大道2号")
    every = {item["id"] for item in _queue(world)}
    assert {west["id"], urgent["id"]} <= every
    card = next(item for item in _queue(world) if item["id"] == west["id"])
    assert card["kind"] == "repair" and card["window"].startswith(tomorrow.isoformat())
    assert [i["id"] for i in _queue(world, kind="inspection")] == [urgent["id"]]
    assert [i["id"] for i in _queue(world, priority="urgent")] == [urgent["id"]]
    assert [i["id"] for i in _queue(world, district="滨江区")] == [urgent["id"]]
    assert [i["id"] for i in _queue(world, window="later")] == [west["id"]]
    assert urgent["id"] in {i["id"] for i in _queue(world, window="none")}
    assert [i["id"] for i in _queue(world, q=west["number"])] == [west["id"]]
    assert {i["id"] for i in _queue(world, q="浙A12345")} == {west["id"], urgent["id"]}
    bad = world.dispatcher.get("/api/v1/dispatch/board", query_string={"kind": "nonsense"})
    assert bad.status_code == 422 and "kind" in bad.get_json()["error"]["fields"]


def test_candidate_reasons_are_words(world):
    order = _approved(world, lat=30.27, lon=120.15)
    items = world.dispatcher.get(f"/api/v1/workorders/{order['id']}/candidates").get_json()["items"]
    reasons = items[0]["reasons"]
    assert any("km from" in r for r in reasons)
    assert "has the repair skill" in reasons and "no parts planned" in reasons
    assert any(r.startswith("load ") for r in reasons)


def test_day_proposal_names_orders_and_draws_routes(world, make_technician):
    make_technician(username="planner-tech", lat=30.27, lon=120.15,
                    work_start="00:00", work_end="23:59")
    ids = {_approved(world, lat=lat, lon=120.15)["id"] for lat in (30.25, 30.26)}
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    body = world.dispatcher.post("/api/v1/dispatch/auto-assign", json={"date": tomorrow}).get_json()
    assert {pair["order_id"] for pair in body["assignments"]} == ids
    for pair in body["assignments"]:
        assert pair["number"].startswith("WO-") and pair["plate"] == "浙A12345"
        assert pair["customer_name"] == "杭州顺达物流有限公司" and pair["technician_name"]
        assert "window" in pair
    route = body["routes"][0]
    assert route["start"]["lat"] and route["technician_name"]
    assert [stop["order_id"] for stop in route["stops"]] == route["order_ids"]
    assert all(stop["lat"] is not None and stop["arrival"] for stop in route["stops"])
    # The proposal's pairs can be sent back as they came.
    accepted = world.dispatcher.post("/api/v1/dispatch/auto-assign/accept",
                                     json={"date": tomorrow, "assignments": body["assignments"]})
    assert {r["status"] for r in accepted.get_json()["results"]} == {"assigned"}


def test_board_page_has_the_queue_filters_in_chinese(world, login, make_user, client):
    login(make_user("dispatcher"))
    html = client.get("/board", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'id="queue-filters"' in html and 'id="queue-district"' in html
    assert "待审批" in html and "维修" in html
