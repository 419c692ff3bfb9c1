"""Jinja filters and globals used by every page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import request, url_for
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from dispatch.auth.roles import allowed
from dispatch.handovers.log import pending_handovers, unread_notifications
from dispatch.labels import label
from dispatch.money import format_money, money_text

#: Top navigation: (endpoint, label, permission or None for any signed-in user).
NAVIGATION: list[tuple[str, Any, str | None]] = [
    ("board.index", _l("Dispatch board"), "order.assign"),
    ("workorders.index", _l("Work orders"), "order.view"),
    ("registry.customers", _l("Customers"), "customer.view"),
    ("registry.terminals", _l("Terminals"), "device.view"),
    ("registry.sims", _l("SIM cards"), "device.view"),
    ("care.my_problems", _l("My open problems"), "problems.own"),
    ("care.complaint_index", _l("Complaints"), "complaint.view"),
    ("care.callback_queue", _l("Callbacks"), "callback.view"),
    ("care.stats", _l("Care statistics"), "care.stats"),
    ("care.audit", _l("Quarterly audit"), "audit_sample.manage"),
    ("care_log.handovers", _l("Shift handover"), "handover.use"),
    ("technicians.index", _l("Technicians"), "technician.view"),
    ("documents.runs", _l("Document runs"), "documents.invoice_pack"),
    ("inventory.parts_index", _l("Parts"), "part.view"),
    ("inventory.stock_index", _l("Stock"), "stock.view_all"),
    ("tablet.index", _l("Today's jobs"), "order.field_work"),
    ("inventory.my_van", _l("My van"), "order.field_work"),
    ("finance.index", _l("Finance"), "finance.view"),
    ("finance.invoices", _l("Invoice register"), "finance.view"),
    ("incentives.index", _l("Incentives"), "incentive.view"),
    ("audit.index", _l("Audit log"), "audit.view"),
    ("imports.index", _l("Imports"), "import.run"),
    ("tracking_orders.silent_queue", _l("Silent terminals"), "tracking.silent"),
    ("tracking_orders.overrides", _l("Completed without a fix"), "tracking.override_list"),
    ("tracking.status", _l("Tracking platform"), "tracking.status"),
]


def _label_pair(value: str) -> tuple[str, Any]:
    return value, label(value)


def _when(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    return format_datetime(value, fmt) if value else ""


def _page_url(page: int) -> str:
    args: dict[str, Any] = dict(request.args)
    args["page"] = page
    return url_for(request.endpoint or "web.index", **(request.view_args or {}), **args)


def _nav() -> list[tuple[str, Any]]:
    if not current_user.is_authenticated:
        return []
    return [(endpoint, label) for endpoint, label, permission in NAVIGATION
            if permission is None or allowed(current_user.roles, permission)]


def init_templating(app: Any) -> None:
    app.jinja_env.filters["when"] = _when
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["money_text"] = money_text
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["label_pair"] = _label_pair
    app.jinja_env.globals["page_url"] = _page_url
    app.jinja_env.globals["navigation"] = _nav
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["pending_handovers"] = lambda: pending_handovers(current_user)
    app.jinja_env.globals["unread_notifications"] = lambda: unread_notifications(current_user)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
