"""Callbacks (R14): the queue, the close gate, the API's refusals, and the audit sample."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from sqlalchemy import func, select

from dispatch.extensions import db
from tests.care.factory import completed_order
from tests.world import order_on_site, signature_png
from workorders.care import callbacks
from workorders.care.models import AuditCheck, Callback


def _completed_repair(world) -> int:
    order_id = order_on_site(world)
    done = world.tech.post(f"/api/v1/workorders/{order_id}/complete", json={
        "resolution": "重新接线", "payment_method": "none", "amount_collected": "0",
        "signature_png_base64": signature_png()})
    assert done.status_code == 200, done.get_json()
    return order_id


def _callbacks() -> int:
    return db.session.scalar(select(func.count(Callback.id)))


def test_close_waits_for_a_reached_callback(world):
    order_id = _completed_repair(world)
    queue = world.agent.get("/api/v1/callbacks/queue").get_json()["items"]
    assert [item["id"] for item in queue] == [order_id]
    refused = world.agent.post(f"/api/v1/workorders/{order_id}/close")
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "callback_missing"
    called = world.agent.post("/api/v1/callbacks", json={
        "workorder_id": order_id, "reached": True, "satisfaction": 4, "notes": "满意"})
    assert called.status_code == 201, called.get_json()
    assert called.get_json()["order_closable"] is True
    assert world.agent.get("/api/v1/callbacks/queue").get_json()["items"] == []
    again = world.agent.post("/api/v1/callbacks", json={"workorder_id": order_id, "reached": True})
    assert again.status_code == 409
    assert world.agent.post(f"/api/v1/workorders/{order_id}/close").status_code == 200
    assert world.agent.post("/api/v1/callbacks", json={
        "workorder_id": order_id, "reached": False}).status_code == 409


def test_after_the_failed_attempts_a_manager_decides(world, app, api_as):
    """R14 says every repair is called back: after the set number of failed attempts the order
    does not close by itself but waits for a manager's decision, recorded with its reason."""
    app.config["DISPATCH_CALLBACK_ATTEMPTS"] = 2
    order_id = _completed_repair(world)
    first = world.agent.post("/api/v1/callbacks", json={"workorder_id": order_id, "reached": False})
    assert first.get_json()["order_closable"] is False
    too_early = world.manager.post("/api/v1/callbacks/decisions",
                                   json={"workorder_id": order_id, "reason": "打不通"})
    assert too_early.status_code == 409
    assert world.agent.post(f"/api/v1/workorders/{order_id}/close").status_code == 409
    second = world.agent.post("/api/v1/callbacks", json={"workorder_id": order_id,
                                                         "reached": False})
    assert second.get_json()["order_closable"] is False
    queued = world.agent.get("/api/v1/callbacks/queue").get_json()["items"]
    assert [(i["id"], i["waiting_for_decision"]) for i in queued] == [(order_id, True)]
    waiting = world.agent.post(f"/api/v1/workorders/{order_id}/close")
    assert waiting.status_code == 409 and waiting.get_json()["error"]["code"] == "callback_decision"
    assert world.agent.post("/api/v1/callbacks/decisions",
                            json={"workorder_id": order_id, "reason": "x"}).status_code == 403
    no_reason = world.manager.post("/api/v1/callbacks/decisions",
                                   json={"workorder_id": order_id, "reason": " "})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["error"]["fields"]
    decided = world.manager.post("/api/v1/callbacks/decisions",
                                 json={"workorder_id": order_id, "reason": "三天五次未接通，客户已搬迁"})
    assert decided.status_code == 201, decided.get_json()
    assert world.manager.post("/api/v1/callbacks/decisions",
                              json={"workorder_id": order_id, "reason": "again"}).status_code == 409
    assert world.agent.get("/api/v1/callbacks/queue").get_json()["items"] == []
    assert world.agent.post(f"/api/v1/workorders/{order_id}/close").status_code == 200


