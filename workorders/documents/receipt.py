"""The technician's receipt for cash handed to finance: a bilingual PDF built by a job."""

from __future__ import annotations

from typing import Any

from flask import current_app
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from dispatch import storage
from dispatch.auth.models import User
from dispatch.extensions import db
from dispatch.jobs.models import Job
from dispatch.money import format_money
from dispatch.timeutil import local_text
from workorders.documents import pdfs
from workorders.finance.models import CashHandover

L = {"title": "交款收据 Cash handover receipt", "number": "收据号 Receipt no.",
     "technician": "技术员 Technician", "amount": "金额 Amount", "date": "日期 Date",
     "note": "备注 Note", "received_by": "收款人 Received by",
     "signature": "技术员签名 Technician's signature"}


def receipt_data(handover: CashHandover) -> dict[str, Any]:
    """What the receipt prints."""
    receiver = db.session.get(User, handover.received_by_id)
    return {
        "company": current_app.config["DISPATCH_COMPANY_NAME"],
        "number": f"HO-{handover.day:%Y%m%d}-{handover.id:06d}",
        "technician": handover.technician.name,
        "amount": format_money(handover.amount),
        "date": local_text(handover.at),
        "note": handover.note or "—",
        "received_by": receiver.display_name if receiver else "",
    }


def receipt_flowables(data: dict[str, Any]) -> list[Flowable]:
    rows = [[L[k], data[k]] for k in ("number", "technician", "amount", "date", "note",
                                      "received_by")]
    return [pdfs.paragraph(data["company"], "big"), pdfs.paragraph(L["title"], "title"),
            pdfs.table(rows, [50 * mm, 120 * mm], header=False), Spacer(1, 20 * mm),
            pdfs.paragraph(f"{L['signature']}: ______________________")]


def build_handover_receipt(job: Job) -> str:
    handover = db.session.get_one(CashHandover, job.params["handover_id"])
    return storage.save("documents", pdfs.build(receipt_flowables, receipt_data(handover)), ".pdf")
