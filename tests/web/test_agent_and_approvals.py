"""The agent's intake without friction (pickers, a new order from a vehicle, the duplicate
warning before the order exists, a complaint by WO number) and the manager's queue (approve
several, back to the queue, send back with a reason)."""

from __future__ import annotations

from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.handovers.log import Notification
from tests.conftest import post_form
from tests.world import repair_request
from workorders.models import WorkOrder


def _count() -> int:
    return db.session.scalar(select(func.count(WorkOrder.id)))


def test_customer_picker_tells_same_names_apart(world, api_as):
    found = world.agent.get("/api/v1/pick/customers?q=顺达").get_json()
    assert found == [{"id": world.customer.id, "name": "杭州顺达物流有限公司",
                      "phone": "+8613800138000", "district": "西湖区",
                      "address": "浙江省杭州市西湖区文三路100号", "contact_name": "王伟",
                      "credit_class": "B", "plates": ["浙A12345"]}]
    vehicles = world.agent.get(
        f"/api/v1/pick/customers/{world.customer.id}/vehicles").get_json()
    assert vehicles == [{"id": world.truck.id, "plate": "浙A12345",
                         "customer_id": world.customer.id, "product_model": "GT06N",
                         "terminal_id": "HZ00000001", "imei": "860000000000019",
                         "iccid": "8986001234567890120"}]
    assert api_as("technician").get("/api/v1/pick/customers?q=顺达").status_code == 403


def test_new_order_from_a_vehicle_is_prefilled(world, login, make_user):
    client = login(make_user("agent"))
    page = client.get(f"/workorders/new?vehicle_id={world.truck.id}").get_data(as_text=True)
    for name, value in (("customer_id", world.customer.id), ("plate", "浙A12345"),
                        ("product_model", "GT06N"), ("terminal_id", "HZ00000001"),
                        ("imei", "860000000000019"), ("iccid", "8986001234567890120")):
        assert f'name="{name}"' in page and f'value="{value}"' in page, name
    assert 'id="picked-customer"' in page and "杭州顺达物流有限公司" in page


def test_duplicate_warning_comes_first_and_the_agent_decides(world, login, make_user):
    first = world.agent.post("/api/v1/workorders", json=repair_request(world)).get_json()
    client = login(make_user("agent"))
    form = {"kind": "repair", "customer_id": world.customer.id, "plate": "浙A 12345",
            "product_model": "GT06N", "fault_description": "又不上线", "priority": "normal"}
    before = _count()
    warned = post_form(client, "/workorders/new", form)
    page = warned.get_data(as_text=True)
    assert warned.status_code == 422 and _count() == before
    assert 'id="duplicate-warning"' in page and first["number"] in page
    assert f'href="/workorders/{first["id"]}"' in page
    created = post_form(client, "/workorders/new", {**form, "duplicate_ok": "1"})
    assert created.status_code == 302 and _count() == before + 1


def test_complaint_by_wo_number_names_the_customer(world, login, make_user):
    order = world.agent.post("/api/v1/workorders", json=repair_request(world)).get_json()
    client = login(make_user("agent"))
    typed = order["number"].lower().replace("-", " ")
    response = post_form(client, "/care/complaints/new", {
        "workorder_number": typed, "severity": "minor", "channel": "hotline",
        "description": "师傅迟到"})
    assert response.status_code == 302, response.get_data(as_text=True)
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert order["number"] in shown and "杭州顺达物流有限公司" in shown
    wrong = post_form(client, "/care/complaints/new", {
        "workorder_number": "WO-0000-99999", "severity": "minor", "channel": "hotline",
        "description": "x"})
    assert wrong.status_code == 422 and 'id="e-workorder_number"' in wrong.get_data(as_text=True)
    by_api = world.agent.post("/api/v1/complaints", json={
        "workorder_number": order["number"], "severity": "minor", "channel": "web",
        "description": "接口登记"})
    assert by_api.status_code == 201, by_api.get_json()


def test_approve_several_at_once_and_return_to_the_queue(world, login, make_user):
    ids = [world.agent.post("/api/v1/workorders", json=repair_request(world)).get_json()["id"]
           for _ in range(3)]
    client = login(make_user("manager"))
    response = post_form(client, "/workorders/approvals", {"order_ids": ids[:2]})
    assert response.status_code == 302 and response.headers["Location"] == "/workorders/approvals"
    statuses = dict(db.session.execute(select(WorkOrder.id, WorkOrder.status).where(
        WorkOrder.id.in_(ids))).all())
    assert statuses == {ids[0]: "approved", ids[1]: "approved", ids[2]: "new"}
    one = post_form(client, "/workorders/approvals", {"next": "approvals"},
                    post_url=f"/workorders/{ids[2]}/approve")
    assert one.headers["Location"] == "/workorders/approvals"
    again = post_form(client, "/workorders/approvals", {"order_ids": [ids[0]]})
    assert again.status_code == 302  # refused one by one, listed in the flash
    assert "error" in client.get("/workorders/approvals").get_data(as_text=True)


def test_send_back_with_a_reason_and_resubmit(world, login, make_user):
    agent = make_user("agent")
    order_id = world.agent.post("/api/v1/workorders", json=repair_request(world)).get_json()["id"]
    order = db.session.get(WorkOrder, order_id)
    client = login(make_user("manager"))
    refused = post_form(client, f"/workorders/{order_id}", {"reason": ""},
                        post_url=f"/workorders/{order_id}/send_back")
    assert refused.status_code == 422
    sent = post_form(client, f"/workorders/{order_id}", {"reason": "车牌与客户不符，请核对"},
                     post_url=f"/workorders/{order_id}/send_back")
    assert sent.status_code == 302
    queue = client.get("/workorders/approvals").get_data(as_text=True)
    assert f'id="pick-{order_id}"' not in queue and 'id="sent-back-list"' in queue
    note = db.session.scalar(select(Notification).where(Notification.user_id == order.owner_id))
    assert note is not None and "车牌与客户不符" in note.message
    owner = login(db.session.get(type(order.owner), order.owner_id), fresh=True)
    page = owner.get(f"/workorders/{order_id}").get_data(as_text=True)
    assert 'id="sent-back"' in page and "车牌与客户不符" in page
    post_form(owner, f"/workorders/{order_id}", {"note": "已核对"},
              post_url=f"/workorders/{order_id}/resubmit")
    assert f'id="pick-{order_id}"' in client.get("/workorders/approvals").get_data(as_text=True)
    assert agent  # another agent cannot resubmit what was not sent back: a 409 below
    other = login(agent, fresh=True)
    assert post_form(other, f"/workorders/{order_id}", {"note": "x"},
                     post_url=f"/workorders/{order_id}/resubmit").status_code == 409
