"""The clocks of R10, R15 and R16 with the app's clock fixed: arrival targets and the late /
at-risk lists with their alert, the complaint's 3-day answer, the same-day notice alert late
in the day, promised reply times kept or missed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from dispatch.auth.models import User, UserRole
from dispatch.extensions import db
from dispatch.handovers.log import Notification
from tests.support.clock import freeze
from tests.world import repair_request
from workorders.care import clocks as complaint_clocks
from workorders.models import WorkOrder
from workorders.promises import clocks

# Friday 4 December 2026, 10:00 in Shanghai.
FRIDAY_10 = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)


def _notes(role: str) -> list[str]:
    return list(db.session.scalars(select(Notification.message).join(
        UserRole, UserRole.user_id == Notification.user_id).where(UserRole.role == role)))


def test_targets_urgent_four_hours_normal_end_of_next_working_day(app):
    assert clocks.arrival_target(FRIDAY_10, "urgent") == FRIDAY_10 + timedelta(hours=4)
    # Friday's normal call: Monday 18:00 in Shanghai (the weekend is not a working day).
    assert clocks.arrival_target(FRIDAY_10, "normal") == datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    # A Saturday call: Monday 18:00 too (Monday is the next working day).
    saturday = FRIDAY_10 + timedelta(days=1)
    assert clocks.arrival_target(saturday, "normal") == datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    app.config["DISPATCH_ARRIVAL_URGENT_HOURS"] = 2
    assert clocks.arrival_target(FRIDAY_10, "urgent") == FRIDAY_10 + timedelta(hours=2)


def test_an_order_gets_its_target_at_intake_and_in_its_json(monkeypatch, world):
    freeze(monkeypatch, FRIDAY_10)
    created = world.agent.post("/api/v1/workorders", json=repair_request(world, priority="urgent"))
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert datetime.fromisoformat(body["arrive_by"]) == FRIDAY_10 + timedelta(hours=4)
    assert body["arrival"] == ""
    order = db.session.get(WorkOrder, body["id"])
    assert order.arrive_by == FRIDAY_10 + timedelta(hours=4)


def test_late_and_at_risk_lists_and_one_alert_per_late_order(monkeypatch, world, make_user):
    manager = make_user("manager")
    freeze(monkeypatch, FRIDAY_10)
    urgent = world.agent.post("/api/v1/workorders",
                              json=repair_request(world, priority="urgent")).get_json()["id"]
    normal = world.agent.post("/api/v1/workorders", json=repair_request(world)).get_json()["id"]

    freeze(monkeypatch, FRIDAY_10 + timedelta(hours=3, minutes=30))  # 30 min before the target
    listed = clocks.orders_late_or_at_risk(manager)
    assert (listed["late"], listed["at_risk"]) == (0, 1)
    assert [(row.id, row.state) for row in listed["items"]] == [(urgent, "at_risk")]
    clocks.alert_late_arrivals()
    assert not _notes("manager")

    freeze(monkeypatch, FRIDAY_10 + timedelta(hours=4, minutes=1))
    body = world.dispatcher.get("/api/v1/workorders/late").get_json()
    assert (body["late"], body["at_risk"]) == (1, 0)
    assert body["items"][0]["id"] == urgent and body["items"][0]["state"] == "late"
    assert world.agent.get(f"/api/v1/workorders/{urgent}").get_json()["arrival"] == "late"
    clocks.alert_late_arrivals()
    clocks.alert_late_arrivals()  # the sweep runs again: no second alert
    notes = _notes("manager")
    assert len(notes) == len(db.session.scalars(select(User).join(UserRole).where(
        UserRole.role == "manager")).all())
    assert all("is late" in note for note in notes)

    # Once on site the order is off the lists; the normal order is late only after Monday 18:00.
    order = db.session.get(WorkOrder, urgent)
    order.status, order.approved_by_id, order.technician_id = "on_site", manager.id, world.technician.id
    db.session.commit()
    freeze(monkeypatch, datetime(2026, 12, 7, 10, 1, tzinfo=UTC))
    listed = clocks.orders_late_or_at_risk(manager)
    assert [(row.id, row.state) for row in listed["items"]] == [(normal, "late")]


def test_the_board_marks_late_orders(monkeypatch, world):
    freeze(monkeypatch, FRIDAY_10)
    order_id = world.agent.post("/api/v1/workorders",
                                json=repair_request(world, priority="urgent")).get_json()["id"]
    freeze(monkeypatch, FRIDAY_10 + timedelta(hours=5))
    board = world.dispatcher.get("/api/v1/dispatch/board").get_json()
    item = next(i for i in board["queue"] if i["id"] == order_id)
    assert item["arrival"] == "late"
    assert board["arrival"]["late"] == 1


def _complaint(world, **extra):
    response = world.agent.post("/api/v1/complaints", json={
        "customer_id": world.customer.id, "severity": "major", "channel": "hotline",
        "description": "师傅没按约定时间来", **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_answer_due_in_three_days_and_a_promise_no_later_than_due(monkeypatch, world):
    freeze(monkeypatch, FRIDAY_10)
    body = _complaint(world)
    assert datetime.fromisoformat(body["answer_due_at"]) == FRIDAY_10 + timedelta(days=3)
    late_promise = (FRIDAY_10 + timedelta(days=16)).isoformat()
    refused = world.agent.post(f"/api/v1/complaints/{body['id']}/notice",
                               json={"promised_reply_at": late_promise})
    assert refused.status_code == 422
    assert "promised_reply_at" in refused.get_json()["error"]["fields"]
    assert world.agent.get(f"/api/v1/complaints/{body['id']}").get_json()["notice_at"] is None

    freeze(monkeypatch, FRIDAY_10 + timedelta(days=3, minutes=1))
    overdue = world.agent.get("/api/v1/complaints?view=answer_overdue").get_json()["items"]
    assert [c["id"] for c in overdue] == [body["id"]]
    complaint_clocks.check_complaint_clocks()
    assert any("no answer after 3 days" in note for note in _notes("manager"))


def test_same_day_notice_alert_goes_to_agents_late_in_the_day_once(monkeypatch, world):
    freeze(monkeypatch, FRIDAY_10)
    waiting = _complaint(world)
    told = _complaint(world)
    assert world.agent.post(f"/api/v1/complaints/{told['id']}/notice", json={
        "promised_reply_at": (FRIDAY_10 + timedelta(days=1)).isoformat()}).status_code == 200

    freeze(monkeypatch, datetime(2026, 12, 4, 7, 59, tzinfo=UTC))  # 15:59 in Shanghai
    complaint_clocks.check_complaint_clocks()
    assert not [n for n in _notes("agent") if "tell the customer today" in n]

    freeze(monkeypatch, datetime(2026, 12, 4, 8, 0, tzinfo=UTC))  # 16:00
    complaint_clocks.check_complaint_clocks()
    complaint_clocks.check_complaint_clocks()
    alerts = [n for n in _notes("agent") if "tell the customer today" in n]
    agents = db.session.scalars(select(User).join(UserRole).where(UserRole.role == "agent")).all()
    assert len(alerts) == len(agents)
    assert all(waiting["number"] in n for n in alerts)


def test_promised_replies_are_listed_kept_missed_or_replaced(monkeypatch, world):
    freeze(monkeypatch, FRIDAY_10)
    kept, missed, replaced = _complaint(world), _complaint(world), _complaint(world)
    for complaint, hours in ((kept, 5), (missed, 5), (replaced, 5)):
        assert world.agent.post(f"/api/v1/complaints/{complaint['id']}/notice", json={
            "promised_reply_at": (FRIDAY_10 + timedelta(hours=hours)).isoformat()}
        ).status_code == 200
    freeze(monkeypatch, FRIDAY_10 + timedelta(hours=2))
    assert world.agent.post(f"/api/v1/complaints/{replaced['id']}/notice", json={
        "promised_reply_at": (FRIDAY_10 + timedelta(hours=30)).isoformat()}).status_code == 200
    resolved = world.manager.post(f"/api/v1/complaints/{kept['id']}/resolve", json={
        "resolution": "已重新上门并道歉", "cause": "service",
        "responsible_department": "field_service"})
    assert resolved.status_code == 200, resolved.get_json()

    freeze(monkeypatch, FRIDAY_10 + timedelta(hours=6))
    states = {(i["number"], i["state"]) for i in
              world.agent.get("/api/v1/complaints/promises").get_json()["items"]}
    assert states == {(kept["number"], "kept"), (missed["number"], "missed"),
                      (replaced["number"], "replaced"), (replaced["number"], "pending")}
    missed_only = world.agent.get("/api/v1/complaints/promises?state=missed").get_json()["items"]
    assert [i["number"] for i in missed_only] == [missed["number"]]
    complaint_clocks.check_complaint_clocks()
    promise_alerts = [n for n in _notes("agent") if "was not given" in n]
    assert promise_alerts and all(missed["number"] in n for n in promise_alerts)
