"""Translated labels for the enumeration values stored in the database."""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

LABELS: dict[str, Any] = {
    "ordinary": _l("ordinary"), "confidential": _l("confidential"), "secret": _l("secret"),
    "in_stock": _l("in stock"), "installed": _l("installed"), "faulty": _l("faulty"),
    "at_vendor": _l("at vendor"), "scrapped": _l("scrapped"), "deactivated": _l("deactivated"),
    "install": _l("install"), "repair": _l("repair"), "removal": _l("removal"),
    "inspection": _l("inspection"), "new": _l("new"), "approved": _l("approved"),
    "assigned": _l("assigned"), "en_route": _l("en route"), "on_site": _l("on site"),
    "completed": _l("completed"), "closed": _l("closed"), "cancelled": _l("cancelled"),
    "normal": _l("normal"), "urgent": _l("urgent"), "cash": _l("cash"),
    "transfer": _l("transfer"), "none": _l("none"), "on_account": _l("on account"),
    "terminal": _l("terminal"), "sim": _l("SIM"),
    "intake": _l("registered"), "approve": _l("approved"), "assign": _l("assigned"),
    "complete": _l("completed"), "close": _l("closed"), "cancel": _l("cancelled"),
    "swap": _l("device change"), "part": _l("part used"), "photo": _l("photo"),
    "before": _l("before"), "after": _l("after"),
    "fee_override": _l("fee override"), "part_corrected": _l("part corrected"),
    "part_removed": _l("part removed"), "swap_removed": _l("device change removed"),
    "owner": _l("owner changed"), "install_free": _l("installation is free"),
    "in_warranty": _l("in warranty"), "parts_only": _l("out of warranty: parts only"),
    "warranty_unknown": _l("warranty unknown: ask for the purchase date"),
    "queued": _l("queued"), "running": _l("running"), "done": _l("done"), "failed": _l("failed"),
    "service_sheet": _l("service sheet"), "invoice_pdf": _l("invoice"),
    "return_tag": _l("return tag"), "invoice_pack": _l("month-end invoice pack"),
    "invoice_pack_part": _l("part of a month-end invoice pack"),
    "day_sheets": _l("day sheets"),
    "monthly_report": _l("monthly care statistics"), "location": _l("site placed"),
    "harness": _l("harness"), "relay": _l("relay"), "antenna": _l("antenna"), "other": _l("other"),
    "warehouse": _l("warehouse"), "van": _l("van"), "workshop": _l("workshop"),
    "vendor": _l("vendor"), "parts_planned": _l("parts planned"),
    "shortage": _l("shortage approved"),
    "hotline": _l("hotline"), "mail": _l("mail"), "web": _l("web"), "walk_in": _l("walk-in"),
    "minor": _l("minor"), "major": _l("major"),
    "critical": _l("critical"), "open": _l("open"), "escalated": _l("escalated"),
    "resolved": _l("resolved"), "device": _l("device"), "installation": _l("installation"),
    "service": _l("service"), "billing": _l("billing"),
    "customer_service": _l("customer service"), "field_service": _l("field service"),
    "issued": _l("issued"), "paid": _l("paid"), "void": _l("void"),
    "handover_receipt": _l("cash handover receipt"),
    "finance": _l("finance"), "customer": _l("customer"), "pending": _l("pending"), "ok": _l("in order"),
    "issue": _l("issue found"),
    "import": _l("import"), "customers": _l("customers"), "vehicles": _l("vehicles"),
    "terminals": _l("terminals"), "sims": _l("SIM cards"),
    "parts": _l("parts"), "stock": _l("opening stock"), "technicians": _l("technicians"),
    "balances": _l("stock balances"),
    "agent": _l("agent"), "manager": _l("manager"), "dispatcher": _l("dispatcher"),
    "technician": _l("technician"), "admin": _l("administrator"),
    "create": _l("create"), "update": _l("update"), "delete": _l("delete"),
    "reporting": _l("reporting"), "silent": _l("silent"),
    "unknown_device": _l("unknown to the platform"), "unreachable": _l("platform unreachable"),
    "rejected": _l("token rejected by the platform"), "not_configured": _l("not configured"),
    "no_command": _l("no command sent yet"),
    "remote_command": _l("remote command"), "resolve_remotely": _l("resolved remotely"),
    "tracking_register": _l("registration on the tracking platform"),
    "tracking_sync": _l("tracking platform sync"),
    "sms": _l("SMS"), "email": _l("email"), "log": _l("log only"), "sending": _l("sending"),
    "sent": _l("sent"), "skipped": _l("not sent"), "kept": _l("kept"), "missed": _l("missed"),
    "replaced": _l("replaced by a later promise"), "late": _l("late"), "at_risk": _l("at risk"),
    "order_approved": _l("order confirmed"), "order_en_route": _l("technician on the way"),
    "order_completed": _l("order completed"), "complaint_registered": _l("complaint registered"),
    "complaint_promised": _l("reply time promised"), "complaint_answered": _l("complaint answered"),
    "staff_alert": _l("staff alert"),
}

#: What the audit log's records are, by table (English: the tables' names in words).
RECORD_TYPES: dict[str, Any] = {
    "api_tokens": _l("API tokens"), "audit_checks": _l("audit checks"),
    "callbacks": _l("callbacks"), "cash_handovers": _l("cash handovers"),
    "collections": _l("collections"), "complaint_follow_ups": _l("complaint follow-ups"),
    "complaints": _l("complaints"), "customers": _l("customers"),
    "finance_adjustments": _l("adjustments"), "finance_locked_days": _l("locked days"),
    "handovers": _l("shift handovers"), "import_problems": _l("import problems"),
    "import_runs": _l("import runs"), "installations": _l("installations"),
    "invoices": _l("invoices"), "jobs": _l("background jobs"),
    "notifications": _l("notifications"), "order_parts": _l("parts used"),
    "order_photos": _l("photos"), "parts": _l("parts"), "planned_parts": _l("planned parts"),
    "safety_incidents": _l("safety incidents"), "service_points": _l("service points"),
    "shortage_approvals": _l("shortage approvals"), "sims": _l("SIM cards"),
    "stock_balances": _l("stock balances"), "stock_locations": _l("stock locations"),
    "stock_movements": _l("stock movements"), "swaps": _l("device changes"),
    "technicians": _l("technicians"), "terminals": _l("terminals"),
    "user_roles": _l("user roles"), "users": _l("users"), "vehicles": _l("vehicles"),
    "work_order_events": _l("order history"), "work_orders": _l("work orders"),
    "customer_links": _l("customer links"), "customer_messages": _l("customer messages"),
}


def record_type(table: str) -> Any:
    """The translated name of an audited record type (its table name if unknown)."""
    return RECORD_TYPES.get(table, table)


def record_key(key: str) -> str:
    """A record's key as shown: the parts of a composite key (``2/technician``) labelled."""
    return "/".join(str(label(part)) for part in str(key).split("/"))


def bilingual(value: str | None) -> str:
    """An enumeration's label in Chinese and in English, for the bilingual PDFs."""
    if not value:
        return ""
    with force_locale("zh_Hans"):
        chinese = str(label(value))
    with force_locale("en"):
        english = str(label(value))
    return chinese if chinese == english else f"{chinese} {english}"


def label(value: str) -> Any:
    """The translated label of a stored enumeration value (the value itself if unknown)."""
    return LABELS.get(value, value)


