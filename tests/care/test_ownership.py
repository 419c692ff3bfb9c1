"""R13: complaints have owners who answer for them; each employee has a list of the open
problems (work orders and complaints) they own — page and API."""

from __future__ import annotations

from dispatch.extensions import db
from tests.world import repair_request
from workorders.care.models import Complaint


def _complaint(api, world) -> int:
    created = api.post("/api/v1/complaints", json={
        "customer_id": world.customer.id, "severity": "major", "channel": "hotline",
        "description": "安装后不上线"})
    assert created.status_code == 201, created.get_json()
    return created.get_json()["id"]


def test_complaint_owner_and_hand_over(world, make_user, api_as):
    agent = make_user("agent")
    api = api_as(agent)
    complaint_id = _complaint(api, world)
    shown = api.get(f"/api/v1/complaints/{complaint_id}").get_json()
    assert shown["owner_id"] == agent.id and shown["owner"] == agent.display_name
    other = make_user("agent")
    dispatcher = make_user("dispatcher")
    outsider = api_as(make_user("agent"))
    base = f"/api/v1/complaints/{complaint_id}/owner"
    assert outsider.post(base, json={"user_id": other.id}).status_code == 403
    refused = api.post(base, json={"user_id": dispatcher.id})
    assert refused.status_code == 422 and "user_id" in refused.get_json()["error"]["fields"]
    assert db.session.get(Complaint, complaint_id).owner_id == agent.id
    assert api.post(base, json={"user_id": other.id}).status_code == 200
    db.session.expire_all()
    assert db.session.get(Complaint, complaint_id).owner_id == other.id
    assert world.manager.post(base, json={"user_id": agent.id}).status_code == 200


def test_my_open_problems_page_and_api(world, make_user, api_as, login):
    agent = make_user("agent")
    api = api_as(agent)
    order = api.post("/api/v1/workorders", json=repair_request(world)).get_json()
    complaint_id = _complaint(api, world)
    _complaint(world.agent, world)  # someone else's
    mine = api.get("/api/v1/me/problems").get_json()
    assert mine["user_id"] == agent.id
    assert [o["id"] for o in mine["orders"]] == [order["id"]]
    assert [c["id"] for c in mine["complaints"]] == [complaint_id]
    assert api.post(f"/api/v1/workorders/{order['id']}/cancel",
                    json={"reason": "客户取消"}).status_code == 200
    assert api.get("/api/v1/me/problems").get_json()["orders"] == []
    colleague = make_user("agent")
    assert api.get(f"/api/v1/me/problems?user_id={colleague.id}").status_code == 403
    manager_view = world.manager.get(f"/api/v1/me/problems?user_id={agent.id}").get_json()
    assert [c["id"] for c in manager_view["complaints"]] == [complaint_id]
    assert api_as("finance").get("/api/v1/me/problems").status_code == 403
    page = login(agent, fresh=True).get("/care/my-problems")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    number = db.session.get(Complaint, complaint_id).number
    assert number in text and 'id="problem-complaints"' in text
    manager = make_user("manager")
    other_page = login(manager, fresh=True).get(f"/care/my-problems?user_id={agent.id}")
    assert number in other_page.get_data(as_text=True)
