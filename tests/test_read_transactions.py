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


def _flushed(customer_id: int) -> None:
    db.session.get(Customer, customer_id).name = "未提交"
    db.session.flush()


def _bulk_updated(customer_id: int) -> None:
    db.session.execute(update(Customer).where(Customer.id == customer_id).values(name="未提交"))


def _left_pending(customer_id: int) -> None:
    with db.session.no_autoflush:
        db.session.get(Customer, customer_id).name = "未提交"
        db.session.scalar(select(func.count()).select_from(Customer))


@pytest.mark.parametrize("write", [_flushed, _bulk_updated, _left_pending])
def test_a_get_that_wrote_is_rolled_back(app, client, write):
    """A GET that wrote and did not commit (a bug in that view) gets no COMMIT from here."""
    customer = _customer("原名")

    def rename():
        write(customer.id)
        return {"ok": True}

    app.add_url_rule("/test/rename", view_func=rename)
    assert client.get("/test/rename").status_code == 200
    assert _names() == ["原名"]
