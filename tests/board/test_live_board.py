"""The live board's stream (board/stream.py, board/live.py): a snapshot with its version, then
only what each committed change changed; a board at an old version re-syncs; only those who
may see the board get it; Redis carries the changes between two app instances."""

from __future__ import annotations

from dispatch import create_app
from dispatch.broker import broker
from dispatch.extensions import db
from tests.board.live_support import Stream, serving
from tests.world import repair_request
from workorders.models import WorkOrder


def _approved(world, **extra) -> int:
    order_id = world.agent.post("/api/v1/workorders",
                                json=repair_request(world, **extra)).get_json()["id"]
    assert world.manager.post(f"/api/v1/workorders/{order_id}/approve").status_code == 200
    return order_id


def _assign(world, order_id: int) -> None:
    answer = world.dispatcher.post(f"/api/v1/workorders/{order_id}/assign",
                                   json={"technician_id": world.technician.id})
    assert answer.status_code == 200, answer.get_json()


def test_a_change_carries_only_the_changed_order(app, world):
    orders = [_approved(world, lat=30.27 + i / 100, lon=120.15) for i in range(3)]
    with serving(app) as base:
        stream = Stream(base, world.dispatcher.token)
        try:
            snapshot = stream.next("snapshot")
            assert [o["id"] for o in snapshot["data"]["board"]["queue"]] == orders
            _assign(world, orders[1])
            change = stream.next("change")
        finally:
            stream.close()
    data = change["data"]
    assert data["after"] == snapshot["id"] and change["id"] == data["version"]
    assert data["orders"] == [] and data["removed"] == [orders[1]]
    assert data["queue"] == [orders[0], orders[2]] and data["open_total"] == 2
    assert [t["id"] for t in data["technicians"]] == [world.technician.id]
    assert [s["order_id"] for s in data["technicians"][0]["route"]] == [orders[1]]
    assert change["bytes"] < snapshot["bytes"]


def test_a_new_order_comes_as_its_row(app, world):
    first = _approved(world)
    with serving(app) as base:
        stream = Stream(base, world.dispatcher.token)
        try:
            stream.next("snapshot")
            second = _approved(world, priority="urgent", lat=30.3, lon=120.2)
            change = stream.next("change")
            while not any(o["status"] == "approved" for o in change["data"]["orders"]):
                change = stream.next("change")  # intake (already in the queue), then approval
        finally:
            stream.close()
    data = change["data"]
    assert [o["id"] for o in data["orders"]] == [second] and data["queue"] == [second, first]
    assert data["orders"][0]["status"] == "approved" and data["orders"][0]["site_lat"] == 30.3


def test_a_board_at_an_old_version_gets_a_snapshot_and_at_the_current_one_goes_on(app, world):
    first = _approved(world)
    with serving(app) as base:
        stream = Stream(base, world.dispatcher.token)
        version = stream.next("snapshot")["id"]
        stream.close()
        _assign(world, first)  # missed by the closed stream
        old = Stream(base, world.dispatcher.token, last_event_id=version)
        try:
            resync = old.next("snapshot")
        finally:
            old.close()
        assert resync["id"] != version and resync["data"]["board"]["queue"] == []
        current = Stream(base, world.dispatcher.token, last_event_id=resync["id"])
        try:
            second = _approved(world)
            change = current.next()  # no snapshot first: the board was current
        finally:
            current.close()
    assert change["event"] == "change" and change["data"]["after"] == resync["id"]
    assert second in change["data"]["queue"] or change["data"]["removed"] == [second]


def test_only_those_who_may_see_the_board_get_the_stream(app, world):
    with serving(app) as base:
        for token, status in ((world.tech.token, 403), (world.agent.token, 403), ("nonsense", 401)):
            refused = Stream(base, token)
            assert refused.status == status
            refused.close()


def test_a_single_threaded_server_answers_no_content(world):
    """gunicorn's sync workers: the board keeps polling."""
    answer = world.dispatcher.get("/api/v1/dispatch/board/stream")
    assert answer.status_code == 204


def test_redis_carries_a_change_between_two_app_instances(database_url, tmp_path, redis_server,
                                                         world):
    settings = {"DISPATCH_ENV": "testing", "SECRET_KEY": "test-secret-key",
                "SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": redis_server.url,
                "FILE_STORAGE": str(tmp_path / "files")}
    order_id = _approved(world)
    reader_app, writer_app = create_app(settings), create_app(settings)
    try:
        with serving(reader_app) as base:
            stream = Stream(base, world.dispatcher.token)
            try:
                stream.next("snapshot")
                with writer_app.app_context():
                    order = db.session.get(WorkOrder, order_id)
                    assert order is not None
                    order.priority = "urgent"
                    db.session.commit()
                    db.session.remove()
                change = stream.next("change")
            finally:
                stream.close()
    finally:
        for instance in (reader_app, writer_app):
            with instance.app_context():
                broker().close()
                db.engine.dispose()
    assert [o["id"] for o in change["data"]["orders"]] == [order_id]
    assert change["data"]["orders"][0]["priority"] == "urgent"


def test_a_change_the_stream_cannot_describe_sends_a_snapshot(app, world):
    """A customer renamed changes rows the change cannot name: the board gets a snapshot."""
    _approved(world)
    with serving(app) as base:
        stream = Stream(base, world.dispatcher.token)
        try:
            first = stream.next("snapshot")
            world.customer.name = "杭州顺达物流集团"
            db.session.commit()
            again = stream.next()
        finally:
            stream.close()
    assert again["event"] == "snapshot" and again["id"] != first["id"]
    assert again["data"]["board"]["queue"][0]["customer_name"] == "杭州顺达物流集团"


def test_a_reported_position_comes_as_the_technicians_row(app, world):
    """Positions move no version: a ``positions`` event, with the technician's row."""
    with serving(app) as base:
        stream = Stream(base, world.dispatcher.token)
        try:
            first = stream.next("snapshot")
            reported = world.tech.post(f"/api/v1/technicians/{world.technician.id}/location",
                                       json={"lat": 30.3, "lon": 120.2})
            assert reported.status_code == 200, reported.get_json()
            positions = stream.next("positions")
        finally:
            stream.close()
    assert "id" not in positions, "no version: a board's version stays where it was"
    [row] = positions["data"]["technicians"]
    assert (row["id"], row["position_source"], row["lat"], row["lon"]) == (
        world.technician.id, "reported", 30.3, 120.2)
    assert first["data"]["board"]["technicians"]
