"""Finance pages: who sees them, the handover and lock forms, the register, page exports."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from dispatch.extensions import db
from tests.conftest import post_form
from tests.finance.conftest import complete_order
from workorders.finance import collections
from workorders.finance.invoices import Invoice
from workorders.finance.models import CashHandover, LockedDay
from workorders.finance.reconciliation import reconcile


def test_finance_page_records_a_handover_and_shows_the_day(world, login, make_user, client):
    complete_order(world, world.technician.id, Decimal("120.00"), "cash")
    login(make_user("finance"))
    page = client.get("/finance/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<svg class=\"chart\"" in html and "CN¥120.00" in html and "style=" not in html
    response = post_form(client, "/finance/", {"technician_id": world.technician.id,
                                               "amount": "100", "note": "交款"},
                         post_url="/finance/handovers")
    assert response.status_code == 302
    assert db.session.scalar(select(CashHandover)).amount == Decimal("100.00")
    html = client.get("/finance/").get_data(as_text=True)
    assert "CN¥20.00" in html
    bad = post_form(client, "/finance/", {"technician_id": world.technician.id, "amount": "x"},
                    post_url="/finance/handovers")
    assert bad.status_code == 422
    rows = list(csv.reader(io.StringIO(client.get("/finance/reconciliation.csv").get_data(as_text=True))))
    # The export carries the page's columns, in its order (adjustments and transfers too).
    page_header = re.findall(r"<th>([^<]+)</th>", html.split("<thead>")[1].split("</thead>")[0])
    assert [rows[0][0].lstrip("\ufeff"), *rows[0][1:]] == page_header
    assert rows[-1][1:] == ["120.00", "0.00", "0.00", "120.00", "100.00", "20.00"]


def test_lock_form_and_locked_refusal_on_the_page(world, login, make_user, client):
    login(make_user("finance"))
    yesterday = (collections.today() - timedelta(days=1)).isoformat()
    response = post_form(client, "/finance/", {"date": yesterday}, post_url="/finance/locked-days")
    assert response.status_code == 302 and db.session.get(LockedDay, collections.today() - timedelta(days=1))
    db.session.add(LockedDay(day=collections.today(), locked_by_id=world.keeper.id))
    db.session.commit()
    refused = post_form(client, "/finance/", {"technician_id": world.technician.id, "amount": "5"},
                        post_url="/finance/handovers")
    assert refused.status_code == 409 and "locked" in refused.get_data(as_text=True)


def test_register_page_filters_voids_and_exports(world, login, make_user, client):
    order = complete_order(world, world.technician.id, Decimal("80.00"), "cash")
    complete_order(world, world.technician.id, Decimal("20.00"), "transfer")
    invoice = db.session.scalar(select(Invoice).where(Invoice.order_id == order.id))
    login(make_user("finance"))
    assert invoice.number in client.get(f"/finance/invoices?number={invoice.number}").get_data(as_text=True)
    response = post_form(client, "/finance/invoices", {"reason": "抬头错误"},
                         post_url=f"/finance/invoices/{invoice.id}/void")
    assert response.status_code == 302
    db.session.refresh(invoice)
    assert invoice.status == "void" and invoice.void_reason == "抬头错误"
    rows = list(csv.reader(io.StringIO(client.get("/finance/invoices?format=csv").get_data(as_text=True))))
    assert rows[-1][-1] == "20.00"


def test_who_sees_the_finance_pages(world, login, make_user, client):
    login(make_user("manager"))
    page = client.get("/finance/")
    assert page.status_code == 200 and "handover-form" not in page.get_data(as_text=True)
    agent = login(make_user("agent"), fresh=True)
    assert agent.get("/finance/").status_code == 403
    assert agent.get("/finance/invoices").status_code == 403


def test_finance_page_in_chinese(world, login, make_user, client):
    login(make_user("finance"))
    html = client.get("/finance/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "每日对账" in html and "登记现金交款" in html


def test_adjustment_form_books_a_signed_correction_today(world, login, make_user, client):
    login(make_user("finance"))
    response = post_form(client, "/finance/", {"technician_id": world.technician.id,
                                               "amount": "-12.30", "reason": "上日多记"},
                         post_url="/finance/adjustments")
    assert response.status_code == 302
    row = reconcile(collections.today(), world.technician.id).rows[0]
    assert row.adjustments == Decimal("-12.30") and row.collected == Decimal("-12.30")


def test_page_issues_the_invoice_of_an_uninvoiced_order(world, login, make_user, client):
    order = complete_order(world, world.technician.id, Decimal("66.00"), "on_account")
    login(make_user("finance"))
    assert order.number in client.get("/finance/").get_data(as_text=True)
    response = post_form(client, "/finance/", {}, post_url=f"/finance/orders/{order.id}/invoice")
    assert response.status_code == 302
    assert db.session.scalar(select(Invoice).where(Invoice.order_id == order.id)).total == Decimal("66.00")
