"""Finance helpers: a clock to move, and orders completed on a chosen day without the API walk."""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal
from types import SimpleNamespace

import pytest

from dispatch import settings
from dispatch.extensions import db
from workorders.finance import collections
from workorders.finance.invoices import issue_invoice
from workorders.models import WorkOrder


@pytest.fixture
def no_pdfs(monkeypatch):
    """Keep PDF jobs out of the way of tests that only count money."""
    monkeypatch.setattr("workorders.finance.collections.request_invoice_pdf", lambda *a, **k: None)
    monkeypatch.setattr("workorders.finance.collections.request_job", lambda *a, **k: None)


@pytest.fixture
def clock(monkeypatch):
    """``clock.set(day)`` moves the finance services to local noon of ``day``."""
    state = SimpleNamespace(now=None)

    def now() -> datetime:
        return state.now or datetime.now(UTC)

    def set_day(day, hour: int = 12) -> None:
        state.now = datetime.combine(day, time(hour), settings.timezone()).astimezone(UTC)

    for module in ("workorders.finance.collections", "workorders.finance.invoices"):
        monkeypatch.setattr(f"{module}.utcnow", now)
    state.set = set_day
    return state


def complete_order(world, technician_id: int, amount: Decimal, method: str) -> WorkOrder:
    """A completed order with ``amount`` collected by ``method``, recorded as completion does
    (the collection and the invoice in one transaction, at the clock's time; no PDFs)."""
    seq = db.session.query(WorkOrder).count() + 1
    now = collections.utcnow()
    order = WorkOrder(
        number=f"T{seq:06d}", kind="repair", status="completed", customer_id=world.customer.id,
        vehicle_id=world.truck.id, site_address="文三路100号", contact_name="王伟",
        contact_phone="+8613800138000", product_model="GT06N", owner_id=world.keeper.id,
        created_by_id=world.keeper.id, approved_by_id=world.keeper.id,
        technician_id=technician_id, fee_total=amount,
        payment_method=method,
        amount_collected=amount if method in ("cash", "transfer") else Decimal("0"),
        in_warranty=False, completed_at=now)
    db.session.add(order)
    db.session.flush()
    collections.record_collection(order)
    if method in ("cash", "transfer"):
        issue_invoice(order, world.keeper.id)
    db.session.commit()
    return order