def test_callback_refusals_write_nothing(world, api_as):
    order_id = order_on_site(world)
    body = {"workorder_id": order_id, "reached": True}
    assert api_as(None).post("/api/v1/callbacks", json=body).status_code == 401
    assert world.manager.post("/api/v1/callbacks", json=body).status_code == 403
    assert world.dispatcher.post("/api/v1/callbacks", json=body).status_code == 403
    assert world.agent.post("/api/v1/callbacks", json={**body, "satisfaction": 6}).status_code == 422
    unreached = world.agent.post("/api/v1/callbacks", json={**body, "reached": False,
                                                            "satisfaction": 3})
    assert unreached.status_code == 422 and "satisfaction" in unreached.get_json()["error"]["fields"]
    assert world.agent.post("/api/v1/callbacks", json={**body, "workorder_id": 999}).status_code == 422
    assert world.agent.post("/api/v1/callbacks", json=body).status_code == 409  # not completed
    assert _callbacks() == 0


def test_install_orders_close_without_callback(world, make_user):
    agent = make_user("agent")
    order = completed_order(world, agent, "install", datetime(2026, 5, 1, tzinfo=UTC))
    db.session.commit()
    assert world.agent.post(f"/api/v1/workorders/{order.id}/close").status_code == 200


def test_quarter_sample_is_reproducible_and_ceil_20_percent(world, make_user):
    manager = make_user("manager")
    in_quarter = [completed_order(world, manager, "repair", datetime(2026, 7, 1, 3, tzinfo=UTC)
                                  .replace(day=1 + i % 28, month=7 + i % 3)).id
                  for i in range(23)]
    # Outside the quarter (Shanghai time) or not a repair: never drawn.
    completed_order(world, manager, "repair", datetime(2026, 6, 30, 15, 59, tzinfo=UTC))
    completed_order(world, manager, "repair", datetime(2026, 9, 30, 16, 0, tzinfo=UTC))
    completed_order(world, manager, "install", datetime(2026, 8, 1, tzinfo=UTC))
    first_of_july = completed_order(world, manager, "repair", datetime(2026, 6, 30, 16, 0,
                                                                      tzinfo=UTC)).id
    db.session.commit()
    population = callbacks.quarter_repair_ids(2026, 3)
    assert population == sorted([*in_quarter, first_of_july])
    sample = callbacks.draw_sample(population, 2026, 3, seed=42)
    assert len(sample) == math.ceil(len(population) * 0.2) == 5
    assert set(sample) <= set(population)
    assert callbacks.draw_sample(list(reversed(population)), 2026, 3, seed=42) == sample
    assert any(callbacks.draw_sample(population, 2026, 3, seed=s) != sample for s in range(1, 6))
    assert callbacks.draw_sample([], 2026, 3, seed=1) == []

    checks = callbacks.create_audit_sample(2026, 3, 42, manager)
    db.session.commit()
    assert sorted(c.workorder_id for c in checks) == sample
    callbacks.record_audit_check(checks[0].id, {"result": "ok", "notes": ""}, manager)
    db.session.commit()
    assert db.session.get(AuditCheck, checks[0].id).result == "ok"


def test_the_callback_page_asks_a_manager_to_decide(world, app, make_user, login):
    from tests.conftest import csrf_from

    app.config["DISPATCH_CALLBACK_ATTEMPTS"] = 1
    order_id = _completed_repair(world)
    assert world.agent.post("/api/v1/callbacks",
                            json={"workorder_id": order_id, "reached": False}).status_code == 201
    agent_page = login(make_user("agent"), fresh=True).get("/care/callbacks").get_data(as_text=True)
    assert "decision-form" not in agent_page
    browser = login(make_user("manager"), fresh=True)
    page = browser.get("/care/callbacks").get_data(as_text=True)
    assert "decision-form" in page
    refused = browser.post("/care/callbacks/decide", data={
        "workorder_id": order_id, "reason": "", "csrf_token": csrf_from(page)})
    assert refused.status_code == 422
    done = browser.post("/care/callbacks/decide", data={
        "workorder_id": order_id, "reason": "客户电话停机", "csrf_token": csrf_from(page)})
    assert done.status_code == 302
    assert world.agent.post(f"/api/v1/workorders/{order_id}/close").status_code == 200
