"""Parts, locations, receipts, transfers and stock through the API (SPEC §8)."""

from __future__ import annotations

from sqlalchemy import func, select

from dispatch.audit.log import AuditLog
from dispatch.extensions import db
from dispatch.registry.models import Terminal
from inventory.models import StockMovement

NEW_PART = {"sku": "ANT-GPS", "name": "GPS 天线", "category": "antenna", "price": "18.50",
            "reorder_point": 5}


def _movements() -> int:
    return db.session.scalar(select(func.count()).select_from(StockMovement))


def _stock(api, **query):
    response = api.get("/api/v1/stock", query_string=query)
    assert response.status_code == 200, response.get_json()
    return {(r["location"], r["sku"]): (r["on_hand"], r["reserved"], r["available"])
            for r in response.get_json()["items"]}


def test_parts_price_list_create_list_edit(world, api_as):
    keeper = api_as(world.keeper)
    created = keeper.post("/api/v1/parts", json=NEW_PART)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["price"], body["available"], body["low_stock"]) == ("18.50", 0, True)
    assert world.manager.post("/api/v1/parts", json={**NEW_PART, "sku": "ANT-2"}).status_code == 201
    assert world.agent.post("/api/v1/parts", json={**NEW_PART, "sku": "X1"}).status_code == 403
    assert api_as(None).post("/api/v1/parts", json=NEW_PART).status_code == 401
    duplicate = keeper.post("/api/v1/parts", json=NEW_PART)
    assert duplicate.status_code == 422 and "sku" in duplicate.get_json()["error"]["fields"]
    bad = keeper.post("/api/v1/parts", json={**NEW_PART, "sku": "T-2", "category": "terminal",
                                             "price": "-1"})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"price", "serialized"}
    patched = keeper.patch(f"/api/v1/parts/{body['id']}", json={"price": "20.00"})
    assert patched.get_json()["price"] == "20.00"
    listed = world.tech.get("/api/v1/parts", query_string={"q": "ANT"}).get_json()
    assert [p["sku"] for p in listed["items"]] == ["ANT-2", "ANT-GPS"]


def test_locations_mark_the_main_warehouse_and_give_every_technician_a_van(world, make_technician):
    late = make_technician()
    items = world.dispatcher.get("/api/v1/locations").get_json()["items"]
    defaults = [loc for loc in items if loc["default"]]
    assert [(d["code"], d["kind"]) for d in defaults] == [("MAIN", "warehouse")]
    vans = {loc["technician_id"] for loc in items if loc["kind"] == "van"}
    assert {world.technician.id, world.other_technician.id, late.id} <= vans
    assert world.tech.get("/api/v1/locations").status_code == 403


def test_receipts_default_to_the_main_warehouse_and_locate_serials(world, api_as):
    keeper = api_as(world.keeper)
    assert keeper.post("/api/v1/stock/receipts",
                       json={"sku": "RELAY-5P", "qty": 7}).status_code == 201
    response = keeper.post("/api/v1/stock/receipts", json={
        "sku": "TERM-GT06N", "qty": 2, "serials": ["hz-1000-0001", "HZ10000002"]})
    assert response.status_code == 201, response.get_json()
    stock = _stock(keeper, location="MAIN")
    assert stock[("MAIN", "RELAY-5P")] == (7, 0, 7)
    assert stock[("MAIN", "TERM-GT06N")] == (2, 0, 2)
    terminal = db.session.scalar(select(Terminal).where(Terminal.terminal_id == "HZ10000001"))
    assert terminal.status == "in_stock" and terminal.location_id is not None


def test_refused_receipts_write_nothing(world, api_as):
    keeper = api_as(world.keeper)
    before = _movements()
    cases = [
        (world.dispatcher, {"sku": "RELAY-5P", "qty": 1}, 403),
        (api_as(None), {"sku": "RELAY-5P", "qty": 1}, 401),
        (keeper, {"sku": "NOPE", "qty": 1}, 422),
        (keeper, {"sku": "RELAY-5P", "qty": 0}, 422),
        (keeper, {"sku": "RELAY-5P", "qty": 1, "location": f"VAN-{world.technician.id}"}, 422),
        (keeper, {"sku": "SIM-IOT", "qty": 2, "serials": ["8986001234567890121", "12"]}, 422),
        (keeper, {"sku": "TERM-GT06N", "qty": 2, "serials": ["HZ20000001"]}, 422),
        (keeper, {"sku": "TERM-GT06N", "qty": 1, "serials": ["HZ00000001"]}, 422),  # installed
    ]
    for api, body, status in cases:
        response = api.post("/api/v1/stock/receipts", json=body)
        assert response.status_code == status, (body, response.get_json())
    assert _movements() == before
    assert db.session.scalar(select(Terminal).where(Terminal.terminal_id == "HZ20000001")) is None


