"""Work orders and stock: reservations follow assignment, parts used come from the van or the
reservation (else a manager's shortage approval), completion consumes, faulty terminals go to
the workshop and through the vendor."""

from __future__ import annotations

from sqlalchemy import select

from dispatch.extensions import db
from dispatch.registry.models import Terminal
from inventory import locations
from inventory.stock import balance, van_stock
from tests.world import order_on_site, repair_request, signature_png


def _approved_order(world) -> int:
    order_id = world.agent.post("/api/v1/workorders", json=repair_request(world)).get_json()["id"]
    assert world.manager.post(f"/api/v1/workorders/{order_id}/approve").status_code == 200
    return order_id


def _on_hand_reserved(code: str, sku: str) -> tuple[int, int]:
    return balance(locations.by_code(code).id, sku)


def test_assign_reserves_van_first_then_main_reassign_moves_cancel_releases(world, api_as):
    keeper = api_as(world.keeper)
    keeper.post("/api/v1/stock/receipts", json={"sku": "RELAY-5P", "qty": 4})
    order_id = _approved_order(world)
    base = f"/api/v1/workorders/{order_id}"
    planned = world.dispatcher.post(f"{base}/planned-parts", json={"items": [
        {"sku": "RELAY-5P", "qty": 2}, {"sku": "HARNESS-12V", "qty": 12}]})
    assert planned.status_code == 200, planned.get_json()
    assert world.tech.post(f"{base}/planned-parts", json={"items": []}).status_code == 403
    van_a, van_b = f"VAN-{world.technician.id}", f"VAN-{world.other_technician.id}"

    world.dispatcher.post(f"{base}/assign", json={"technician_id": world.technician.id})
    assert _on_hand_reserved(van_a, "RELAY-5P") == (5, 2)
    pick = world.dispatcher.get(f"{base}/planned-parts").get_json()["pick_list"]
    assert {(p["sku"], p["qty"], p["location"], p["short"]) for p in pick} == {
        ("RELAY-5P", 2, van_a, False), ("HARNESS-12V", 12, None, True)}
    assert van_stock(world.technician.id)["RELAY-5P"] == 3

    world.dispatcher.post(f"{base}/assign", json={"technician_id": world.other_technician.id})
    assert _on_hand_reserved(van_a, "RELAY-5P") == (5, 0)
    assert _on_hand_reserved("MAIN", "RELAY-5P") == (4, 2)  # other van is empty: pick-up

    assert world.agent.post(f"{base}/cancel", json={"reason": "客户取消"}).status_code == 200
    assert _on_hand_reserved("MAIN", "RELAY-5P") == (4, 0)
    assert _on_hand_reserved(van_b, "RELAY-5P") == (0, 0)


def test_reserving_more_than_available_is_409_and_writes_nothing(world):
    order_id = _approved_order(world)
    van = f"VAN-{world.technician.id}"
    base = f"/api/v1/workorders/{order_id}"
    ok = world.dispatcher.post(f"{base}/reservations",
                               json={"sku": "RELAY-5P", "qty": 5, "location": van})
    assert ok.status_code == 201
    refused = world.dispatcher.post(f"{base}/reservations",
                                    json={"sku": "RELAY-5P", "qty": 1, "location": van})
    assert refused.status_code == 409
    assert world.dispatcher.get(f"{base}/planned-parts").get_json()["items"] == [
        {"sku": "RELAY-5P", "qty": 5}]
    assert _on_hand_reserved(van, "RELAY-5P") == (5, 5)


def test_parts_not_in_the_van_need_a_managers_shortage_approval(world):
    order_id = order_on_site(world)
    base = f"/api/v1/workorders/{order_id}"
    refused = world.tech.post(f"{base}/parts", json={"sku": "RELAY-5P", "qty": 6})
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "shortage"
    assert world.dispatcher.post(f"{base}/shortage-approvals",
                                 json={"sku": "RELAY-5P", "qty": 1}).status_code == 403
    approval = world.manager.post(f"{base}/shortage-approvals",
                                  json={"sku": "RELAY-5P", "qty": 1, "note": "电话批准"})
    assert approval.status_code == 201
    assert approval.get_json()["approved_by_id"] is not None
    assert world.tech.post(f"{base}/parts", json={"sku": "RELAY-5P", "qty": 6}).status_code == 201
    assert world.tech.post(f"{base}/parts", json={"sku": "RELAY-5P", "qty": 1}).status_code == 409


