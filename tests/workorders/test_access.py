"""A technician cannot read or act on another technician's order, endpoint by endpoint;
roles outside the order's workflow are refused."""

import pytest

from tests.world import order_on_site, signature_png

READS = ["", "/fee"]
FIELD_WORK = [
    ("/status", {"status": "en_route"}),
    ("/swaps", {"kind": "terminal", "old": "HZ00000001", "new": "HZ00000002"}),
    ("/parts", {"sku": "RELAY-5P", "qty": 1}),
    ("/complete", {"resolution": "x", "payment_method": "none", "amount_collected": "0",
                   "signature_png_base64": signature_png()}),
]


@pytest.mark.parametrize("suffix", READS)
def test_other_technician_cannot_read(world, suffix):
    order_id = order_on_site(world)
    assert world.tech.get(f"/api/v1/workorders/{order_id}{suffix}").status_code == 200
    assert world.other_tech.get(f"/api/v1/workorders/{order_id}{suffix}").status_code == 404


@pytest.mark.parametrize(("suffix", "body"), FIELD_WORK)
def test_other_technician_cannot_act(world, suffix, body):
    order_id = order_on_site(world)
    before = world.manager.get(f"/api/v1/workorders/{order_id}").get_json()
    response = world.other_tech.post(f"/api/v1/workorders/{order_id}{suffix}", json=body)
    assert response.status_code == 404
    after = world.manager.get(f"/api/v1/workorders/{order_id}").get_json()
    assert (after["status"], after["history"], after["swaps"], after["parts"]) == (
        before["status"], before["history"], before["swaps"], before["parts"])


def test_other_technician_does_not_list_the_order(world):
    order_on_site(world)
    assert world.tech.get("/api/v1/workorders").get_json()["total"] == 1
    assert world.other_tech.get("/api/v1/workorders").get_json()["total"] == 0


@pytest.mark.parametrize(("suffix", "body", "allowed"), [
    ("/approve", None, {"manager"}),
    ("/assign", "technician", {"dispatcher", "manager"}),
    ("/cancel", {"reason": "客户取消"}, {"agent", "manager"}),
])
def test_office_actions_check_the_role(world, api_as, suffix, body, allowed):
    for role in ("agent", "manager", "dispatcher", "finance", "warehouse", "technician"):
        created = world.agent.post("/api/v1/workorders", json={
            "kind": "repair", "customer_id": world.customer.id, "plate": "浙A12345",
            "product_model": "GT06N", "fault_description": "x"}).get_json()
        if suffix == "/assign":
            world.manager.post(f"/api/v1/workorders/{created['id']}/approve")
        payload = {"technician_id": world.technician.id} if body == "technician" else body
        caller = world.tech if role == "technician" else api_as(role)
        response = caller.post(f"/api/v1/workorders/{created['id']}{suffix}", json=payload)
        expected = {200} if role in allowed else {403, 404}
        assert response.status_code in expected, (role, suffix, response.get_json())


def test_illegal_transition_is_409_and_changes_nothing(world):
    created = world.agent.post("/api/v1/workorders", json={
        "kind": "repair", "customer_id": world.customer.id, "plate": "浙A12345",
        "product_model": "GT06N", "fault_description": "x"}).get_json()
    base = f"/api/v1/workorders/{created['id']}"
    response = world.dispatcher.post(f"{base}/assign", json={"technician_id": world.technician.id})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "illegal_transition"
    assert world.agent.post(f"{base}/close").status_code == 409
    body = world.agent.get(base).get_json()
    assert body["status"] == "new" and body["technician_id"] is None
    assert [e["action"] for e in body["history"]] == ["intake"]


def test_secret_customers_orders_are_for_managers_only(world):
    world.customer.confidentiality = "secret"
    from dispatch.extensions import db

    db.session.commit()
    created = world.manager.post("/api/v1/workorders", json={
        "kind": "repair", "customer_id": world.customer.id, "plate": "浙A12345",
        "product_model": "GT06N", "fault_description": "x"})
    assert created.status_code == 201
    order_id = created.get_json()["id"]
    assert world.agent.get(f"/api/v1/workorders/{order_id}").status_code == 404
    assert world.dispatcher.get("/api/v1/workorders").get_json()["total"] == 0
    assert world.manager.get(f"/api/v1/workorders/{order_id}").status_code == 200