def test_transfers_refuse_more_than_available_and_write_nothing(world, api_as):
    keeper = api_as(world.keeper)
    van = f"VAN-{world.technician.id}"
    other = f"VAN-{world.other_technician.id}"
    moved = keeper.post("/api/v1/stock/transfers",
                        json={"sku": "RELAY-5P", "qty": 2, "from": van, "to": other})
    assert moved.status_code == 201, moved.get_json()
    before = _movements()
    too_many = keeper.post("/api/v1/stock/transfers",
                           json={"sku": "RELAY-5P", "qty": 4, "from": van, "to": "MAIN"})
    assert too_many.status_code == 409
    wrong_serial = keeper.post("/api/v1/stock/transfers", json={
        "sku": "TERM-GT06N", "qty": 1, "from": other, "to": "MAIN", "serials": ["HZ00000002"]})
    assert wrong_serial.status_code == 409
    assert world.agent.post("/api/v1/stock/transfers", json={
        "sku": "RELAY-5P", "qty": 1, "from": van, "to": "MAIN"}).status_code == 403
    assert keeper.post("/api/v1/stock/transfers", json={
        "sku": "RELAY-5P", "qty": 1, "from": van, "to": "NOWHERE"}).status_code == 422
    assert _movements() == before
    stock = _stock(keeper)
    assert stock[(van, "RELAY-5P")] == (3, 0, 3) and stock[(other, "RELAY-5P")] == (2, 0, 2)


def test_stock_by_location_code(world, api_as):
    """A code is matched as stored (any case); an unknown one is a field error, a known but
    empty location an empty list."""
    keeper = api_as(world.keeper)
    van = f"VAN-{world.technician.id}"
    assert {location for location, _sku in _stock(keeper, location=van.lower())} == {van}
    unknown = keeper.get("/api/v1/stock", query_string={"location": "NOWHERE"})
    assert unknown.status_code == 422 and "location" in unknown.get_json()["error"]["fields"]
    created = keeper.post("/api/v1/locations", json={"code": "EMPTY-WH", "name": "Empty"})
    assert created.status_code == 201, created.get_json()
    assert _stock(keeper, location="empty-wh") == {}


def test_a_technician_never_sees_another_technicians_van(world, login):
    van, other = f"VAN-{world.technician.id}", f"VAN-{world.other_technician.id}"
    own = _stock(world.tech)
    assert own and {location for location, _sku in own} == {van}
    assert world.other_tech.get("/api/v1/stock").get_json()["items"] == []
    assert world.tech.get("/api/v1/stock", query_string={"location": other}).status_code == 403
    client = login(world.other_technician.user)
    assert client.get(f"/inventory/vans/{world.technician.id}").status_code == 403
    assert client.get(f"/inventory/vans/{world.other_technician.id}").status_code == 200
    assert client.get("/inventory/").status_code == 403


def test_van_count_records_audited_adjustments_with_a_reason(world, login):
    from tests.conftest import csrf_from

    client = login(world.keeper)
    url = f"/inventory/vans/{world.technician.id}"
    page = client.get(url)
    assert "HZ00000002" in page.get_data(as_text=True)
    token = csrf_from(page.get_data(as_text=True))
    refused = client.post(url, data={"count.RELAY-5P": "3", "reason": "", "csrf_token": token})
    assert refused.status_code == 422
    by_serial = client.post(url, data={"count.TERM-GT06N": "1", "reason": "丢失",
                                       "csrf_token": token})
    assert by_serial.status_code == 422
    done = client.post(url, data={"count.RELAY-5P": "3", "count.HARNESS-12V": "11",
                                  "reason": "月度盘点", "csrf_token": token})
    assert done.status_code == 302
    stock = _stock(world.dispatcher)
    van = f"VAN-{world.technician.id}"
    assert stock[(van, "RELAY-5P")][0] == 3 and stock[(van, "HARNESS-12V")][0] == 11
    adjusts = db.session.scalars(select(StockMovement).where(StockMovement.kind == "adjust")).all()
    assert {(m.sku, m.qty, m.reason) for m in adjusts} == {("RELAY-5P", 2, "月度盘点"),
                                                         ("HARNESS-12V", 1, "月度盘点")}
    audited = db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.entity == "stock_movements", AuditLog.user_id == world.keeper.id))
    assert audited >= 2


def test_low_stock_list_and_banner(world, api_as, login):
    keeper = api_as(world.keeper)
    keeper.patch(f"/api/v1/parts/{world.parts['RELAY-5P'].id}", json={"reorder_point": 3})
    low = keeper.get("/api/v1/stock/low").get_json()["items"]
    assert [(i["sku"], i["available"]) for i in low] == [("RELAY-5P", 0)]
    keeper.post("/api/v1/stock/receipts", json={"sku": "RELAY-5P", "qty": 3})
    assert keeper.get("/api/v1/stock/low").get_json()["items"] == []
    keeper.patch(f"/api/v1/parts/{world.parts['RELAY-5P'].id}", json={"reorder_point": 4})
    page = login(world.keeper).get("/inventory/").get_data(as_text=True)
    assert 'id="low-stock"' in page and "RELAY-5P" in page