def test_a_serial_used_must_be_in_the_van(world, api_as):
    keeper = api_as(world.keeper)
    keeper.post("/api/v1/stock/receipts", json={"sku": "TERM-GT06N", "qty": 1,
                                                "serials": ["HZ30000001"]})
    order_id = order_on_site(world)
    base = f"/api/v1/workorders/{order_id}"
    refused = world.tech.post(f"{base}/swaps", json={"kind": "terminal", "old": "HZ00000001",
                                                     "new": "HZ30000001"})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "not_in_stock"
    assert world.tech.post(f"{base}/swaps", json={"kind": "terminal", "old": "HZ00000001",
                                                  "new": "HZ00000002"}).status_code == 201


def test_complete_consumes_and_the_faulty_terminal_goes_through_the_vendor(world, api_as):
    order_id = order_on_site(world)
    base = f"/api/v1/workorders/{order_id}"
    van = f"VAN-{world.technician.id}"
    world.tech.post(f"{base}/swaps", json={"kind": "terminal", "old": "HZ00000001",
                                           "new": "HZ00000002", "reason": "不上线"})
    world.tech.post(f"{base}/parts", json={"sku": "HARNESS-12V", "qty": 2})
    fee = world.tech.get(f"{base}/fee").get_json()["fee"]
    done = world.tech.post(f"{base}/complete", json={
        "resolution": "更换终端", "payment_method": "cash" if fee != "0.00" else "none",
        "amount_collected": fee, "signature_png_base64": signature_png()})
    assert done.status_code == 200, done.get_json()
    assert _on_hand_reserved(van, "HARNESS-12V") == (8, 0)
    assert _on_hand_reserved(van, "TERM-GT06N") == (1, 0)
    new = db.session.scalar(select(Terminal).where(Terminal.terminal_id == "HZ00000002"))
    old = db.session.scalar(select(Terminal).where(Terminal.terminal_id == "HZ00000001"))
    assert new.status == "installed" and new.location_id is None
    assert old.status == "faulty" and old.location_id == locations.by_code("WORKSHOP").id
    assert _on_hand_reserved("WORKSHOP", "TERM-GT06N") == (1, 0)

    keeper = api_as(world.keeper)
    sent = keeper.post("/api/v1/stock/vendor-shipments", json={"serials": ["HZ00000001"]})
    assert sent.status_code == 201 and sent.get_json()["items"][0]["status"] == "at_vendor"
    assert keeper.post("/api/v1/stock/vendor-shipments",
                       json={"serials": ["HZ00000001"]}).status_code == 409
    back = keeper.post("/api/v1/stock/vendor-returns", json={"serials": ["HZ00000001"]})
    assert back.get_json()["items"][0]["status"] == "in_stock"
    assert _on_hand_reserved("MAIN", "TERM-GT06N") == (1, 0)
    assert _on_hand_reserved("VENDOR", "TERM-GT06N") == (0, 0)


def test_order_page_plans_parts_and_prints_the_pick_list(world, make_user, login):
    from tests.conftest import post_form

    order_id = _approved_order(world)
    client = login(make_user("dispatcher"))
    url = f"/workorders/{order_id}"
    response = post_form(client, url, {"sku": "RELAY-5P", "qty": "2"}, f"{url}/plan")
    assert response.status_code == 302
    page = post_form(client, url, {"technician_id": str(world.technician.id)}, f"{url}/assign")
    assert page.status_code == 302
    html = client.get(url).get_data(as_text=True)
    assert 'id="pick-list"' in html and f"VAN-{world.technician.id}" in html
