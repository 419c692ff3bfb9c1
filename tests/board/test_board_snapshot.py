"""The board is a snapshot per process and role set (dispatch.cache): any committed change to
orders, customers, vehicles or the roster is on the next refresh; technicians' positions are
at most DISPATCH_BOARD_MAX_AGE_SECONDS old."""

import orjson
from sqlalchemy import update

from dispatch import cache
from dispatch.extensions import db
from tests.world import repair_request
from workorders.models import WorkOrder

BOARD = "/api/v1/dispatch/board"


def _board(api) -> dict:
    response = api.get(BOARD)
    assert response.status_code == 200
    return response.get_json()


def _queue(api) -> list[int]:
    return [order["id"] for order in _board(api)["queue"]]


def _version() -> tuple[int, int] | None:
    db.session.rollback()  # a new snapshot of the database, as a new request would take
    return cache.current_version("board")


def _row(board: dict, technician_id: int) -> dict:
    return next(t for t in board["technicians"] if t["id"] == technician_id)


def test_every_order_change_is_on_the_next_refresh(world):
    first = world.agent.post("/api/v1/workorders", json=repair_request(world)).get_json()["id"]
    assert _queue(world.dispatcher) == [first]
    second = world.agent.post("/api/v1/workorders", json=repair_request(world)).get_json()["id"]
    assert _queue(world.dispatcher) == [first, second]
    assert world.manager.post(f"/api/v1/workorders/{first}/approve").status_code == 200
    assert world.dispatcher.post(f"/api/v1/workorders/{first}/assign",
                                 json={"technician_id": world.technician.id}).status_code == 200
    board = _board(world.dispatcher)
    assert [order["id"] for order in board["queue"]] == [second]
    assert [stop["order_id"] for stop in _row(board, world.technician.id)["route"]] == [first]
    assert _row(board, world.technician.id)["load"] == 1


def test_a_customer_renamed_is_on_the_next_refresh(world):
    world.agent.post("/api/v1/workorders", json=repair_request(world))
    assert _board(world.dispatcher)["queue"][0]["customer_name"] == "杭州顺达物流有限公司"
    world.customer.name = "杭州顺达物流集团"
    db.session.commit()
    assert _board(world.dispatcher)["queue"][0]["customer_name"] == "杭州顺达物流集团"


def test_positions_are_at_most_the_maximum_age_old(app, world, monkeypatch):
    technician = world.technician
    assert _row(_board(world.dispatcher), technician.id)["position_source"] == "home"
    before = _version()
    reported = world.tech.post(f"/api/v1/technicians/{technician.id}/location",
                               json={"lat": 30.3, "lon": 120.2})
    assert reported.status_code == 200, reported.get_json()
    assert _version() == before, "a position report does not move the board's version"
    assert _row(_board(world.dispatcher), technician.id)["position_source"] == "home"

    later = cache.time.monotonic() + app.config["DISPATCH_BOARD_MAX_AGE_SECONDS"] + 1
    monkeypatch.setattr(cache.time, "monotonic", lambda: later)
    row = _row(_board(world.dispatcher), technician.id)
    assert (row["position_source"], row["lat"], row["lon"]) == ("reported", 30.3, 120.2)


def test_each_role_set_has_its_own_snapshot(world, make_user, api_as):
    """A manager's snapshot holds a secret customer's order (R18); a dispatcher asking right
    after never gets it."""
    from dispatch.registry.models import Customer

    secret = Customer(name="保密客户", contact_name="赵", phone="+8613900139000", address="杭州",
                      confidentiality="secret")
    db.session.add(secret)
    db.session.commit()
    hidden = world.manager.post("/api/v1/workorders", json={
        **repair_request(world), "customer_id": secret.id, "plate": "浙B54321"}).get_json()["id"]
    boss = api_as(make_user("manager", "dispatcher"))
    assert hidden in _queue(boss)
    assert hidden not in _queue(world.dispatcher)
    assert hidden in _queue(boss)


def test_a_bulk_update_moves_the_version_when_it_commits(world):
    order = world.agent.post("/api/v1/workorders", json=repair_request(world)).get_json()["id"]
    assert _board(world.dispatcher)["queue"][0]["priority"] == "normal"
    before = _version()
    db.session.execute(update(WorkOrder).where(WorkOrder.id == order).values(priority="urgent"))
    assert cache.current_version("board") == before, "not before the commit"
    db.session.commit()
    assert _version() != before
    assert _board(world.dispatcher)["queue"][0]["priority"] == "urgent"


def test_a_change_rolled_back_leaves_the_version(world):
    world.agent.post("/api/v1/workorders", json=repair_request(world))
    before = _version()
    world.customer.name = "改名未保存"
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert _version() == before
    assert _board(world.dispatcher)["queue"][0]["customer_name"] == "杭州顺达物流有限公司"


def test_a_change_inside_a_savepoint_moves_the_version_when_the_transaction_commits(world):
    before = _version()
    with db.session.begin_nested():
        world.customer.name = "杭州顺达物流集团"
    assert cache.current_version("board") == before
    db.session.commit()
    assert _version() != before


def test_a_transaction_that_changed_orders_reads_its_own_board(world, make_user):
    """Within the transaction that made a change, the board is computed, not shared."""
    from board.dayplan import board_json

    def first_priority() -> str:
        return orjson.loads(board_json(user))["queue"][0]["priority"]

    user = make_user("dispatcher")
    order = world.agent.post("/api/v1/workorders", json=repair_request(world)).get_json()["id"]
    assert first_priority() == "normal"
    db.session.get(WorkOrder, order).priority = "urgent"
    assert first_priority() == "urgent"
    db.session.rollback()
    assert first_priority() == "normal"


def test_the_day_planner_starts_on_today_in_the_configured_zone(new_years_eve, make_user, login):
    page = login(make_user("dispatcher")).get("/board").get_data(as_text=True)
    assert 'data-today="2027-01-01"' in page
    assert 'id="plan-date" name="date" type="date" value="2027-01-01"' in page
