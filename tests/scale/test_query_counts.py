"""Pages and API lists run a bounded number of SQL statements, whatever the number of rows
(no N+1): counted with SQLAlchemy's statement events."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from dispatch.extensions import db
from dispatch.synth import generate


@contextmanager
def count_statements():
    counted = []

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        counted.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield counted
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


@pytest.fixture
def city(app):
    generate(orders=300, technicians=40, open_orders=200, seed=3)


@pytest.mark.parametrize("path", [
    "/api/v1/workorders?per_page=50",
    "/api/v1/workorders?per_page=50&status=approved",
    "/api/v1/dispatch/board",
    "/api/v1/customers?per_page=50",
    "/api/v1/technicians?per_page=50",
])
def test_list_endpoints_run_a_bounded_number_of_queries(app, city, api_as, path):
    app.config["DISPATCH_BOARD_MAX_AGE_SECONDS"] = 0  # the board computed every time
    api = api_as("manager", "dispatcher")
    api.get(path)  # warm the per-process caches (the roster), so both counts are like for like
    with count_statements() as small:
        assert api.get(path.replace("50", "5")).status_code == 200
    with count_statements() as large:
        assert api.get(path).status_code == 200
    assert len(large) == len(small), "statements grow with rows: N+1"
    assert len(large) <= 12


def test_a_board_refresh_with_nothing_changed_reads_no_orders(city, api_as):
    api = api_as("dispatcher")
    api.get("/api/v1/dispatch/board")
    with count_statements() as statements:
        assert api.get("/api/v1/dispatch/board").status_code == 200
    assert len(statements) <= 3, statements  # the token, the snapshot's version
    assert not any("work_orders" in s for s in statements)


def test_keyset_after_an_order_that_does_not_exist_is_the_end(city, api_as):
    body = api_as("manager").get("/api/v1/workorders?per_page=40&after=999999").get_json()
    assert body["items"] == [] and body["next_after"] is None


def test_keyset_pages_walk_the_list_without_repeats(city, api_as):
    api = api_as("manager")
    seen, after = [], None
    for _ in range(10):
        body = api.get("/api/v1/workorders?per_page=40" + (f"&after={after}" if after else "")).get_json()
        seen += [item["id"] for item in body["items"]]
        after = body["next_after"]
        if after is None:
            break
    assert len(seen) == len(set(seen)) == 300
    with count_statements() as statements:
        api.get(f"/api/v1/workorders?per_page=40&after={seen[100]}")
    assert not any("count(" in s.lower() for s in statements), "keyset pages count nothing"


def test_order_pages_run_a_bounded_number_of_queries(city, client, login, make_user):
    login(make_user("manager"))
    with count_statements() as statements:
        assert client.get("/workorders/").status_code == 200
    assert len(statements) <= 15


def _assign_open_orders(technician, count, with_parts=False):
    """``count`` of the city's open orders assigned to ``technician`` (each with a planned part
    and an installed terminal with a SIM when ``with_parts``)."""
    from decimal import Decimal

    from sqlalchemy import select

    from dispatch.registry.models import Sim, Terminal
    from dispatch.timeutil import utcnow
    from inventory.models import Part
    from workorders.models import PlannedPart, WorkOrder

    if with_parts and db.session.scalar(select(Part).where(Part.sku == "SCALE-1")) is None:
        db.session.add(Part(sku="SCALE-1", name="Harness", category="harness",
                            price=Decimal("10.00")))
    orders = db.session.scalars(select(WorkOrder).where(
        WorkOrder.status == "approved", WorkOrder.technician_id.is_(None))
        .order_by(WorkOrder.id).limit(count)).all()
    for order in orders:
        order.status, order.technician_id, order.assigned_at = "assigned", technician.id, utcnow()
        if with_parts:
            db.session.add(PlannedPart(order_id=order.id, sku="SCALE-1", qty=1))
            terminal = Terminal(terminal_id=f"SC{order.id:08d}", model="GT06N", status="installed",
                                vehicle_id=order.vehicle_id)
            db.session.add(terminal)
            db.session.flush()
            db.session.add(Sim(iccid=f"8986{order.id:015d}", status="installed",
                               terminal_ref=terminal.id))
    db.session.commit()
    assert len(orders) == count


@pytest.mark.parametrize("with_parts", [False, True])
def test_technician_job_list_runs_a_bounded_number_of_queries(city, api_as, make_technician,
                                                              with_parts):
    few, many = make_technician(), make_technician()
    _assign_open_orders(few, 2, with_parts)
    _assign_open_orders(many, 12, with_parts)
    counts = []
    for technician in (few, many):
        api = api_as(technician.user)
        with count_statements() as statements:
            body = api.get("/api/v1/tablet/today").get_json()
        counts.append(len(statements))
        if with_parts:
            assert all(job["pick_list"] and job["installed"][0]["sims"] for job in body["jobs"])
    assert len(body["jobs"]) == 12
    assert counts[0] == counts[1], f"statements grow with jobs: {counts}"
    assert counts[1] <= 20


@pytest.mark.parametrize("path", [
    "/api/v1/workorders?per_page=50&status=approved&priority=urgent",
    "/api/v1/workorders?per_page=50&status=closed&after=100",
    "/api/v1/workorders?per_page=50&priority=normal&after=100",
])
def test_filtered_keyset_order_lists_run_a_bounded_number_of_queries(city, api_as, path):
    api = api_as("dispatcher")
    with count_statements() as small:
        assert api.get(path.replace("per_page=50", "per_page=5")).status_code == 200
    with count_statements() as large:
        assert api.get(path).status_code == 200
    assert len(large) == len(small) <= 8


def test_priority_filter_narrows_the_order_list(city, api_as):
    body = api_as("dispatcher").get("/api/v1/workorders?per_page=200&priority=urgent").get_json()
    assert body["items"] and all(item["priority"] == "urgent" for item in body["items"])


def test_order_list_counts_no_further_than_its_limit(city, api_as, monkeypatch):
    from workorders import queries

    api = api_as("dispatcher")
    body = api.get("/api/v1/workorders?per_page=10").get_json()
    assert body["total"] == 300 and body["total_capped"] is False
    monkeypatch.setattr(queries.counted_page, "__defaults__", (100,))
    monkeypatch.setattr(queries.capped_count, "__defaults__", (100,))
    body = api.get("/api/v1/workorders?per_page=10&page=2").get_json()
    assert body["total"] == 100 and body["total_capped"] is True
    assert len(body["items"]) == 10 and body["page"] == 2
    past_the_end = api.get("/api/v1/workorders?per_page=10&page=40").get_json()
    assert past_the_end["items"] == [] and past_the_end["total"] == 100
    monkeypatch.setattr(queries.counted_page, "__defaults__", (1000,))
    monkeypatch.setattr(queries.capped_count, "__defaults__", (1000,))
    assert api.get("/api/v1/workorders?per_page=10&page=40").get_json()["total"] == 300


def test_order_page_counts_no_further_than_its_limit(city, client, login, make_user, monkeypatch):
    """The order list page (not only the API) stops counting at the limit and says so."""
    from workorders import queries

    login(make_user("dispatcher"))
    page = client.get("/workorders/?page=2").get_data(as_text=True)
    assert "300 orders" in page and "Page 2 of 6" in page
    monkeypatch.setattr(queries.capped_count, "__defaults__", (100,))
    with count_statements() as statements:
        page = client.get("/workorders/?page=9").get_data(as_text=True)
    assert "More than 100 orders" in page and "Page 2 of 2" in page
    assert page.count('class="badge status-') == 50  # one status badge per row
    assert any("LIMIT 101" in s.upper() for s in statements), "the count stops at the limit"


@pytest.mark.parametrize("role", ["dispatcher", "finance"])
def test_order_list_items_match_the_order_summary_schema(city, api_as, make_user, monkeypatch,
                                                         role):
    """The list serialises its rows directly; they must be what ``OrderSummary`` would give,
    masking of confidential customers (R18) included."""
    from decimal import Decimal

    from sqlalchemy import select, update

    from dispatch.registry.models import Customer
    from workorders import schemas
    from workorders.models import WorkOrder

    first = db.session.scalars(select(WorkOrder).order_by(WorkOrder.id.desc()).limit(6)).all()
    db.session.execute(update(Customer).where(Customer.id.in_([o.customer_id for o in first[:3]]))
                       .values(confidentiality="confidential"))
    first[0].fee_override = Decimal("12.5")
    db.session.commit()
    user = make_user(role)
    items = api_as(user).get("/api/v1/workorders?per_page=20").get_json()["items"]
    monkeypatch.setattr("dispatch.web.api.current_api_user", lambda: user)
    for item in items:
        order = db.session.get(WorkOrder, item["id"])
        assert item == schemas.OrderSummary().dump(order)
    if role == "finance":
        assert any(item["site_lat"] is None for item in items)
