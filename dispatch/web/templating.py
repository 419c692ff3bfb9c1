"""Jinja filters and globals used by every page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import request, url_for
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from dispatch.auth.roles import allowed, landing_endpoint
from dispatch.handovers.log import pending_handovers, unread_notifications
from dispatch.labels import label, record_key, record_type
from dispatch.money import format_money, money_text
from dispatch.technicians.services import skill_text

#: Top navigation: (endpoint, label, permission or None for any signed-in user, group or None).
#: A user with more than ``FLAT_LIMIT`` links sees the grouped ones in a menu per group.
NAVIGATION: list[tuple[str, Any, str | None, Any]] = [
    ("office.overview", _l("Overview"), "overview.view", None),
    ("tablet.index", _l("Today's jobs"), "order.field_work", None),
    ("inventory.my_van", _l("My van"), "order.field_work", None),
    ("board.index", _l("Dispatch board"), "order.assign", None),
    ("workorders.approvals", _l("Approvals"), "order.approve", None),
    ("workorders.index", _l("Work orders"), "order.view", None),
    ("registry.customers", _l("Customers"), "customer.view", _l("Registry")),
    ("registry.terminals", _l("Terminals"), "device.view", _l("Registry")),
    ("registry.sims", _l("SIM cards"), "device.view", _l("Registry")),
    ("care.my_problems", _l("My open problems"), "problems.own", _l("Care")),
    ("care.complaint_index", _l("Complaints"), "complaint.view", _l("Care")),
    ("care.callback_queue", _l("Callbacks"), "callback.view", _l("Care")),
    ("care.stats", _l("Care statistics"), "care.stats", _l("Care")),
    ("care.audit", _l("Quarterly audit"), "audit_sample.manage", _l("Care")),
    ("care_log.handovers", _l("Shift handover"), "handover.use", _l("Care")),
    ("inventory.parts_index", _l("Parts"), "part.view", _l("Stock")),
    ("inventory.stock_index", _l("Stock"), "stock.view_all", _l("Stock")),
    ("finance.index", _l("Finance"), "finance.view", _l("Money")),
    ("finance.invoices", _l("Invoice register"), "finance.view", _l("Money")),
    ("incentives.index", _l("Incentives"), "incentive.view", _l("Money")),
    ("documents.runs", _l("Document runs"), "documents.invoice_pack", _l("Money")),
    ("technicians.index", _l("Technicians"), "technician.view", _l("Administration")),
    ("accounts.index", _l("Staff accounts"), "user.admin", _l("Administration")),
    ("audit.index", _l("Audit log"), "audit.view", _l("Administration")),
    ("imports.index", _l("Imports"), "import.run", _l("Administration")),
    ("tracking_orders.silent_queue", _l("Silent terminals"), "tracking.silent", _l("Registry")),
    ("tracking_orders.overrides", _l("Completed without a fix"), "tracking.override_list",
     _l("Registry")),
    ("tracking.status", _l("Tracking platform"), "tracking.status", _l("Administration")),
]
FLAT_LIMIT = 7
#: Counts shown beside a navigation link, by endpoint: ``function(user) -> int``. The app shell
#: fills it (``dispatch/wiring.py`` ``init_navigation``): the kernel knows no orders.
NAV_COUNTS: dict[str, Callable[[Any], int]] = {}


def _label_pair(value: str) -> tuple[str, Any]:
    return value, label(value)


def _when(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    return format_datetime(value, fmt) if value else ""


def _page_url(page: int) -> str:
    args: dict[str, Any] = dict(request.args)
    args["page"] = page
    return url_for(request.endpoint or "web.index", **(request.view_args or {}), **args)


def _nav() -> list[tuple[str, Any]]:
    """Every link the signed-in user may follow, in order (the start page's tiles)."""
    if not current_user.is_authenticated:
        return []
    return [(endpoint, text) for endpoint, text, permission, _group in NAVIGATION
            if permission is None or allowed(current_user.roles, permission)]


@dataclass
class NavItem:
    endpoint: str
    label: Any
    count: int | None = None
    children: list[NavItem] = field(default_factory=list)


def _nav_tree() -> list[NavItem]:
    """The header's links: flat for a few, else the grouped ones under their group's menu."""
    if not current_user.is_authenticated:
        return []
    mine = [(endpoint, text, group) for endpoint, text, permission, group in NAVIGATION
            if permission is None or allowed(current_user.roles, permission)]
    flat = len(mine) <= FLAT_LIMIT
    tree: list[NavItem] = []
    groups: dict[str, NavItem] = {}
    for endpoint, text, group in mine:
        count = NAV_COUNTS[endpoint](current_user) if endpoint in NAV_COUNTS else None
        item = NavItem(endpoint, text, count)
        if flat or group is None:
            tree.append(item)
            continue
        if str(group) not in groups:
            groups[str(group)] = NavItem("", group)
            tree.append(groups[str(group)])
        groups[str(group)].children.append(item)
    return tree


def _landing() -> str:
    return url_for(landing_endpoint(current_user.roles) if current_user.is_authenticated
                   else "web.index")


def init_templating(app: Any) -> None:
    app.jinja_env.filters["when"] = _when
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["money_text"] = money_text
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["record_type"] = record_type
    app.jinja_env.filters["record_key"] = record_key
    app.jinja_env.filters["skill"] = skill_text
    app.jinja_env.filters["label_pair"] = _label_pair
    app.jinja_env.globals["page_url"] = _page_url
    app.jinja_env.globals["navigation"] = _nav
    app.jinja_env.globals["nav_tree"] = _nav_tree
    app.jinja_env.globals["landing_url"] = _landing
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["pending_handovers"] = lambda: pending_handovers(current_user)
    app.jinja_env.globals["unread_notifications"] = lambda: unread_notifications(current_user)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
