"""Softened rules made firm: a signature needs ink (R7); an outside contractor only when nobody in
house is available, or for a recorded reason (R12)."""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime

from PIL import Image

from dispatch.extensions import db
from tests.support.clock import freeze
from tests.world import order_on_site, repair_request, signature_png
from workorders.models import WorkOrder


def _png(image: Image.Image) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def test_a_blank_signature_is_refused_with_a_field_error(world):
    order_id = order_on_site(world)
    base = f"/api/v1/workorders/{order_id}"
    specks = Image.new("RGB", (300, 100), "white")
    for x in range(5):
        specks.putpixel((x, 0), (0, 0, 0))
    for blank in (Image.new("RGB", (300, 100), "white"), Image.new("RGBA", (300, 100), (0, 0, 0, 0)),
                  Image.new("L", (300, 100), 250), specks):
        refused = world.tech.post(f"{base}/complete", json={
            "resolution": "重新插拔", "payment_method": "none", "amount_collected": "0",
            "signature_png_base64": _png(blank)}, headers={"Accept-Language": "en"})
        assert refused.status_code == 422, refused.get_json()
        assert "blank" in refused.get_json()["error"]["fields"]["signature"]
    db.session.expire_all()
    order = db.session.get(WorkOrder, order_id)
    assert (order.status, order.signature_path) == ("on_site", None)
    strokes = Image.new("RGBA", (300, 100), (0, 0, 0, 0))  # ink on a transparent page
    for x in range(20, 280):
        strokes.putpixel((x, 50), (0, 0, 0, 255))
    done = world.tech.post(f"{base}/complete", json={
        "resolution": "重新插拔", "payment_method": "none", "amount_collected": "0",
        "signature_png_base64": _png(strokes)})
    assert done.status_code == 200, done.get_json()


def _urgent(world) -> str:
    created = world.agent.post("/api/v1/workorders",
                               json=repair_request(world, priority="urgent")).get_json()
    base = f"/api/v1/workorders/{created['id']}"
    assert world.manager.post(f"{base}/approve").status_code == 200
    return base


def test_a_contractor_while_in_house_technicians_are_free_needs_a_reason(
        world, make_technician, monkeypatch):
    freeze(monkeypatch, datetime(2026, 12, 2, 2, 0, tzinfo=UTC))  # 10:00 in Shanghai: on shift
    contractor = make_technician(username="outside", contractor=True)
    base = _urgent(world)
    refused = world.manager.post(f"{base}/assign", json={"technician_id": contractor.id},
                                 headers={"Accept-Language": "en"})
    assert refused.status_code == 422
    why = refused.get_json()["error"]["fields"]["contractor_reason"]
    assert "available" in why and world.technician.name in why
    assert world.manager.get(base).get_json()["status"] == "approved"
    done = world.manager.post(f"{base}/assign", json={
        "technician_id": contractor.id, "contractor_reason": "客户指定外协厂家"})
    assert done.status_code == 200, done.get_json()
    history = world.manager.get(base).get_json()["history"]
    assert any("客户指定外协厂家" in (event.get("note") or "") for event in history)


def test_a_contractor_when_nobody_in_house_is_available(world, make_technician, monkeypatch):
    freeze(monkeypatch, datetime(2026, 12, 2, 15, 0, tzinfo=UTC))  # 23:00 in Shanghai: off shift
    contractor = make_technician(username="outside", contractor=True)
    base = _urgent(world)
    done = world.manager.post(f"{base}/assign", json={"technician_id": contractor.id})
    assert done.status_code == 200, done.get_json()
    assert world.manager.get(base).get_json()["contractor_approved_by_id"] is not None


def test_the_signature_helper_has_ink():
    assert base64.b64decode(signature_png())


def test_a_repair_with_no_date_on_record_asks_for_the_purchase_date(world):
    """R1, R2: no install or purchase date for the vehicle — the intake asks, the fee says
    "warranty unknown" and charges nothing, and completing needs the date."""
    request = repair_request(world, plate="浙A77777")
    request.pop("purchase_date")
    created = world.agent.post("/api/v1/workorders", json=request,
                               headers={"Accept-Language": "en"})
    assert created.status_code == 201, created.get_json()
    assert any("purchase date" in warning for warning in created.get_json()["warnings"])
    order_id = created.get_json()["id"]
    base = f"/api/v1/workorders/{order_id}"
    assert world.manager.post(f"{base}/approve").status_code == 200
    assert world.dispatcher.post(f"{base}/assign",
                                 json={"technician_id": world.technician.id}).status_code == 200
    for status in ("en_route", "on_site"):
        assert world.tech.post(f"{base}/status", json={"status": status}).status_code == 200
    assert world.tech.post(f"{base}/parts", json={"sku": "RELAY-5P", "qty": 1}).status_code == 201
    fee = world.tech.get(f"{base}/fee").get_json()
    assert (fee["basis"], fee["fee"], fee["in_warranty"]) == ("warranty_unknown", "0.00", None)
    job = next(j for j in world.tech.get("/api/v1/tablet/today").get_json()["jobs"]
               if j["id"] == order_id)
    assert job["fee"]["basis"] == "warranty_unknown" and not job["fee"]["charged"]
    body = {"resolution": "更换继电器", "payment_method": "none", "amount_collected": "0",
            "signature_png_base64": signature_png()}
    refused = world.tech.post(f"{base}/complete", json=body, headers={"Accept-Language": "en"})
    assert refused.status_code == 422
    assert "purchase date" in refused.get_json()["error"]["fields"]["purchase_date"]
    db.session.expire_all()
    assert db.session.get(WorkOrder, order_id).purchase_date is None
    # Bought three years ago: out of warranty, the part is charged.
    done = world.tech.post(f"{base}/complete", json={
        **body, "purchase_date": "2023-01-05", "payment_method": "cash",
        "amount_collected": "45.00"})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["fee"] == "45.00"
    order = db.session.get(WorkOrder, order_id)
    assert order.purchase_date.isoformat() == "2023-01-05" and order.in_warranty is False


def test_a_repair_with_a_date_on_record_is_not_asked(world):
    created = world.agent.post("/api/v1/workorders", json=repair_request(world),
                               headers={"Accept-Language": "en"}).get_json()
    assert not any("purchase date" in warning for warning in created["warnings"])
