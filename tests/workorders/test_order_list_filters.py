"""The order list's filters, each and combined, for each kind of reader, against the same
filters applied in Python to every order (the list's statements are built once per filter
shape, with the values bound when they run)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from dispatch import settings
from dispatch.auth.services import issue_token
from dispatch.extensions import db
from dispatch.registry.models import Customer
from dispatch.synth import generate
from dispatch.technicians.models import Technician
from dispatch.validators import fold_identifier
from workorders.models import WorkOrder


@pytest.fixture
def city(app):
    generate(orders=300, technicians=12, open_orders=80, seed=11)
    db.session.execute(update(Customer).where(Customer.id % 7 == 0).values(confidentiality="secret"))
    db.session.commit()
    orders = db.session.scalars(select(WorkOrder).options(
        joinedload(WorkOrder.customer), joinedload(WorkOrder.vehicle))).all()
    return sorted(orders, key=lambda o: (o.created_at, o.id), reverse=True)


def _matches(order: WorkOrder, filters: dict) -> bool:
    def contains(value: str | None, fragment: str) -> bool:
        return fragment.lower() in (value or "").lower()

    local_day = order.created_at.astimezone(settings.timezone()).date()
    text = filters.get("q")
    return all((
        "status" not in filters or order.status == filters["status"],
        "priority" not in filters or order.priority == filters["priority"],
        "kind" not in filters or order.kind == filters["kind"],
        "technician_id" not in filters or order.technician_id == filters["technician_id"],
        "plate" not in filters or contains(order.vehicle.plate, fold_identifier(filters["plate"])),
        "date_from" not in filters or local_day >= filters["date_from"],
        "date_to" not in filters or local_day <= filters["date_to"],
        not text or any(contains(value, text) for value in (
            order.number, order.site_address, order.contact_name, order.fault_description,
            order.customer.name)) or contains(order.vehicle.plate, fold_identifier(text)),
    ))


def _query(filters: dict) -> str:
    return "&".join(f"{key}={value.isoformat() if isinstance(value, date) else value}"
                    for key, value in filters.items())


def _listed(client, token: str, filters: dict) -> tuple[list[int], int]:
    """Every id the API lists for ``filters``, walking keyset pages, and the first page's
    total."""
    headers = {"Authorization": f"Bearer {token}"}
    first = client.get(f"/api/v1/workorders?per_page=40&{_query(filters)}", headers=headers)
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    ids, total = [item["id"] for item in body["items"]], body["total"]
    while body["next_after"] is not None:
        body = client.get(f"/api/v1/workorders?per_page=40&after={body['next_after']}&"
                          f"{_query(filters)}", headers=headers).get_json()
        ids += [item["id"] for item in body["items"]]
    return ids, total


def _filter_cases(orders: list[WorkOrder]) -> list[dict]:
    sample = orders[len(orders) // 3]
    technician = next(o.technician_id for o in orders if o.technician_id)
    newest = orders[0].created_at.astimezone(settings.timezone()).date()
    return [
        {},
        {"status": "closed"},
        {"status": "approved", "priority": "urgent"},
        {"kind": "install"},
        {"technician_id": technician},
        {"technician_id": technician, "status": "closed", "kind": "repair"},
        {"plate": sample.vehicle.plate[1:3].lower()},  # office and series letters
        {"q": sample.number[-5:]},
        {"q": sample.customer.name[-3:], "status": sample.status},
        {"date_from": newest - timedelta(days=60), "date_to": newest - timedelta(days=10)},
        {"date_from": newest - timedelta(days=200), "priority": "normal",
         "plate": sample.vehicle.plate[1:2]},
    ]


@pytest.mark.parametrize("reader", ["manager", "dispatcher", "technician"])
def test_every_filter_lists_what_python_finds(city, client, make_user, reader):
    if reader == "technician":
        technician = db.session.scalars(select(Technician).order_by(Technician.id)).first()
        user, visible = technician.user, [o for o in city if o.technician_id == technician.id]
    else:
        user = make_user(reader)
        secret = reader == "dispatcher"
        visible = [o for o in city if not (secret and o.customer.confidentiality == "secret")]
    assert any(o.customer.confidentiality == "secret" for o in city)
    token = issue_token(user)
    db.session.commit()
    cases = _filter_cases(city)
    assert all(any(_matches(o, filters) for o in city) for filters in cases), "every case finds some"
    for filters in cases:
        expected = [o.id for o in visible if _matches(o, filters)]
        listed, total = _listed(client, token, filters)
        assert listed == expected, filters
        assert total == len(expected), filters


@pytest.mark.parametrize("reader", ["manager", "dispatcher"])
def test_the_list_page_filters_as_the_api_does(city, make_user, login, reader):
    """The order list page (its filters but priority) shows what the same filters find."""
    browser = login(make_user(reader))
    secret = reader == "dispatcher"
    visible = [o for o in city if not (secret and o.customer.confidentiality == "secret")]
    numbers = {o.id: o.number for o in city}
    for filters in _filter_cases(city):
        if "priority" in filters:
            continue
        expected = [o.id for o in visible if _matches(o, filters)]
        page = browser.get(f"/workorders/?{_query(filters)}").get_data(as_text=True)
        assert f"{len(expected)} orders" in page, filters
        shown = [number for number in (numbers[i] for i in expected[:50]) if number in page]
        assert shown == [numbers[i] for i in expected[:50]], filters
        assert page.count('class="badge status-') == min(50, len(expected)), filters
