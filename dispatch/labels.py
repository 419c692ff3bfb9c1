"""Translated labels for the enumeration values stored in the database."""

from __future__ import annotations

from typing import Any

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


def label(value: str) -> Any:
    """The translated label of a stored enumeration value (the value itself if unknown)."""
    return LABELS.get(value, value)


