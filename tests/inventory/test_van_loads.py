"""Loading vans in one go (a scanned list, an order's pick list, the day's pick lists) and
receiving terminals with their IMEIs and the catalogue model code."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.registry.models import Terminal
from inventory import locations
from inventory.models import Part, StockMovement
from inventory.stock import balance, van_stock
from tests.conftest import post_form
from tests.world import repair_request


def _movements() -> int:
    return db.session.scalar(select(func.count()).select_from(StockMovement)) or 0


def test_a_scanned_list_loads_parts_and_units_or_nothing(world, api_as):
    keeper = api_as(world.keeper)
    keeper.post("/api/v1/stock/receipts", json={"sku": "HARNESS-12V", "qty": 10})
    keeper.post("/api/v1/stock/receipts", json={"sku": "RELAY-5P", "qty": 4})
    keeper.post("/api/v1/stock/receipts", json={"sku": "TERM-GT06N", "qty": 1,
                                                "serials": ["HZ00000077"]})
    van = locations.van_for(world.other_technician.id).code
    before = _movements()
    bad = keeper.post("/api/v1/stock/van-loads", json={"to": van, "lines": [
        "HARNESS-12V", "NOPE-1", "RELAY-5P 99"]})
    assert bad.status_code == 422
    assert "line 2" in bad.get_json()["error"]["fields"]["lines"]
    short = keeper.post("/api/v1/stock/van-loads", json={"to": van, "lines": ["RELAY-5P x99"]})
    assert short.status_code == 422 and "99" in short.get_json()["error"]["fields"]["lines"]
    assert _movements() == before
    loaded = keeper.post("/api/v1/stock/van-loads", json={"to": van, "lines": [
        "HARNESS-12V", "harness-12v", "RELAY-5P x3", "HZ00000077"]})
    assert loaded.status_code == 201, loaded.get_json()
    stock = van_stock(world.other_technician.id)
    assert stock["HARNESS-12V"] == 2 and stock["RELAY-5P"] == 3 and stock["TERM-GT06N"] == 1
    assert db.session.scalar(select(Terminal).where(Terminal.terminal_id == "HZ00000077")) \
        .location_id == locations.by_code(van).id


def test_the_load_page_takes_a_list_and_shows_line_errors(world, login, client):
    login(world.keeper)
    van = locations.van_for(world.other_technician.id).code
    db.session.commit()
    page = client.get(f"/inventory/load-van?to={van}&lines=HARNESS-12V%202")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "HARNESS-12V 2" in html and f'value="{van}" selected' in html
    refused = post_form(client, "/inventory/load-van", {"to": van, "from": "MAIN",
                                                        "lines": "GARBAGE"})
    assert refused.status_code == 422 and 'id="e-lines"' in refused.get_data(as_text=True)


def test_receiving_terminals_records_imei_and_model_code(world, login, client, api_as):
    db.session.add(Part(sku="TERM-TK915", name="TK915 终端", category="terminal", serialized=True,
                        price=Decimal("420.00"), model_code="TK915"))
    db.session.commit()
    login(world.keeper)
    response = post_form(client, "/inventory/receive", {
        "sku": "TERM-TK915", "qty": "2", "location": "MAIN",
        "serials": "TK0000001\t860000000000025\nTK0000002, 860000000000033\n"})
    assert response.status_code == 302, response.get_data(as_text=True)
    units = {t.terminal_id: t for t in db.session.scalars(
        select(Terminal).where(Terminal.sku == "TERM-TK915"))}
    assert units["TK0000001"].imei == "860000000000025" and units["TK0000001"].model == "TK915"
    assert units["TK0000002"].imei == "860000000000033"
    again = api_as(world.keeper).post("/api/v1/stock/receipts", json={
        "sku": "TERM-TK915", "qty": 1, "serials": ["TK0000003"], "imeis": ["860000000000025"]})
    assert again.status_code == 422 and "imeis.0" in again.get_json()["error"]["fields"]
    not_terminal = api_as(world.keeper).post("/api/v1/stock/receipts", json={
        "sku": "HARNESS-12V", "qty": 1, "imeis": ["860000000000041"]})
    assert not_terminal.status_code == 422
    part = api_as("manager").get("/api/v1/parts", query_string={"q": "TK915"}).get_json()
    assert part["items"][0]["model_code"] == "TK915"


def test_an_orders_pick_list_and_the_days_go_into_the_vans(world, login, client, api_as):
    keeper = api_as(world.keeper)
    keeper.post("/api/v1/stock/receipts", json={"sku": "HARNESS-12V", "qty": 30})
    order_id = world.agent.post("/api/v1/workorders", json=repair_request(world)).get_json()["id"]
    world.manager.post(f"/api/v1/workorders/{order_id}/approve")
    base = f"/api/v1/workorders/{order_id}"
    world.dispatcher.post(f"{base}/planned-parts", json={"items": [{"sku": "HARNESS-12V", "qty": 12}]})
    world.dispatcher.post(f"{base}/assign", json={"technician_id": world.technician.id})
    main, van = locations.main_warehouse(), locations.van_for(world.technician.id)
    assert balance(main.id, "HARNESS-12V")[1] == 12  # reserved at the warehouse for pick-up
    login(world.keeper)
    listing = client.get("/workorders/pick-lists").get_data(as_text=True)
    assert van.code in listing and "HARNESS-12V" in listing
    response = post_form(client, "/workorders/pick-lists", {}, post_url="/workorders/pick-lists/load")
    assert response.status_code == 302
    assert balance(main.id, "HARNESS-12V")[1] == 0
    assert balance(van.id, "HARNESS-12V") == (22, 12)  # 10 carried + 12 loaded, held for the order
    pick = world.dispatcher.get(f"{base}/planned-parts").get_json()["pick_list"]
    assert [(p["sku"], p["location"]) for p in pick] == [("HARNESS-12V", van.code)]
