"""Money at the edges (SPEC §10): payment methods by fee and credit class, receivables finance
settles, installs always free, and closing only once the money is settled."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from dispatch.extensions import db
from tests.world import order_on_site, signature_png
from workorders.finance.invoices import Invoice
from workorders.finance.models import Receivable
from workorders.models import WorkOrder


@pytest.fixture
def finance(api_as):
    return api_as("finance")


def _repair_with_fee(world) -> tuple[int, str]:
    """An on-site, out-of-warranty repair with a relay recorded (fee 45.00)."""
    order_id = order_on_site(world)
    world.old_terminal.install_date = world.old_terminal.install_date.replace(year=2020)
    db.session.commit()
    base = f"/api/v1/workorders/{order_id}"
    assert world.tech.post(f"{base}/parts", json={"sku": "RELAY-5P", "qty": 1}).status_code == 201
    fee = world.tech.get(f"{base}/fee").get_json()["fee"]
    assert fee == "45.00"
    return order_id, fee


def _complete(world, order_id: int, method: str, amount: str):
    return world.tech.post(f"/api/v1/workorders/{order_id}/complete", json={
        "resolution": "更换继电器", "payment_method": method, "amount_collected": amount,
        "signature_png_base64": signature_png()})


def reached_callback(world, order_id: int) -> None:
    response = world.agent.post("/api/v1/callbacks", json={
        "workorder_id": order_id, "reached": True, "satisfaction": 5, "notes": "满意"})
    assert response.status_code == 201, response.get_json()


def _set_class(world, credit_class: str) -> None:
    world.customer.credit_class = credit_class
    db.session.commit()


def test_none_is_only_for_a_zero_fee(world):
    order_id, _fee = _repair_with_fee(world)
    refused = _complete(world, order_id, "none", "0")
    assert refused.status_code == 422
    assert "payment_method" in refused.get_json()["error"]["fields"]
    assert "zero" in refused.get_json()["error"]["fields"]["payment_method"]
    assert db.session.get(WorkOrder, order_id).status == "on_site"


@pytest.mark.parametrize("credit_class", ["C", "D"])
def test_on_account_is_refused_for_credit_classes_not_allowed(world, credit_class):
    _set_class(world, credit_class)
    order_id, _fee = _repair_with_fee(world)
    refused = _complete(world, order_id, "on_account", "0")
    assert refused.status_code == 422
    why = refused.get_json()["error"]["fields"]["payment_method"]
    assert credit_class in why and "A" in why
    assert db.session.scalar(select(func.count()).select_from(Receivable)) == 0


def test_on_account_creates_a_receivable_finance_sees_and_settles(world, finance):
    _set_class(world, "A")
    order_id, fee = _repair_with_fee(world)
    assert _complete(world, order_id, "on_account", "5.00").status_code == 422
    done = _complete(world, order_id, "on_account", "0")
    assert done.status_code == 200, done.get_json()
    listed = finance.get("/api/v1/finance/receivables").get_json()["items"]
    assert len(listed) == 1
    item = listed[0]
    assert item["order_id"] == order_id and item["amount"] == fee and item["age_days"] == 0
    assert item["settled_at"] is None
    assert world.agent.get("/api/v1/finance/receivables").status_code == 403
    bad = finance.post(f"/api/v1/finance/receivables/{item['id']}/settle", json={"method": "card"})
    assert bad.status_code == 422
    settled = finance.post(f"/api/v1/finance/receivables/{item['id']}/settle",
                           json={"method": "transfer"})
    assert settled.status_code == 200, settled.get_json()
    assert settled.get_json()["settled_how"] == "transfer"
    invoice = db.session.scalar(select(Invoice).where(Invoice.order_id == order_id))
    assert invoice.status == "paid" and invoice.total == Decimal(fee)
    assert finance.post(f"/api/v1/finance/receivables/{item['id']}/settle",
                        json={"method": "cash"}).status_code == 409
    assert finance.get("/api/v1/finance/receivables?open=1").get_json()["items"] == []


def test_a_manager_cannot_charge_an_install(world):
    created = world.agent.post("/api/v1/workorders", json={
        "kind": "install", "customer_id": world.customer.id, "plate": "浙A99999",
        "contact_name": "王伟", "contact_phone": "13800138000", "product_model": "GT06N"})
    order_id = created.get_json()["id"]
    refused = world.manager.post(f"/api/v1/workorders/{order_id}/fee-override",
                                 json={"amount": "200.00", "reason": "特殊安装"})
    assert refused.status_code == 422
    assert "amount" in refused.get_json()["error"]["fields"]
    assert db.session.get(WorkOrder, order_id).fee_override is None


def test_an_order_closes_only_once_its_cash_is_handed_over(world, finance, make_user, login):
    order_id, fee = _repair_with_fee(world)
    assert _complete(world, order_id, "cash", fee).status_code == 200
    reached_callback(world, order_id)
    base = f"/api/v1/workorders/{order_id}"
    refused = world.manager.post(f"{base}/close")
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "money_unsettled" and "money" in error["fields"]
    client = login(make_user("finance"))
    page = client.get("/finance/").get_data(as_text=True)
    assert 'id="waiting-for-money"' in page
    waiting = page.split('id="waiting-for-money"')[1].split("</ul>")[0]
    assert db.session.get(WorkOrder, order_id).number in waiting
    assert finance.post("/api/v1/finance/handovers", json={
        "technician_id": world.technician.id, "amount": "40.00"}).status_code == 201
    assert world.manager.post(f"{base}/close").status_code == 409  # 5.00 still out
    assert finance.post("/api/v1/finance/handovers", json={
        "technician_id": world.technician.id, "amount": "5.00"}).status_code == 201
    closed = world.manager.post(f"{base}/close")
    assert closed.status_code == 200, closed.get_json()


def test_a_transfer_must_be_received_before_closing(world, finance):
    order_id, fee = _repair_with_fee(world)
    assert _complete(world, order_id, "transfer", fee).status_code == 200
    reached_callback(world, order_id)
    base = f"/api/v1/workorders/{order_id}"
    assert world.manager.post(f"{base}/close").get_json()["error"]["code"] == "money_unsettled"
    invoice = db.session.scalar(select(Invoice).where(Invoice.order_id == order_id))
    assert finance.post(f"/api/v1/finance/invoices/{invoice.id}/received").status_code == 200
    assert world.manager.post(f"{base}/close").status_code == 200


def test_on_account_money_counts_as_settled_for_closing(world):
    _set_class(world, "B")
    order_id, _fee = _repair_with_fee(world)
    assert _complete(world, order_id, "on_account", "0").status_code == 200
    reached_callback(world, order_id)
    assert world.manager.post(f"/api/v1/workorders/{order_id}/close").status_code == 200


def test_credit_class_d_shows_on_the_tablet_before_starting(world):
    _set_class(world, "D")
    order_id = world.agent.post("/api/v1/workorders", json={
        "kind": "repair", "customer_id": world.customer.id, "plate": "浙A12345",
        "contact_name": "王伟", "contact_phone": "13800138000", "product_model": "GT06N",
        "fault_description": "不上线"}).get_json()["id"]
    world.manager.post(f"/api/v1/workorders/{order_id}/approve")
    world.dispatcher.post(f"/api/v1/workorders/{order_id}/assign",
                          json={"technician_id": world.technician.id})
    job = world.tech.get("/api/v1/tablet/today").get_json()["jobs"][0]
    assert job["credit_class"] == "D" and job["on_account_allowed"] is False
