"""A world with one order of each interesting state, for the tests that walk every page."""

from __future__ import annotations

from typing import Any

import pytest

from dispatch.extensions import db
from tests.world import order_on_site, signature_png


@pytest.fixture
def walk_ids(world) -> dict[str, Any]:
    """The ids that fill the pages' URL arguments, with an order on site and a complaint; the
    technicians named in Chinese (names are data: a Chinese page may show them)."""
    world.technician.user.name, world.other_technician.user.name = "李师傅", "王师傅"
    db.session.commit()
    done_id = order_on_site(world)
    base = f"/api/v1/workorders/{done_id}"
    assert world.tech.post(f"{base}/swaps", json={
        "kind": "terminal", "old": "HZ00000001", "new": "HZ00000002"}).status_code == 201
    assert world.manager.post(f"{base}/fee-override", json={
        "amount": "300.00", "reason": "老客户优惠"}).status_code == 200
    assert world.tech.post(f"{base}/complete", json={
        "resolution": "更换终端", "payment_method": "cash", "amount_collected": "300.00",
        "signature_png_base64": signature_png()}).status_code == 200
    order_id = order_on_site(world)
    complaint = world.agent.post("/api/v1/complaints", json={
        "customer_id": world.customer.id, "severity": "minor", "channel": "hotline",
        "description": "安装师傅迟到两小时"})
    assert complaint.status_code == 201, complaint.get_json()
    return {
        "order_id": order_id, "done_id": done_id, "customer_id": world.customer.id,
        "vehicle_id": world.truck.id,
        "terminal_pk": world.old_terminal.id, "sim_pk": world.old_sim.id,
        "technician_id": world.technician.id, "complaint_id": complaint.get_json()["id"],
        "part_id": world.parts["HARNESS-12V"].id,
        "_users": {"technician": world.technician.user},
    }
