"""Receivables (SPEC §10): what customers owe for orders completed ``on_account``. Finance sees
each with its age and settles it when the money arrives — a transfer received, or cash paid
later — which also marks the order's invoice paid (issuing it, paid, when it has none yet)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from dispatch.auth.models import User
from dispatch.errors import Conflict, FieldErrors, NotFound
from dispatch.extensions import db
from dispatch.text import choice
from dispatch.timeutil import local_day, utcnow
from workorders.finance.collections import require_open, today
from workorders.finance.invoices import issue_invoice, live_invoice, request_invoice_pdf
from workorders.finance.models import RECEIVABLE_SETTLEMENTS, Receivable


@dataclass(frozen=True)
class Aged:
    receivable: Receivable
    age_days: int


def receivables(open_only: bool = False) -> list[Aged]:
    """Receivables, oldest first, with their age in days (to settlement, or to today)."""
    query = select(Receivable).order_by(Receivable.opened_at, Receivable.id)
    if open_only:
        query = query.where(Receivable.settled_at.is_(None))
    now = today()
    return [Aged(r, ((local_day(r.settled_at) if r.settled_at else now) - r.day).days)
            for r in db.session.scalars(query)]


def settle(receivable_id: int, data: Mapping[str, Any], user: User) -> Receivable:
    """The customer paid (``method``: transfer or cash): settled today (which must be open);
    the order's invoice is paid — issued now when finance had not issued it yet."""
    receivable = db.session.get(Receivable, receivable_id, with_for_update=True)
    if receivable is None:
        raise NotFound(_l("No such receivable."))
    errors = FieldErrors()
    method = errors.check("method", choice, data.get("method"), RECEIVABLE_SETTLEMENTS)
    errors.raise_if_any()
    if receivable.settled_at is not None:
        raise Conflict(_l("This receivable is already settled."),
                       fields={"settled_how": receivable.settled_how or ""})
    require_open(today())
    now = utcnow()
    invoice = live_invoice(receivable.order_id)
    fresh = invoice is None
    if invoice is None:
        invoice = issue_invoice(receivable.order, user.id)
    if invoice.status == "issued":
        invoice.status, invoice.paid_at = "paid", now
    if fresh:
        request_invoice_pdf(invoice, user.id)
    receivable.settled_at, receivable.settled_how, receivable.settled_by_id = now, method, user.id
    db.session.flush()
    return receivable
