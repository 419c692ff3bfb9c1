"""A small world for work-order tests: parts, a customer whose truck carries a terminal and a
SIM, spares in stock, a technician, and helpers to walk an order through its life."""

from __future__ import annotations

import base64
import io
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from PIL import Image

from dispatch.extensions import db
from dispatch.registry.models import Customer, Installation, Sim, Terminal, Vehicle
from dispatch.timeutil import utcnow
from inventory.models import Part
from tests.support.clock import local_today


def signature_png() -> str:
    image = Image.new("RGB", (300, 100), "white")
    for x in range(20, 280):
        image.putpixel((x, 50 + (x % 20) - 10), (0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture
def world(app, make_user, make_technician, api_as):
    parts = {
        "TERM-GT06N": Part(sku="TERM-GT06N", name="GT06N 终端", category="terminal",
                           serialized=True, price=Decimal("380.00")),
        "SIM-IOT": Part(sku="SIM-IOT", name="物联网卡", category="sim", serialized=True,
                        price=Decimal("30.00")),
        "HARNESS-12V": Part(sku="HARNESS-12V", name="12V 线束", category="harness",
                            price=Decimal("25.50")),
        "RELAY-5P": Part(sku="RELAY-5P", name="断油电继电器", category="relay",
                         price=Decimal("45.00")),
    }
    db.session.add_all(parts.values())
    customer = Customer(name="杭州顺达物流有限公司", contact_name="王伟", phone="+8613800138000",
                        address="浙江省杭州市西湖区文三路100号", lat=30.27, lon=120.13)
    truck = Vehicle(plate="浙A12345", customer=customer)
    old_terminal = Terminal(terminal_id="HZ00000001", imei="860000000000019", model="GT06N",
                            sku="TERM-GT06N", status="installed", vehicle=truck,
                            install_date=local_today() - timedelta(days=500))
    old_sim = Sim(iccid="8986001234567890120", sku="SIM-IOT", status="installed",
                  terminal=old_terminal)
    spare_terminal = Terminal(terminal_id="HZ00000002", model="GT06N", sku="TERM-GT06N")
    spare_terminal_2 = Terminal(terminal_id="HZ00000003", model="GT06N", sku="TERM-GT06N")
    spare_sim = Sim(iccid="89860012345678901238", sku="SIM-IOT")
    spare_sim_2 = Sim(iccid="8986001234567890138", sku="SIM-IOT")
    installed_at = utcnow() - timedelta(days=500)
    db.session.add_all([customer, truck, old_terminal, old_sim, spare_terminal, spare_terminal_2,
                        spare_sim, spare_sim_2,
                        Installation(vehicle=truck, device_kind="terminal", terminal=old_terminal,
                                     installed_at=installed_at),
                        Installation(vehicle=truck, device_kind="sim", sim=old_sim,
                                     installed_at=installed_at)])
    db.session.commit()
    technician = make_technician(username="tech-a")
    other_technician = make_technician(username="tech-b")
    keeper = make_user("warehouse")
    load_van(keeper, technician.id, {"HARNESS-12V": 10, "RELAY-5P": 5},
             {"TERM-GT06N": ["HZ00000002", "HZ00000003"],
              "SIM-IOT": ["89860012345678901238", "8986001234567890138"]})
    return SimpleNamespace(
        customer=customer, truck=truck, old_terminal=old_terminal, old_sim=old_sim,
        spare_terminal=spare_terminal, spare_terminal_2=spare_terminal_2, spare_sim=spare_sim,
        spare_sim_2=spare_sim_2, technician=technician, other_technician=other_technician,
        parts=parts, keeper=keeper, agent=api_as("agent"), manager=api_as("manager"),
        dispatcher=api_as("dispatcher"), tech=api_as(technician.user),
        other_tech=api_as(other_technician.user),
    )


def load_van(user, technician_id: int, counts: dict[str, int],
             serials: dict[str, list[str]]) -> None:
    """Receive into the main warehouse and transfer to the technician's van."""
    from inventory import locations, stock

    van = locations.van_for(technician_id).code
    for sku, qty in counts.items():
        stock.receive({"sku": sku, "qty": qty}, user)
        stock.transfer({"sku": sku, "qty": qty, "from": "MAIN", "to": van}, user)
    for sku, items in serials.items():
        stock.receive({"sku": sku, "qty": len(items), "serials": items}, user)
        stock.transfer({"sku": sku, "qty": len(items), "from": "MAIN", "to": van,
                        "serials": items}, user)
    db.session.commit()


def repair_request(world, **extra):
    return {"kind": "repair", "customer_id": world.customer.id, "plate": "浙A12345",
            "contact_name": "王伟", "contact_phone": "13800138000", "product_model": "GT06N",
            "fault_description": "终端不上线，指示灯不亮", "purchase_date": "2024-03-01", **extra}


def order_on_site(world, **extra) -> int:
    """Intake → approve → assign to ``world.technician`` → en route → on site; returns the id."""
    created = world.agent.post("/api/v1/workorders", json=repair_request(world, **extra))
    assert created.status_code == 201, created.get_json()
    order_id = created.get_json()["id"]
    assert world.manager.post(f"/api/v1/workorders/{order_id}/approve").status_code == 200
    assert world.dispatcher.post(f"/api/v1/workorders/{order_id}/assign",
                                 json={"technician_id": world.technician.id}).status_code == 200
    for status in ("en_route", "on_site"):
        response = world.tech.post(f"/api/v1/workorders/{order_id}/status",
                                   json={"status": status, "lat": 30.26, "lon": 120.12})
        assert response.status_code == 200, response.get_json()
    return order_id
