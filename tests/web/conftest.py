"""A world with one order of each interesting state, for the tests that walk every page."""

from __future__ import annotations

from typing import Any

import pytest

from tests.world import order_on_site


@pytest.fixture
def walk_ids(world) -> dict[str, Any]:
    """The ids that fill the pages' URL arguments, with an order on site and a complaint."""
    order_id = order_on_site(world)
    complaint = world.agent.post("/api/v1/complaints", json={
        "customer_id": world.customer.id, "severity": "minor", "channel": "hotline",
        "description": "安装师傅迟到两小时"})
    assert complaint.status_code == 201, complaint.get_json()
    return {
        "order_id": order_id, "customer_id": world.customer.id, "vehicle_id": world.truck.id,
        "terminal_pk": world.old_terminal.id, "sim_pk": world.old_sim.id,
        "technician_id": world.technician.id, "complaint_id": complaint.get_json()["id"],
        "part_id": world.parts["HARNESS-12V"].id,
        "_users": {"technician": world.technician.user},
    }
