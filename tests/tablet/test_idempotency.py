"""The same submission sent twice (same Idempotency-Key) changes things once, on every
technician write endpoint; a key reused for something else is refused."""

import base64
import io
import uuid

from PIL import Image
from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.web.idempotency import IdempotencyKey
from inventory.models import StockMovement
from tests.world import order_on_site, repair_request, signature_png
from workorders.models import OrderPart, Swap, WorkOrder, WorkOrderEvent
from workorders.photos import OrderPhoto


def jpeg_base64(size=(64, 48)) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, format="JPEG")
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def twice(api, path, body):
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    first = api.post(path, json=body, headers=headers)
    second = api.post(path, json=body, headers=headers)
    assert first.status_code in (200, 201), first.get_json()
    assert second.status_code == first.status_code
    assert second.get_json() == first.get_json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    return first


def count(model, **where):
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


def assigned_order(world) -> int:
    order_id = world.agent.post("/api/v1/workorders", json=repair_request(world)).get_json()["id"]
    world.manager.post(f"/api/v1/workorders/{order_id}/approve")
    world.dispatcher.post(f"/api/v1/workorders/{order_id}/assign",
                          json={"technician_id": world.technician.id})
    return order_id


def test_status_applied_once(world):
    order_id = assigned_order(world)
    twice(world.tech, f"/api/v1/workorders/{order_id}/status",
          {"status": "en_route", "lat": 30.2, "lon": 120.1})
    assert count(WorkOrderEvent, order_id=order_id, to_status="en_route",
                 action="en_route") == 1


def test_swaps_parts_photos_and_completion_applied_once(world):
    order_id = order_on_site(world)
    base = f"/api/v1/workorders/{order_id}"
    swap = twice(world.tech, f"{base}/swaps",
                 {"kind": "terminal", "old": "HZ00000001", "new": "HZ00000002"})
    assert swap.status_code == 201 and swap.get_json()["new"] == "HZ00000002"
    twice(world.tech, f"{base}/swaps",
          {"kind": "sim", "old": "8986001234567890120", "new": "89860012345678901238"})
    twice(world.tech, f"{base}/parts", {"sku": "HARNESS-12V", "qty": 1})
    photo = twice(world.tech, f"{base}/photos", {"stage": "before", "image_base64": jpeg_base64()})
    assert photo.get_json()["stage"] == "before"
    assert count(Swap, order_id=order_id) == 2
    assert count(OrderPart, order_id=order_id, sku="HARNESS-12V") == 1
    assert count(OrderPhoto, order_id=order_id) == 1

    done = twice(world.tech, f"{base}/complete", {
        "resolution": "更换终端和SIM卡", "payment_method": "cash", "amount_collected": "435.50",
        "signature_png_base64": signature_png()})
    assert done.get_json()["status"] == "completed" and done.get_json()["fee"] == "435.50"
    assert count(WorkOrderEvent, order_id=order_id, action="complete") == 1
    assert count(StockMovement, work_order_id=order_id, kind="consume") == 3
    order = db.session.get(WorkOrder, order_id)
    assert str(order.amount_collected) == "435.50"
    assert count(IdempotencyKey) == 5


def test_reused_key_for_another_submission_is_refused(world):
    order_id = order_on_site(world)
    headers = {"Idempotency-Key": "same-key"}
    base = f"/api/v1/workorders/{order_id}"
    assert world.tech.post(f"{base}/parts", json={"sku": "HARNESS-12V", "qty": 1},
                           headers=headers).status_code == 201
    other_body = world.tech.post(f"{base}/parts", json={"sku": "HARNESS-12V", "qty": 2},
                                 headers=headers)
    assert other_body.status_code == 422
    assert "Idempotency-Key" in other_body.get_json()["error"]["fields"]
    other_path = world.tech.post(f"{base}/swaps", json={"kind": "sim", "new": "8986001234567890138"},
                                 headers=headers)
    assert other_path.status_code == 422
    assert count(OrderPart, order_id=order_id) == 1


def test_keys_are_per_user_and_refusals_are_not_stored(world):
    order_id = order_on_site(world)
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    refused = world.other_tech.post(f"/api/v1/workorders/{order_id}/parts",
                                    json={"sku": "HARNESS-12V", "qty": 1}, headers=headers)
    assert refused.status_code in (403, 404)
    assert count(IdempotencyKey) == 0
    applied = world.tech.post(f"/api/v1/workorders/{order_id}/parts",
                              json={"sku": "HARNESS-12V", "qty": 1}, headers=headers)
    assert applied.status_code == 201


def test_conflict_after_cancellation_is_reported(world):
    order_id = assigned_order(world)
    assert world.manager.post(f"/api/v1/workorders/{order_id}/cancel",
                              json={"reason": "客户取消"}).status_code == 200
    late = world.tech.post(f"/api/v1/workorders/{order_id}/status", json={"status": "en_route"},
                           headers={"Idempotency-Key": str(uuid.uuid4())})
    assert late.status_code in (403, 404, 409)
    assert late.get_json()["error"]["message"]
