"""The audit log page for managers and admins."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import select

from dispatch.audit.log import AuditLog
from dispatch.auth.models import User
from dispatch.extensions import db
from dispatch.registry.models import Customer
from dispatch.registry.visibility import FULL, HIDDEN, NONE, customer_view, shown_value
from dispatch.web.security import page_requires

bp = Blueprint("audit", __name__)

#: Audit entities that belong to a customer, and how a row names it (R18).
CUSTOMER_KEY = {"customers": "id", "vehicles": "customer_id", "work_orders": "customer_id",
                "complaints": "customer_id", "invoices": "customer_id"}


class ShownRow:
    """An audit row with its before/after values as the reader may see them."""

    def __init__(self, row: AuditLog, before: Any, after: Any) -> None:
        self.row, self.before, self.after = row, before, after

    def __getattr__(self, name: str) -> Any:
        return getattr(self.row, name)


def _customer_of(row: AuditLog) -> int | None:
    key = CUSTOMER_KEY.get(row.entity)
    if key is None:
        return None
    if key == "id":
        return int(row.entity_id) if row.entity_id.isdigit() else None
    for values in (row.after, row.before):
        if isinstance(values, dict) and isinstance(values.get(key), int):
            return values[key]
    return None


def _shown(values: Any, view: str) -> Any:
    if not isinstance(values, dict) or view == FULL:
        return values
    if view == NONE:
        return dict.fromkeys(values, HIDDEN)
    return {key: shown_value(view, key, value) for key, value in values.items()}


def shown_rows(rows: Sequence[Any], user: Any) -> list[tuple[Any, str]]:
    """R18 in the audit log: a customer's records (the customer, its vehicles, orders,
    complaints, invoices) show their values as :func:`customer_view` lets ``user`` see them."""
    owners = {row: _customer_of(row) for row, _username in rows}
    ids = {owner for owner in owners.values() if owner is not None}
    levels = dict(db.session.execute(select(Customer.id, Customer.confidentiality)
                                     .where(Customer.id.in_(ids))).all()) if ids else {}
    shown = []
    for row, username in rows:
        owner = owners[row]
        view = customer_view(user, levels[owner]) if owner in levels else FULL
        shown.append((ShownRow(row, _shown(row.before, view), _shown(row.after, view)), username))
    return shown


@bp.get("/audit")
@page_requires("audit.view")
def index():
    entity = request.args.get("entity", "").strip()
    entity_id = request.args.get("entity_id", "").strip()
    query = (select(AuditLog, User.username).outerjoin(User, User.id == AuditLog.user_id)
             .order_by(AuditLog.id.desc()))
    if entity:
        query = query.where(AuditLog.entity == entity)
    if entity_id:
        query = query.where(AuditLog.entity_id == entity_id)
    rows = shown_rows(db.session.execute(query.limit(200)).all(), current_user)
    entities = db.session.scalars(select(AuditLog.entity).distinct().order_by(AuditLog.entity))
    return render_template("audit/index.html", rows=rows, entity=entity, entity_id=entity_id,
                           entities=list(entities))
