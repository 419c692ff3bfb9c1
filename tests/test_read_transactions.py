"""Read requests end with COMMIT so psycopg keeps its prepared statements; anything that wrote
is never committed by that."""

from __future__ import annotations

import threading

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select, text, update

from dispatch.extensions import db
from dispatch.registry.models import Customer


def _customer(name: str) -> Customer:
    customer = Customer(name=name, contact_name="王伟", phone="+8613800138000", address="杭州")
    db.session.add(customer)
    db.session.commit()
    return customer


def _names() -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(select(Customer.name).order_by(Customer.id)))


def test_a_read_request_keeps_the_prepared_statements(app, api_as, backend):
    if backend != "postgresql":
        pytest.skip("prepared statements are psycopg's: run with --db=postgresql")
    token = api_as("dispatcher").token
    db.session.remove()
    found: list[int] = []

    def requests() -> None:
        """In a thread of its own, without the test's application context: each request
        pushes and ends its own, as in production."""
        client = FlaskClient(app, app.response_class)
        for _ in range(8):  # psycopg prepares a statement on its fifth run on a connection
            response = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 200
            assert client.get("/healthz").status_code == 200  # a load balancer's probe between
        with app.app_context():
            found.append(db.session.scalar(text(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%api_tokens%'")))

    thread = threading.Thread(target=requests)
    thread.start()
    thread.join()
    assert found == [1], "the token lookup, prepared once and kept across requests"


def test_a_get_that_flushed_is_rolled_back(app, client):
    customer = _customer("原名")

    def rename():
        db.session.get(Customer, customer.id).name = "未提交"
        db.session.flush()
        return {"ok": True}

    app.add_url_rule("/test/rename", view_func=rename)
    assert client.get("/test/rename").status_code == 200
    assert _names() == ["原名"]


def test_a_get_that_ran_an_update_is_rolled_back(app, client):
    customer = _customer("原名")

    def rename():
        db.session.execute(update(Customer).where(Customer.id == customer.id).values(name="未提交"))
        return {"ok": True}

    app.add_url_rule("/test/rename", view_func=rename)
    assert client.get("/test/rename").status_code == 200
    assert _names() == ["原名"]


def test_a_get_with_unflushed_changes_is_rolled_back(app, client):
    customer = _customer("原名")

    def rename():
        with db.session.no_autoflush:
            db.session.get(Customer, customer.id).name = "未提交"
            db.session.scalar(select(func.count()).select_from(Customer))
        return {"ok": True}

    app.add_url_rule("/test/rename", view_func=rename)
    assert client.get("/test/rename").status_code == 200
    assert _names() == ["原名"]
