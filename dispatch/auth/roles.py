"""Roles and the permission table: the one place that says who may do what."""

from __future__ import annotations

from collections.abc import Iterable

AGENT = "agent"
MANAGER = "manager"
DISPATCHER = "dispatcher"
TECHNICIAN = "technician"
FINANCE = "finance"
WAREHOUSE = "warehouse"
ADMIN = "admin"

ROLES: tuple[str, ...] = (AGENT, MANAGER, DISPATCHER, TECHNICIAN, FINANCE, WAREHOUSE, ADMIN)
#: Office staff: everyone but field technicians.
STAFF = frozenset({AGENT, MANAGER, DISPATCHER, FINANCE, WAREHOUSE, ADMIN})

PERMISSIONS: dict[str, frozenset[str]] = {
    "customer.view": frozenset({AGENT, MANAGER, DISPATCHER, FINANCE, WAREHOUSE}),
    "customer.edit": frozenset({AGENT, MANAGER}),
    "customer.view_secret": frozenset({MANAGER}),
    # R18: confidential customers' contact data in full (dispatch/registry/visibility.py).
    "customer.contact": frozenset({AGENT, MANAGER, DISPATCHER}),
    "device.view": frozenset({AGENT, MANAGER, DISPATCHER, FINANCE, WAREHOUSE}),
    "device.edit": frozenset({AGENT, MANAGER, WAREHOUSE}),
    "technician.view": frozenset({MANAGER, DISPATCHER, ADMIN}),
    "technician.edit": frozenset({MANAGER, ADMIN}),
    "audit.view": frozenset({MANAGER, ADMIN}),
    "order.view": frozenset({AGENT, MANAGER, DISPATCHER, FINANCE, WAREHOUSE, TECHNICIAN}),
    "order.create": frozenset({AGENT, MANAGER}),
    "order.approve": frozenset({MANAGER}),
    "order.assign": frozenset({DISPATCHER, MANAGER}),
    "order.cancel": frozenset({AGENT, MANAGER}),
    "order.close": frozenset({AGENT, MANAGER}),
    "order.fee_override": frozenset({MANAGER}),
    "order.contractor": frozenset({MANAGER}),
    "order.field_work": frozenset({TECHNICIAN}),
    "order.stats": frozenset({MANAGER, DISPATCHER, AGENT}),
    "order.notifications": frozenset({AGENT, MANAGER, DISPATCHER, FINANCE, WAREHOUSE}),
    "documents.invoice_pack": frozenset({FINANCE, MANAGER}),
    "documents.day_sheets": frozenset({DISPATCHER, MANAGER, TECHNICIAN}),
    "order.plan_parts": frozenset({AGENT, DISPATCHER, MANAGER}),
    "order.shortage_approve": frozenset({MANAGER}),
    "part.view": frozenset({AGENT, MANAGER, DISPATCHER, FINANCE, WAREHOUSE, ADMIN, TECHNICIAN}),
    "part.edit": frozenset({WAREHOUSE, MANAGER}),
    "stock.view": frozenset({AGENT, MANAGER, DISPATCHER, FINANCE, WAREHOUSE, ADMIN, TECHNICIAN}),
    "stock.view_all": frozenset({AGENT, MANAGER, DISPATCHER, FINANCE, WAREHOUSE, ADMIN}),
    "stock.move": frozenset({WAREHOUSE}),
    "stock.count": frozenset({WAREHOUSE, MANAGER}),
    "location.edit": frozenset({WAREHOUSE, MANAGER}),
    "order.contact": frozenset({AGENT, MANAGER, DISPATCHER, TECHNICIAN}),
    "complaint.view": frozenset({AGENT, MANAGER}),
    "complaint.create": frozenset({AGENT, MANAGER}),
    "complaint.escalated": frozenset({MANAGER}),
    "callback.record": frozenset({AGENT}),
    "callback.view": frozenset({AGENT, MANAGER}),
    "callback.decide": frozenset({MANAGER}),
    "problems.own": frozenset({AGENT, MANAGER, DISPATCHER}),
    "audit_sample.manage": frozenset({MANAGER}),
    "care.stats": frozenset({MANAGER, AGENT}),
    "incentive.view": frozenset({MANAGER, FINANCE}),
    "incentive.edit": frozenset({MANAGER}),
    "handover.use": frozenset({AGENT, DISPATCHER}),
    "finance.view": frozenset({FINANCE, MANAGER}),
    "finance.write": frozenset({FINANCE}),
    "user.admin": frozenset({ADMIN}),
    "import.run": frozenset({ADMIN, MANAGER}),
    "import.view_all": frozenset({MANAGER}),
    "tracking.status": frozenset({ADMIN, MANAGER}),
    "tracking.silent": frozenset({AGENT, MANAGER}),
    "tracking.command": frozenset({AGENT, MANAGER}),
    "tracking.override_list": frozenset({MANAGER}),
}


def allowed(roles: Iterable[str], permission: str) -> bool:
    """True when any of ``roles`` grants ``permission`` (unknown permissions grant nothing)."""
    granted = PERMISSIONS.get(permission, frozenset())
    return any(role in granted for role in roles)
