"""Parts recorded on an order hold stock at once (SPEC §10 "Money and stock at the edges"):
what open orders have recorded never exceeds what is there, completion consumes exactly what is
billed or refuses, and a part or swap recorded by mistake can be corrected or removed."""

from __future__ import annotations

from sqlalchemy import func, select

from dispatch.audit.log import AuditLog
from dispatch.extensions import db
from inventory import locations
from inventory.models import StockMovement
from inventory.stock import balance
from tests.world import order_on_site, repair_request, signature_png
from workorders.models import OrderPart, Swap, WorkOrder


def _van(world) -> int:
    return locations.van_for(world.technician.id).id


def _leave_in_van(world, api_as, sku: str, keep: int) -> None:
    """Move everything but ``keep`` of ``sku`` back to the main warehouse."""
    on_hand, _ = balance(_van(world), sku)
    keeper = api_as(world.keeper)
    moved = keeper.post("/api/v1/stock/transfers", json={
        "sku": sku, "qty": on_hand - keep, "from": f"VAN-{world.technician.id}", "to": "MAIN"})
    assert moved.status_code == 201, moved.get_json()


def _complete(world, order_id: int):
    base = f"/api/v1/workorders/{order_id}"
    fee = world.tech.get(f"{base}/fee").get_json()["fee"]
    return world.tech.post(f"{base}/complete", json={
        "resolution": "更换继电器", "payment_method": "cash" if fee != "0.00" else "none",
        "amount_collected": fee, "signature_png_base64": signature_png()})


def test_one_unit_recorded_on_two_on_site_orders_the_second_is_refused(world, api_as):
    _leave_in_van(world, api_as, "RELAY-5P", 1)
    first, second = order_on_site(world), order_on_site(world)
    assert world.tech.post(f"/api/v1/workorders/{first}/parts",
                           json={"sku": "RELAY-5P", "qty": 1}).status_code == 201
    assert balance(_van(world), "RELAY-5P") == (1, 1)  # held at once
    refused = world.tech.post(f"/api/v1/workorders/{second}/parts",
                              json={"sku": "RELAY-5P", "qty": 1})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "shortage"
    assert db.session.scalar(select(func.count()).select_from(OrderPart).where(
        OrderPart.order_id == second)) == 0
    assert _complete(world, first).status_code == 200
    assert balance(_van(world), "RELAY-5P") == (0, 0)


def test_correcting_and_removing_a_part_releases_its_hold(world):
    order_id = order_on_site(world)
    base = f"/api/v1/workorders/{order_id}"
    line = world.tech.post(f"{base}/parts", json={"sku": "HARNESS-12V", "qty": 4}).get_json()
    assert balance(_van(world), "HARNESS-12V") == (10, 4)
    corrected = world.tech.patch(f"{base}/parts/{line['id']}", json={"qty": 1})
    assert corrected.status_code == 200 and corrected.get_json()["qty"] == 1
    assert balance(_van(world), "HARNESS-12V") == (10, 1)
    too_many = world.tech.patch(f"{base}/parts/{line['id']}", json={"qty": 11})
    assert too_many.status_code == 409
    assert world.tech.patch(f"{base}/parts/{line['id']}", json={"qty": 0}).status_code == 422
    assert world.other_tech.delete(f"{base}/parts/{line['id']}").status_code in (403, 404)
    assert world.tech.delete(f"{base}/parts/{line['id']}").status_code == 200
    assert balance(_van(world), "HARNESS-12V") == (10, 0)
    assert db.session.get(OrderPart, line["id"]) is None
    actions = [e.action for e in db.session.get(WorkOrder, order_id).events]
    assert "part_corrected" in actions and "part_removed" in actions
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.entity == "order_parts", AuditLog.entity_id == str(line["id"]),
        AuditLog.action == "delete")) == 1
    assert world.tech.delete(f"{base}/parts/{line['id']}").status_code == 404


def test_removing_a_swap_removes_its_part_and_releases_the_terminal(world):
    order_id = order_on_site(world)
    base = f"/api/v1/workorders/{order_id}"
    swap = world.tech.post(f"{base}/swaps", json={"kind": "terminal", "old": "HZ00000001",
                                                  "new": "HZ00000002"}).get_json()
    line = db.session.scalar(select(OrderPart).where(OrderPart.swap_id == swap["id"]))
    assert balance(_van(world), "TERM-GT06N") == (2, 1)
    assert world.tech.delete(f"{base}/parts/{line.id}").status_code == 409  # the swap owns it
    assert world.tech.delete(f"{base}/swaps/{swap['id']}").status_code == 200
    assert db.session.get(Swap, swap["id"]) is None and db.session.get(OrderPart, line.id) is None
    assert balance(_van(world), "TERM-GT06N") == (2, 0)
    again = world.tech.post(f"{base}/swaps", json={"kind": "terminal", "old": "HZ00000001",
                                                   "new": "HZ00000003"})
    assert again.status_code == 201
    assert _complete(world, order_id).status_code == 200
    assert world.tech.delete(f"{base}/swaps/{again.get_json()['id']}").status_code == 409


