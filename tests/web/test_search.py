"""One search box: by WO number, plate, name, phone, terminal ID, IMEI (also of a removed
terminal) and ICCID, grouped, on the page and in the API, within each role's sight."""

from __future__ import annotations

from dispatch.extensions import db
from dispatch.registry.models import Customer, Vehicle
from tests.world import order_on_site, signature_png


def _groups(api, q):
    response = api.get(f"/api/v1/search?q={q}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_search_by_what_people_know(world):
    order_id = order_on_site(world)
    number = world.agent.get(f"/api/v1/workorders/{order_id}").get_json()["number"]
    found = _groups(world.agent, number)
    assert [o["id"] for o in found["orders"]] == [order_id]
    assert [o["id"] for o in _groups(world.agent, number.split("-")[-1])["orders"]] == [order_id]
    by_plate = _groups(world.agent, "浙a 12345")
    assert [v["plate"] for v in by_plate["vehicles"]] == ["浙A12345"]
    assert order_id in [o["id"] for o in by_plate["orders"]]
    assert [c["id"] for c in _groups(world.agent, "顺达")["customers"]] == [world.customer.id]
    assert [c["id"] for c in _groups(world.agent, "138 0013 8000")["customers"]] == [
        world.customer.id]
    by_imei = _groups(world.agent, "860000000000019")
    assert [t["terminal_id"] for t in by_imei["terminals"]] == ["HZ00000001"]
    assert [v["plate"] for v in by_imei["vehicles"]] == ["浙A12345"]
    assert [s["iccid"] for s in _groups(world.agent, "8986001234567890120")["sims"]] == [
        "8986001234567890120"]
    assert [t["terminal_id"] for t in _groups(world.agent, "HZ00000001")["terminals"]] == [
        "HZ00000001"]


def test_imei_of_a_removed_terminal_finds_the_vehicle_and_its_orders(world):
    order_id = order_on_site(world)
    base = f"/api/v1/workorders/{order_id}"
    assert world.tech.post(f"{base}/swaps", json={
        "kind": "terminal", "old": "HZ00000001", "new": "HZ00000002"}).status_code == 201
    done = world.tech.post(f"{base}/complete", json={
        "resolution": "更换终端", "payment_method": "cash", "amount_collected": "380.00",
        "signature_png_base64": signature_png()})
    assert done.status_code == 200, done.get_json()
    found = _groups(world.agent, "860000000000019")
    assert [(t["terminal_id"], t["status"], t["vehicle_id"]) for t in found["terminals"]] == [
        ("HZ00000001", "faulty", None)]
    assert [v["plate"] for v in found["vehicles"]] == ["浙A12345"]
    assert [o["id"] for o in found["orders"]] == [order_id]


def test_search_keeps_to_what_each_role_may_see(world, make_user, api_as):
    secret = Customer(name="机要客户", contact_name="李", phone="+8613900000000", address="杭州",
                      confidentiality="secret")
    db.session.add_all([secret, Vehicle(plate="浙A99999", customer=secret)])
    db.session.commit()
    assert _groups(world.agent, "机要")["customers"] == []
    assert _groups(world.agent, "浙A99999")["vehicles"] == []
    assert [c["name"] for c in _groups(world.manager, "机要")["customers"]] == ["机要客户"]
    order_id = order_on_site(world)
    number = world.agent.get(f"/api/v1/workorders/{order_id}").get_json()["number"]
    mine = _groups(world.tech, number)
    assert [o["id"] for o in mine["orders"]] == [order_id]
    assert mine["customers"] == mine["terminals"] == []
    assert _groups(world.other_tech, number)["orders"] == []
    assert api_as("admin").get("/api/v1/search?q=浙A").status_code == 403


def test_search_page_groups_the_results(world, login, make_user):
    client = login(make_user("agent"))
    page = client.get("/search?q=浙A12345").get_data(as_text=True)
    assert 'id="found-vehicles"' in page and 'id="found-customers"' in page
    assert "HZ00000001" in client.get("/search?q=860000000000019").get_data(as_text=True)
    assert 'id="no-results"' in client.get("/search?q=zzzzzz").get_data(as_text=True)
