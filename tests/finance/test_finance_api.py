"""Finance API: handovers with receipts, reconciliation, the register, locked days (409 per
endpoint, nothing written), exports with the page's totals, and 401/403/422."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.jobs import outbox
from tests.documents.conftest import pdf_text
from tests.finance.conftest import complete_order
from tests.world import order_on_site, signature_png
from workorders.finance import collections
from workorders.finance.invoices import Invoice
from workorders.finance.models import Adjustment, CashHandover, Collection, LockedDay
from workorders.finance.reconciliation import uninvoiced_orders
from workorders.models import WorkOrder


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _lock_today(world) -> None:
    db.session.add(LockedDay(day=collections.today(), locked_by_id=world.keeper.id))
    db.session.commit()


@pytest.fixture
def finance(api_as):
    return api_as("finance")


def test_completion_records_the_collection_and_reconciles(world, finance):
    order_id = order_on_site(world)
    assert world.tech.post(f"/api/v1/workorders/{order_id}/parts",
                           json={"sku": "RELAY-5P"}).status_code == 201
    fee = world.tech.get(f"/api/v1/workorders/{order_id}/fee").get_json()["total"]
    done = world.tech.post(f"/api/v1/workorders/{order_id}/complete", json={
        "resolution": "更换继电器", "payment_method": "cash", "amount_collected": fee,
        "signature_png_base64": signature_png()})
    assert done.status_code == 200, done.get_json()
    collection = db.session.scalar(select(Collection).where(Collection.order_id == order_id))
    assert collection.amount == Decimal(fee) and collection.payment_method == "cash"
    assert collection.day == collections.today()

    handed = finance.post("/api/v1/finance/handovers", json={
        "technician_id": world.technician.id, "amount": "20.00", "note": "部分交款"})
    assert handed.status_code == 201, handed.get_json()
    outbox.drain()
    receipt = finance.get(handed.get_json()["receipt_url"])
    assert receipt.status_code == 200 and "交款收据" in pdf_text(receipt.data)

    day = collections.today().isoformat()
    body = finance.get(f"/api/v1/finance/reconciliation?date={day}").get_json()
    row = next(i for i in body["items"] if i["technician_id"] == world.technician.id)
    assert row["collected"] == f"{Decimal(fee):.2f}" and row["invoiced"] == row["collected"]
    assert row["handed_over"] == "20.00"
    assert Decimal(row["difference"]) == Decimal(fee) - Decimal("20.00")


def test_void_rebuilds_the_pdf_as_void_and_transfers_are_marked_received(world, finance):
    cash = complete_order(world, world.technician.id, Decimal("100.00"), "cash")
    transfer = complete_order(world, world.technician.id, Decimal("55.50"), "transfer")
    invoice = db.session.scalar(select(Invoice).where(Invoice.order_id == cash.id))
    voided = finance.post(f"/api/v1/finance/invoices/{invoice.id}/void", json={"reason": "抬头错误"})
    assert voided.status_code == 200 and voided.get_json()["status"] == "void"
    outbox.drain()
    pdf = finance.get(f"/api/v1/documents/{voided.get_json()['pdf_job_id']}/pdf")
    assert "VOID" in pdf_text(pdf.data)
    again = finance.post(f"/api/v1/finance/invoices/{invoice.id}/void", json={"reason": "x"})
    assert again.status_code == 409

    owed = db.session.scalar(select(Invoice).where(Invoice.order_id == transfer.id))
    assert owed.status == "issued"
    paid = finance.post(f"/api/v1/finance/invoices/{owed.id}/received")
    assert paid.status_code == 200 and paid.get_json()["status"] == "paid"
    assert finance.post(f"/api/v1/finance/invoices/{owed.id}/received").status_code == 409

    register = finance.get("/api/v1/finance/invoices?status=void").get_json()
    assert [i["number"] for i in register["items"]] == [invoice.number]
    assert finance.get(f"/api/v1/finance/invoices?number={owed.number[-3:]}&technician_id="
                       f"{world.technician.id}").get_json()["total"] == 1


def test_a_locked_day_refuses_every_money_change(world, finance):
    cash = complete_order(world, world.technician.id, Decimal("100.00"), "cash")
    transfer = complete_order(world, world.technician.id, Decimal("60.00"), "transfer")
    order_id = order_on_site(world)
    assert world.tech.post(f"/api/v1/workorders/{order_id}/parts",
                           json={"sku": "RELAY-5P"}).status_code == 201
    fee = world.tech.get(f"/api/v1/workorders/{order_id}/fee").get_json()["total"]
    _lock_today(world)
    before = {m: _count(m) for m in (Collection, CashHandover, Adjustment, Invoice)}
    calls = [
        lambda: finance.post("/api/v1/finance/handovers",
                             json={"technician_id": world.technician.id, "amount": "10"}),
        lambda: finance.post("/api/v1/finance/adjustments", json={
            "technician_id": world.technician.id, "amount": "-5", "reason": "点错"}),
        lambda: finance.post(f"/api/v1/finance/invoices/{_invoice_id(cash)}/void",
                             json={"reason": "错开"}),
        lambda: finance.post(f"/api/v1/finance/invoices/{_invoice_id(transfer)}/received"),
        lambda: world.tech.post(f"/api/v1/workorders/{order_id}/complete", json={
            "resolution": "更换继电器", "payment_method": "cash", "amount_collected": fee,
            "signature_png_base64": signature_png()}),
    ]
    for call in calls:
        response = call()
        assert response.status_code == 409, response.get_json()
        assert response.get_json()["error"]["code"] == "day_locked"
    db.session.expire_all()
    assert {m: _count(m) for m in before} == before
    assert {i.status for i in db.session.scalars(select(Invoice))} == {"paid", "issued"}
    assert db.session.get(WorkOrder, order_id).status == "on_site"


def _invoice_id(order) -> int:
    return db.session.scalar(select(Invoice.id).where(Invoice.order_id == order.id))


def test_locking_a_day(world, finance):
    yesterday = (collections.today() - timedelta(days=1)).isoformat()
    assert finance.post("/api/v1/finance/locked-days", json={"date": yesterday}).status_code == 201
    assert finance.post("/api/v1/finance/locked-days", json={"date": yesterday}).status_code == 409
    today = collections.today().isoformat()
    assert finance.post("/api/v1/finance/locked-days", json={"date": today}).status_code == 409
    body = finance.get(f"/api/v1/finance/reconciliation?date={yesterday}").get_json()
    assert body["locked"] is True


def test_exports_carry_the_api_totals(world, finance):
    complete_order(world, world.technician.id, Decimal("100.10"), "cash")
    complete_order(world, world.other_technician.id, Decimal("0.25"), "cash")
    voided = complete_order(world, world.technician.id, Decimal("33.00"), "transfer")
    collections.void(_invoice_id(voided), "重开", world.keeper)
    collections.record_handover({"technician_id": world.technician.id, "amount": "50.05"},
                                world.keeper)
    db.session.commit()
    day = collections.today().isoformat()
    totals = finance.get(f"/api/v1/finance/reconciliation?date={day}").get_json()["totals"]
    assert totals["collected"] == "100.35" and totals["invoiced"] == "100.35"
    assert totals["difference"] == "50.30"

    rows = list(csv.reader(io.StringIO(
        finance.get(f"/api/v1/finance/reconciliation?date={day}&format=csv").get_data(as_text=True))))
    # The page's columns (adjustments and transfers too), in its order.
    columns = ("collected", "adjustments", "transfers", "invoiced", "handed_over", "difference")
    assert rows[-1][1:] == [totals[k] for k in columns]
    book = load_workbook(io.BytesIO(
        finance.get(f"/api/v1/finance/reconciliation?date={day}&format=xlsx").data))
    last = [c.value for c in list(book.active.iter_rows())[-1]]
    assert [Decimal(str(v)).quantize(Decimal("0.01")) for v in last[1:]] == [
        Decimal(totals[k]) for k in columns]

    register = list(csv.reader(io.StringIO(
        finance.get("/api/v1/finance/invoices?format=csv").get_data(as_text=True))))
    assert len(register) == 5 and register[-1][-1] == "100.35"
    sheet = load_workbook(io.BytesIO(finance.get("/api/v1/finance/invoices?format=xlsx").data))
    assert Decimal(str(list(sheet.active.iter_rows())[-1][-1].value)) == Decimal("100.35")


def test_permissions_and_validation(world, api_as, finance):
    day = collections.today().isoformat()
    anonymous = api_as(None)
    assert anonymous.get(f"/api/v1/finance/reconciliation?date={day}").status_code == 401
    assert anonymous.post("/api/v1/finance/handovers", json={}).status_code == 401
    manager = api_as("manager")
    assert manager.get(f"/api/v1/finance/reconciliation?date={day}").status_code == 200
    assert manager.get("/api/v1/finance/invoices").status_code == 200
    for who in (manager, world.tech, world.agent):
        assert who.post("/api/v1/finance/handovers", json={
            "technician_id": world.technician.id, "amount": "1"}).status_code == 403
    assert world.tech.get(f"/api/v1/finance/reconciliation?date={day}").status_code == 403
    assert world.agent.get("/api/v1/finance/invoices").status_code == 403
    assert finance.get("/api/v1/finance/reconciliation").status_code == 422
    assert finance.get("/api/v1/finance/reconciliation?date=2026-13-01").status_code == 422
    bad = finance.post("/api/v1/finance/handovers", json={"technician_id": 9999, "amount": "abc"})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"technician_id", "amount"}
    assert finance.post("/api/v1/finance/adjustments", json={
        "technician_id": world.technician.id, "amount": "0", "reason": ""}).status_code == 422
    assert finance.post("/api/v1/finance/invoices/999/void", json={"reason": "x"}).status_code == 404
    assert _count(CashHandover) == 0 and _count(Adjustment) == 0


def test_finance_issues_the_invoice_of_an_on_account_order(world, finance):
    order = complete_order(world, world.technician.id, Decimal("75.00"), "on_account")
    day = collections.today()
    assert [o.id for o in uninvoiced_orders(day)] == [order.id]
    issued = finance.post(f"/api/v1/workorders/{order.id}/invoice")
    assert issued.status_code == 201 and issued.get_json()["total"] == "75.00"
    assert issued.get_json()["status"] == "issued" and uninvoiced_orders(day) == []
    again = finance.post(f"/api/v1/workorders/{order.id}/invoice")
    assert again.status_code == 201 and again.get_json()["id"] == issued.get_json()["id"]
    assert world.agent.post(f"/api/v1/workorders/{order.id}/invoice").status_code == 403
    assert finance.post("/api/v1/workorders/99999/invoice").status_code == 404
    other = complete_order(world, world.technician.id, Decimal("10.00"), "on_account")
    _lock_today(world)
    assert finance.post(f"/api/v1/workorders/{other.id}/invoice").status_code == 409
    assert _invoice_id(other) is None
