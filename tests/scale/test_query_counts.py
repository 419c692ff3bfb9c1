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
def test_list_endpoints_run_a_bounded_number_of_queries(city, api_as, path):
    api = api_as("manager", "dispatcher")
    api.get(path)  # warm the per-process caches (the roster), so both counts are like for like
    with count_statements() as small:
        assert api.get(path.replace("50", "5")).status_code == 200
    with count_statements() as large:
        assert api.get(path).status_code == 200
    assert len(large) == len(small), "statements grow with rows: N+1"
    assert len(large) <= 12


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
