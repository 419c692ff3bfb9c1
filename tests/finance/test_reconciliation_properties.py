"""Random days of completions, voids and handovers reconcile to the cent (R8)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from dispatch.extensions import db
from dispatch.jobs.models import Job
from tests.finance.conftest import complete_order
from workorders.finance import collections
from workorders.finance.invoices import Invoice
from workorders.finance.models import Adjustment, CashHandover, Collection
from workorders.finance.reconciliation import ageing, daily_series, reconcile
from workorders.models import WorkOrder

START = date(2026, 3, 2)
cents = st.integers(min_value=1, max_value=500_000).map(lambda c: Decimal(c).scaleb(-2))
completions = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 1), cents,
                                 st.sampled_from(("cash", "cash", "transfer", "none")),
                                 st.booleans()), max_size=12)
handovers = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 1), cents), max_size=6)


def _reset() -> None:
    for model in (Collection, CashHandover, Adjustment, Invoice, Job):
        db.session.execute(delete(model))
    db.session.execute(delete(WorkOrder).where(WorkOrder.number.like("T%")))
    db.session.commit()


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(completions=completions, handed=handovers)
def test_reconciliation_totals_to_the_cent(world, clock, no_pdfs, completions, handed):
    _reset()
    techs = [world.technician, world.other_technician]
    cash = defaultdict(Decimal)
    invoiced = defaultdict(Decimal)
    given_in = defaultdict(Decimal)
    for offset, who, amount, method, void in completions:
        day = START + timedelta(days=offset)
        clock.set(day)
        order = complete_order(world, techs[who].id, amount, method)
        if method == "cash":
            cash[(day, who)] += amount
        invoice = db.session.scalar(select(Invoice).where(Invoice.order_id == order.id))
        if invoice is not None and void:
            collections.void(invoice.id, "开错抬头", world.keeper)
            db.session.commit()
        elif invoice is not None:
            invoiced[(day, who)] += amount
    for offset, who, amount in handed:
        day = START + timedelta(days=offset)
        clock.set(day)
        collections.record_handover({"technician_id": techs[who].id, "amount": str(amount)},
                                    world.keeper)
        db.session.commit()
        given_in[(day, who)] += amount

    for offset in range(6):
        day = START + timedelta(days=offset)
        rows = {r.technician_id: r for r in reconcile(day).rows}
        for who, tech in enumerate(techs):
            row = rows.get(tech.id)
            expected = (cash[(day, who)], invoiced[(day, who)], given_in[(day, who)])
            got = (row.collected, row.invoiced, row.handed_over) if row else (0, 0, 0)
            assert got == expected
            if row:
                assert row.difference == cash[(day, who)] - given_in[(day, who)]
    live = sum((i.total for i in db.session.scalars(select(Invoice)) if i.status != "void"),
               Decimal(0))
    assert sum(invoiced.values(), Decimal(0)) == live
    outstanding = {a.technician_id: a.outstanding for a in ageing()}
    for who, tech in enumerate(techs):
        balance = sum((v for (d, w), v in cash.items() if w == who), Decimal(0)) - sum(
            (v for (d, w), v in given_in.items() if w == who), Decimal(0))
        assert outstanding.get(tech.id, Decimal(0)) == max(balance, Decimal(0))
    clock.set(START + timedelta(days=5))
    series = daily_series(6)
    total_cash = sum(cash.values(), Decimal(0))
    assert sum((c for _, c, _ in series), Decimal(0)) == total_cash
    assert series[-1][2] == total_cash - sum(given_in.values(), Decimal(0))
