"""The invoice register's search, and CSV/XLSX exports (with a totals row) of the register and
of the reconciliation."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from dispatch.auth.models import User
from dispatch.errors import FieldErrors
from dispatch.extensions import db
from dispatch.labels import label
from dispatch.registry.models import Customer
from dispatch.registry.visibility import customer_view, listed_levels, shown_name
from dispatch.technicians.models import Technician
from dispatch.timeutil import day_bounds
from dispatch.validators import parse_date
from workorders.finance.collections import day_of
from workorders.finance.invoices import INVOICE_STATUSES, Invoice
from workorders.finance.reconciliation import Totals

ZERO = Decimal("0.00")


def _optional_day(raw: Any) -> date | None:
    return parse_date(raw) if raw else None


def _optional_id(raw: Any) -> int | None:
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except (TypeError, ValueError) as exc:
        raise ValueError(_("Enter a number.")) from exc


def register_query(args: Mapping[str, Any], user: User | None = None) -> Select[Invoice]:
    """Invoices matching the filters: ``number`` (part of it), ``date_from``/``date_to`` (issue
    day), ``customer`` (part of the name, among the customers ``user`` may find: R18) or
    ``customer_id``, ``technician_id``, ``status``."""
    errors = FieldErrors()
    start = errors.check("date_from", _optional_day, args.get("date_from"))
    end = errors.check("date_to", _optional_day, args.get("date_to"))
    customer_id = errors.check("customer_id", _optional_id, args.get("customer_id"))
    technician_id = errors.check("technician_id", _optional_id, args.get("technician_id"))
    status = args.get("status") or None
    if status and status not in INVOICE_STATUSES:
        errors.add("status", _("Unknown status."))
    errors.raise_if_any()
    query = select(Invoice).order_by(Invoice.issued_at.desc(), Invoice.id.desc())
    if args.get("number"):
        query = query.where(Invoice.number.contains(str(args["number"]).strip(), autoescape=True))
    if start:
        query = query.where(Invoice.issued_at >= day_bounds(start)[0])
    if end:
        query = query.where(Invoice.issued_at < day_bounds(end)[1])
    if customer_id:
        query = query.where(Invoice.customer_id == customer_id)
    if args.get("customer"):
        query = query.join(Customer, Customer.id == Invoice.customer_id).where(
            Customer.name.contains(str(args["customer"]).strip(), autoescape=True),
            Customer.confidentiality.in_(listed_levels(user)))
    if technician_id:
        query = query.where(Invoice.technician_id == technician_id)
    if status:
        query = query.where(Invoice.status == status)
    return query


def register_rows(invoices: list[Invoice], user: User | None) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the register, the last row holding the total of non-void invoices;
    the customer's name as ``user`` may see it (R18)."""
    header = [_("Number"), _("Date"), _("Order"), _("Customer"), _("Technician"),
              _("Payment"), _("Status"), _("Net"), _("Tax"), _("Total")]
    rows: list[list[Any]] = []
    totals = [ZERO, ZERO, ZERO]
    for invoice in invoices:
        technician = invoice.order.technician
        rows.append([invoice.number, day_of(invoice.issued_at).isoformat(), invoice.order.number,
                     customer_name(invoice.order.customer, user),
                     technician.name if technician else "",
                     str(label(invoice.payment_method)) if invoice.payment_method else "",
                     str(label(invoice.status)), invoice.net, invoice.tax, invoice.total])
        if invoice.status != "void":
            totals = [totals[0] + invoice.net, totals[1] + invoice.tax, totals[2] + invoice.total]
    rows.append([_("Total (not void)"), "", "", "", "", "", "", *totals])
    return header, rows


def customer_name(customer: Customer, user: User | None) -> str:
    """R18: the name on an invoice, unless ``user`` may not see the customer at all."""
    return shown_name(customer_view(user, customer.confidentiality), customer.name)


def reconciliation_rows(totals: Totals) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of a day's reconciliation, with a totals row: the page's columns, in
    the page's order."""
    header = [_("Technician"), *(str(title) for title in RECONCILIATION_COLUMNS.values())]
    rows: list[list[Any]] = [[r.technician, *(getattr(r, key) for key in RECONCILIATION_COLUMNS)]
                             for r in totals.rows]
    rows.append([_("Total"), *(totals.total(key) for key in RECONCILIATION_COLUMNS)])
    return header, rows


#: The reconciliation's money columns, as the page shows them (and in its order).
RECONCILIATION_COLUMNS = {"collected": _l("Collected"), "adjustments": _l("Adjustments"),
                          "transfers": _l("Transfers"), "invoiced": _l("Invoiced"),
                          "handed_over": _l("Handed over"), "difference": _l("Difference")}


def technician_choices() -> list[Technician]:
    return sorted(db.session.scalars(select(Technician)), key=lambda t: t.name)
