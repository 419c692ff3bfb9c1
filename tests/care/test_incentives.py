"""Technician incentives (R19) for a fixture month, against a table computed by hand."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from dispatch.exports import to_csv, to_xlsx
from dispatch.extensions import db
from tests.care.factory import charged, completed_order
from workorders.care import incentives
from workorders.care.models import SafetyIncident

SEPT = datetime(2026, 9, 10, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def coefficient_table(app, make_user):
    """The table of the hand computation (as migration 0004 seeds it; PostgreSQL test runs
    truncate every table between tests)."""
    incentives.set_service_points({"install": "1", "repair": "1", "removal": "0.5",
                                   "inspection": "0.5"}, make_user("manager"))
    db.session.commit()


def _month_fixture(world, make_user, make_technician):
    manager = make_user("manager")
    lin, zhou = world.technician, world.other_technician
    contractor = make_technician(contractor=True)
    for i in range(20):
        order = completed_order(world, manager, "repair", SEPT + timedelta(hours=i), lin,
                                parts=(("RELAY-5P", 2),) if i == 0 else ())
        if i == 0:
            charged(order, manager)
    for kind, n in (("install", 2), ("removal", 3)):
        for _ in range(n):
            completed_order(world, manager, kind, SEPT, lin, status="closed")
    charged(completed_order(world, manager, "repair", SEPT, lin, parts=(("TERM-GT06N", 1),)),
            manager)
    # 31 Aug 23:30 and 1 Oct 00:30 in Shanghai: other months.
    completed_order(world, manager, "repair", datetime(2026, 8, 31, 15, 30, tzinfo=UTC), lin)
    completed_order(world, manager, "repair", datetime(2026, 9, 30, 16, 30, tzinfo=UTC), lin)
    for _ in range(10):
        completed_order(world, manager, "inspection", SEPT, zhou)
    completed_order(world, manager, "repair", SEPT, contractor)
    db.session.add_all([
        SafetyIncident(technician_id=lin.id, occurred_on=date(2026, 9, 5), description="未系安全带",
                       created_by_id=manager.id),
        SafetyIncident(technician_id=zhou.id, occurred_on=date(2026, 8, 31), description="上月",
                       created_by_id=manager.id)])
    db.session.commit()
    return lin, zhou, contractor


def test_month_pay_matches_the_hand_computed_table(world, make_user, make_technician):
    lin, zhou, contractor = _month_fixture(world, make_user, make_technician)
    rows = {row.technician_id: row for row in incentives.monthly_incentives(2026, 9)}
    assert contractor.id not in rows
    # lin: 21 repairs × 1.0 + 2 installs × 1.0 + 3 removals × 0.5 = 24.5; one incident −2
    # → 22.5; above base 17: 5.5 × 270 = 1,485.00. Parts: 2 × 45.00 + 380.00 = 470.00;
    # credit 5 % = 23.50. Total 1,508.50.
    # zhou: 10 inspections × 0.5 = 5.0 (August's incident does not count) → no pay.
    expected = {
        lin.id: (26, "24.50", 1, "22.50", "5.50", "1485.00", "470.00", "23.50", "1508.50"),
        zhou.id: (10, "5.00", 0, "5.00", "0", "0.00", "0.00", "0.00", "0.00"),
    }
    for technician_id, values in expected.items():
        row = rows[technician_id]
        got = (row.orders, row.points, row.incidents, row.net_points, row.points_above_base,
               row.points_pay, row.parts_revenue, row.parts_credit, row.total)
        assert got == (values[0], Decimal(values[1]), values[2], *map(Decimal, values[3:])), got


def test_settings_and_coefficients_change_the_pay(world, make_user, make_technician, app):
    lin, _zhou, _contractor = _month_fixture(world, make_user, make_technician)
    manager = make_user("manager")
    incentives.set_service_points({"removal": "1.5", "repair": ""}, manager)
    app.config["DISPATCH_INCENTIVE_PAY_PER_POINT"] = "300"
    row = next(r for r in incentives.monthly_incentives(2026, 9) if r.technician_id == lin.id)
    # 21 + 2 + 4.5 = 27.5 − 2 = 25.5 → 8.5 above base × 300
    assert (row.net_points, row.points_pay) == (Decimal("25.50"), Decimal("2550.00"))


def test_quarter_ranking_pays_top_three_and_four_to_eight(world, make_user, make_technician):
    manager = make_user("manager")
    technicians = [make_technician(username=f"rank-{i}") for i in range(9)]
    for points, technician in enumerate(technicians, start=1):
        for _ in range(points):
            completed_order(world, manager, "repair", datetime(2026, 8, 3, tzinfo=UTC), technician)
    db.session.commit()
    ranking = incentives.quarterly_ranking(2026, 3)
    ranked = [r for r in ranking if r["points"] > 0]
    assert [r["technician_id"] for r in ranked] == [t.id for t in reversed(technicians)]
    assert [r["bonus"] for r in ranked] == [Decimal(1500)] * 3 + [Decimal(1000)] * 5 + [Decimal(0)]
    assert all(r["bonus"] == 0 for r in ranking if r["points"] <= 0)


def test_exports_and_api(world, make_user, make_technician, api_as):
    lin, _zhou, _contractor = _month_fixture(world, make_user, make_technician)
    rows = incentives.monthly_incentives(2026, 9)
    header, table = incentives.export_table(rows)
    sheet = load_workbook(io.BytesIO(to_xlsx("incentives", header, table))).active
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["technician_id", "technician", "orders"]
    assert any(r[0].value == lin.id and r[-1].value == 1508.5 for r in sheet.iter_rows(min_row=2))
    csv_text = to_csv(header, table).decode("utf-8-sig")
    assert "1508.50" in csv_text
    assert api_as("finance").get("/api/v1/incentives?month=2026-09").status_code == 200
    assert world.agent.get("/api/v1/incentives?month=2026-09").status_code == 403
    assert api_as("finance").get("/api/v1/incentives?month=2026-13").status_code == 422


def test_parts_credit_counts_only_parts_sold_and_paid(world, make_user, make_technician):
    """R19 part 8: spare-parts *sales*. A free install's parts, parts replaced in warranty and
    parts on an order whose money has not arrived are no sale; a transfer counts in the month
    finance marks it received."""
    from workorders.finance import collections

    lin, _zhou, _contractor = _month_fixture(world, make_user, make_technician)
    manager = make_user("manager")
    install = completed_order(world, manager, "install", SEPT, lin, parts=(("HARNESS-12V", 4),))
    charged(install, manager)
    warranty = completed_order(world, manager, "repair", SEPT, lin, parts=(("TERM-GT06N", 1),))
    charged(warranty, manager, in_warranty=True)
    unpaid = completed_order(world, manager, "repair", SEPT, lin, parts=(("RELAY-5P", 1),))
    transfer = charged(unpaid, manager, method="transfer")
    db.session.commit()
    row = next(r for r in incentives.monthly_incentives(2026, 9) if r.technician_id == lin.id)
    # Only the two paid repairs of the fixture: 2 × 45.00 + 380.00 (not 470 + 102 + 380 + 45).
    assert (row.parts_revenue, row.parts_credit) == (Decimal("470.00"), Decimal("23.50"))
    assert transfer is not None and transfer.status == "issued"
    collections.mark_received(transfer.id, make_user("finance"))
    db.session.commit()
    october = datetime(2026, 10, 1, tzinfo=UTC) <= transfer.paid_at  # received today
    assert october
    row = next(r for r in incentives.monthly_incentives(2026, 9) if r.technician_id == lin.id)
    assert row.parts_revenue == Decimal("470.00")  # paid later: credited in its own month
    transfer.paid_at = SEPT + timedelta(days=3)
    db.session.commit()
    row = next(r for r in incentives.monthly_incentives(2026, 9) if r.technician_id == lin.id)
    assert row.parts_revenue == Decimal("515.00")


def test_quarter_ranking_puts_service_quality_before_points(world, make_user, make_technician):
    """Part 8 第二條: quality first (callback satisfaction, complaints attributed to the
    technician), workload second."""
    from workorders.care.models import Callback, Complaint

    manager = make_user("manager")
    busy, careful, average = (make_technician(username=f"q-{name}")
                              for name in ("busy", "careful", "average"))
    at = datetime(2026, 8, 3, tzinfo=UTC)
    orders = {}
    for technician, count in ((busy, 30), (careful, 5), (average, 5)):
        orders[technician.id] = [completed_order(world, manager, "repair", at, technician)
                                 for _ in range(count)]
    for technician, score in ((busy, 5), (careful, 5), (average, 3)):
        order = orders[technician.id][0]
        db.session.add(Callback(workorder_id=order.id, user_id=manager.id, reached=True,
                                satisfaction=score, at=at))
    complaint = Complaint(number="2608-001", customer_id=world.customer.id, channel="hotline",
                          severity="major", status="resolved", description="态度差",
                          received_at=at, due_at=at + timedelta(days=15), resolved_at=at,
                          responsible_user_id=busy.user_id, created_by_id=manager.id,
                          owner_id=manager.id)
    db.session.add(complaint)
    db.session.commit()
    ranking = {r["technician_id"]: r for r in incentives.quarterly_ranking(2026, 3)}
    placed = [r["technician_id"] for r in sorted(ranking.values(), key=lambda r: r["place"])]
    # careful 5.0 beats busy 5 − 1 complaint = 4.0 despite 5 points against 30.
    assert placed[:3] == [careful.id, busy.id, average.id]
    assert ranking[busy.id]["points"] > ranking[careful.id]["points"]
    assert (ranking[busy.id]["quality"], ranking[busy.id]["complaints"]) == (Decimal("4.0"), 1)
    assert ranking[careful.id]["satisfaction"] == Decimal("5.00")
    assert ranking[busy.id]["bonus"] == Decimal(1500)
    # Equal quality (the complaint attributed to nobody): the workload decides.
    complaint.responsible_user_id = None
    db.session.commit()
    ranking = sorted(incentives.quarterly_ranking(2026, 3), key=lambda r: r["place"])
    assert [r["technician_id"] for r in ranking[:3]] == [busy.id, careful.id, average.id]