def test_a_serial_recorded_on_one_open_order_cannot_be_recorded_on_another(world):
    first, second = order_on_site(world), order_on_site(world)
    assert world.tech.post(f"/api/v1/workorders/{first}/swaps", json={
        "kind": "sim", "old": "8986001234567890120",
        "new": "89860012345678901238"}).status_code == 201
    refused = world.tech.post(f"/api/v1/workorders/{second}/parts", json={
        "sku": "SIM-IOT", "qty": 1, "serial": "89860012345678901238"})
    assert refused.status_code == 409


def test_an_approved_shortage_not_in_stock_at_completion_is_refused_not_billed(world, api_as):
    _leave_in_van(world, api_as, "RELAY-5P", 0)
    order_id = order_on_site(world)
    base = f"/api/v1/workorders/{order_id}"
    assert world.manager.post(f"{base}/shortage-approvals",
                              json={"sku": "RELAY-5P", "qty": 1}).status_code == 201
    assert world.tech.post(f"{base}/parts", json={"sku": "RELAY-5P", "qty": 1}).status_code == 201
    refused = _complete(world, order_id)
    assert refused.status_code == 409, refused.get_json()
    assert refused.get_json()["error"]["code"] == "not_in_stock"
    assert db.session.get(WorkOrder, order_id).status == "on_site"
    keeper = api_as(world.keeper)
    assert keeper.post("/api/v1/stock/transfers", json={
        "sku": "RELAY-5P", "qty": 1, "from": "MAIN",
        "to": f"VAN-{world.technician.id}"}).status_code == 201
    assert _complete(world, order_id).status_code == 200
    consumed = db.session.scalar(select(func.sum(StockMovement.qty)).where(
        StockMovement.kind == "consume", StockMovement.work_order_id == order_id))
    assert consumed == 1 and balance(_van(world), "RELAY-5P") == (0, 0)


def test_the_planned_reservation_covers_recording_and_stays_after_a_removal(world):
    order_id = world.agent.post("/api/v1/workorders",
                                json=repair_request(world)).get_json()["id"]
    base = f"/api/v1/workorders/{order_id}"
    world.manager.post(f"{base}/approve")
    world.dispatcher.post(f"{base}/planned-parts", json={"items": [{"sku": "RELAY-5P", "qty": 2}]})
    world.dispatcher.post(f"{base}/assign", json={"technician_id": world.technician.id})
    for status in ("en_route", "on_site"):
        world.tech.post(f"{base}/status", json={"status": status})
    assert balance(_van(world), "RELAY-5P") == (5, 2)
    line = world.tech.post(f"{base}/parts", json={"sku": "RELAY-5P", "qty": 3}).get_json()
    assert balance(_van(world), "RELAY-5P") == (5, 3)  # one more than planned
    assert world.tech.delete(f"{base}/parts/{line['id']}").status_code == 200
    assert balance(_van(world), "RELAY-5P") == (5, 2)  # the planned reservation stays
    assert world.manager.post(f"{base}/shortage-approvals",
                              json={"sku": "RELAY-5P", "qty": 1}).status_code == 201
    assert world.tech.post(f"{base}/parts", json={"sku": "RELAY-5P", "qty": 6}).status_code == 201
    assert balance(_van(world), "RELAY-5P") == (5, 5)  # all there is held, one approved short


def test_the_order_page_corrects_and_removes_parts_and_swaps(world, login):
    from tests.conftest import post_form

    order_id = order_on_site(world)
    base = f"/api/v1/workorders/{order_id}"
    line = world.tech.post(f"{base}/parts", json={"sku": "HARNESS-12V", "qty": 3}).get_json()
    swap = world.tech.post(f"{base}/swaps", json={"kind": "sim", "old": "8986001234567890120",
                                                  "new": "89860012345678901238"}).get_json()
    client = login(world.technician.user)
    url = f"/workorders/{order_id}"
    html = client.get(url).get_data(as_text=True)
    assert f'id="remove-part-{line["id"]}"' in html and f'id="remove-swap-{swap["id"]}"' in html
    assert post_form(client, url, {"line_id": str(line["id"]), "qty": "2"},
                     f"{url}/part_correct").status_code == 302
    assert balance(_van(world), "HARNESS-12V") == (10, 2)
    assert post_form(client, url, {"line_id": str(line["id"])},
                     f"{url}/part_remove").status_code == 302
    assert post_form(client, url, {"swap_id": str(swap["id"])},
                     f"{url}/swap_remove").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(OrderPart).where(
        OrderPart.order_id == order_id)) == 0
    assert balance(_van(world), "HARNESS-12V") == (10, 0)
    assert balance(_van(world), "SIM-IOT") == (2, 0)
