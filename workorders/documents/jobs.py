"""Documents of an order (SPEC §6): what is requested when, and the jobs that build them.

On completion the order's service sheet (one per order version), its invoice (when a fee was
collected) and a return tag per terminal taken out (R5) are requested in the completion's
transaction; the jobs build the PDFs and store them. Labels are bilingual (Chinese and
English), as paper forms here usually are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from dispatch import storage
from dispatch.auth.models import User
from dispatch.extensions import db
from dispatch.jobs.models import Job
from dispatch.jobs.outbox import request_job
from dispatch.labels import bilingual
from dispatch.money import format_money
from dispatch.registry.visibility import customer_view, shown_name
from dispatch.technicians.models import Technician
from dispatch.timeutil import local_text
from inventory.orders import PickLine
from workorders import order_parts
from workorders.documents import pdfs
from workorders.fees import amount_due
from workorders.finance.invoices import Invoice
from workorders.models import Swap, WorkOrder, WorkOrderEvent
from workorders.photos import OrderPhoto, photos_of
from workorders.timeline import event_note
from workorders.tracking.activation import evidence
from workorders.tracking.models import OrderActivation

DOCUMENT_KINDS = ("service_sheet", "invoice_pdf", "return_tag")
L = {
    "customer": "客户 Customer", "contact": "联系人 Contact", "phone": "电话 Phone",
    "plate": "车牌 Plate", "site": "地址 Site", "product_model": "产品型号 Model",
    "purchase_date": "购买日期 Purchased", "technician": "技术员 Technician",
    "status": "状态 Status", "payment": "付款 Payment", "fault": "故障现象 Fault symptoms",
    "resolution": "处理结果 Resolution", "timeline": "时间记录 Timeline", "when": "时间 When",
    "step": "步骤 Step", "who": "人员 By", "swaps": "设备更换 Device changes",
    "device": "设备 Device", "old": "原 Old", "new": "新 New", "reason": "原因 Reason",
    "pick_list": "备件领料单 Pick list", "from": "领取地点 From", "parts_fee": "配件及费用 Parts and fee",
    "part": "项目 Item", "serial": "序列号 Serial", "qty": "数量 Qty", "unit_price": "单价 Unit price",
    "amount": "金额 Amount", "total": "合计 Total", "signature": "客户签名 Customer's signature",
    "invoice": "服务收费单 Service invoice",
    "not_fapiao": "本单据不是增值税发票（税务发票），不能用于报销抵扣 · "
                  "This is not a tax fapiao (VAT invoice) and cannot be used as one",
    "seller": "收款方 Seller", "tax_id": "纳税人识别号 Tax ID", "address": "地址 Address",
    "bank": "开户行及账号 Bank account", "void": "作废 VOID", "date": "日期 Date", "order": "工单 Order",
    "net": "不含税金额 Net", "photos": "现场照片 Photos", "before": "施工前 Before",
    "after": "施工后 After", "tax": "税额 Tax", "return_tag": "返修标签 Return tag",
    "activation": "终端上线 Terminal activation", "first_fix": "首次定位 First fix",
    "from_site": "距现场 from the site", "override": "未上线放行 Completed without a fix",
}
TITLES = {"install": "安装派工单 Install dispatch order",
          "repair": "维修服务单 Repair service order",
          "removal": "拆除服务单 Removal service order",
          "inspection": "巡检服务单 Inspection service order"}




def _common(order: WorkOrder) -> dict[str, Any]:
    return {"company": current_app.config["DISPATCH_COMPANY_NAME"], "labels": L,
            "url": f"{current_app.config['DISPATCH_BASE_URL']}/workorders/{order.id}"}


@dataclass
class SheetReads:
    """What a service sheet reads besides the order, loaded for a batch of sheets at once."""

    activation: OrderActivation | None
    photos: list[OrderPhoto]
    pick_list: list[PickLine]


_SHEET_BATCH = "documents_sheet_reads"


def sheet_data(order: WorkOrder, reads: SheetReads | None = None) -> dict[str, Any]:
    """Everything the service sheet prints, read from the order (and ``reads``, when a batch
    loaded them: :func:`prepare_service_sheets`)."""
    if reads is None:
        reads = SheetReads(evidence(order.id), photos_of(order), order_parts.pick_list(order))
    signature = storage.load(order.signature_path) if order.signature_path else None
    return {
        **_common(order), "title": TITLES[order.kind], "number": order.number,
        "customer": order.customer.name, "contact": order.contact_name, "phone": order.contact_phone,
        "plate": order.vehicle.plate, "site": order.site_address, "product_model": order.product_model,
        "purchase_date": order.purchase_date.isoformat() if order.purchase_date else "",
        "technician": order.technician.name if order.technician else "",
        "status": bilingual(order.status),
        "payment": f"{bilingual(order.payment_method)} {format_money(order.amount_collected)}"
        if order.payment_method else "",
        "fault": order.fault_description, "resolution": order.resolution,
        "events": [[local_text(e.at), f"{bilingual(e.action)} {_chinese_note(e)}".strip(),
                    e.user.display_name if e.user else ""] for e in order.events],
        "swaps": [[bilingual(s.kind), s.old_identifier or "—", s.new_identifier or "—", s.reason]
                  for s in order.swaps],
        "pick_list": [[line["name"], line["qty"], line["location"]]
                      for line in _pick_rows(reads.pick_list)],
        "parts": [[p.name, p.serial or "", p.qty, format_money(p.unit_price), format_money(p.amount)]
                  for p in order.parts],
        "total": format_money(amount_due(order)),
        "signature": signature,
        "activation": activation_text(order, reads.activation),
        "photos": sheet_photos(order, reads.photos),
    }


def _chinese_note(event: WorkOrderEvent) -> str:
    with force_locale("zh_Hans"):
        return event_note(event.action, event.note)


_UNREAD: Any = object()


def activation_text(order: WorkOrder, kept: OrderActivation | None = _UNREAD) -> str:
    """The activation evidence (SPEC §10): when and where the new terminal's first fix was,
    or the reason it was completed without one; empty when the order installed none."""
    if kept is _UNREAD:
        kept = evidence(order.id)
    if kept is None:
        return ""
    parts = []
    if kept.fix_at is not None:
        parts.append(f"{L['first_fix']}: {local_text(kept.fix_at)}, "
                     f"{kept.fix_lat:.5f}, {kept.fix_lon:.5f}")
        if kept.distance_m is not None:
            parts.append(f"{kept.distance_m} m {L['from_site']}")
    if kept.override_reason:
        parts.append(f"{L['override']}: {kept.override_reason}")
    return f"{kept.unique_id} — " + "; ".join(parts) if parts else ""


SHEET_PHOTOS = 4


def sheet_photos(order: WorkOrder, taken: list[OrderPhoto] | None = None) -> list[tuple[str, bytes]]:
    """Up to four photos for the sheet: the first before and the last after photos, half each
    when there are enough of both, in the order taken; with their stage's label."""
    if taken is None:
        taken = photos_of(order)
    before = [p for p in taken if p.stage == "before"]
    after = [p for p in taken if p.stage == "after"]
    keep_after = min(len(after), max(SHEET_PHOTOS // 2, SHEET_PHOTOS - len(before)))
    chosen = before[:SHEET_PHOTOS - keep_after] + (after[-keep_after:] if keep_after else [])
    return [(L[photo.stage], storage.load(photo.path)) for photo in chosen]


def pick_list(order: WorkOrder) -> list[dict[str, Any]]:
    """R4: the order's parts and where each waits for the technician (or that it is short)."""
    return _pick_rows(order_parts.pick_list(order))


def _pick_rows(lines: list[PickLine]) -> list[dict[str, Any]]:
    return [{"name": line.sku, "qty": line.qty, "location": line.location_code or "缺货 short"}
            for line in lines]


def invoice_data(invoice: Invoice, reader: User | None = None) -> dict[str, Any]:
    """What an invoice prints; for a ``reader`` (a bulk run's), the customer's name as they may
    see it (R18: a secret customer's is not for finance)."""
    order = invoice.order
    customer = order.customer.name
    if reader is not None:
        customer = shown_name(customer_view(reader, order.customer.confidentiality), customer)
    return {
        **_common(order), "number": invoice.number, "customer": customer,
        "date": local_text(invoice.issued_at)[:10], "order_number": order.number,
        "payment": bilingual(invoice.payment_method),
        "lines": [[line["description"], line["qty"], format_money(line["unit_price"]),
                   format_money(line["amount"])] for line in invoice.lines],
        "net": format_money(invoice.net),
        "tax": f"{format_money(invoice.tax)} ({invoice.tax_rate:.0%})",
        "total": format_money(invoice.total), "void": invoice.status == "void",
        "void_reason": invoice.void_reason or "", "seller": seller(),
    }


def seller() -> list[tuple[str, str]]:
    """Who issues the invoice, from the settings (``DISPATCH_SELLER_*``; the name defaults to
    the company name); lines left empty in the settings are left out."""
    config = current_app.config
    lines = [("seller", config["DISPATCH_SELLER_NAME"] or config["DISPATCH_COMPANY_NAME"]),
             ("tax_id", config["DISPATCH_SELLER_TAX_ID"]),
             ("address", config["DISPATCH_SELLER_ADDRESS"]),
             ("bank", config["DISPATCH_SELLER_BANK"])]
    return [(L[key], value) for key, value in lines if value]


def request_completion_documents(order: WorkOrder, user_id: int | None) -> None:
    """In the completion's transaction: queue the service sheet and a return tag per terminal
    taken out (R5). The invoice and its PDF are finance's decision (``settle_completion``)."""
    request_sheet(order, user_id)
    for swap in order.swaps:
        if swap.kind == "terminal" and swap.old_identifier:
            request_job("return_tag", f"return_tag:{swap.id}", {"swap_id": swap.id},
                        order_id=order.id, user_id=user_id)


def request_sheet(order: WorkOrder, user_id: int | None) -> Job:
    return request_job("service_sheet", f"service_sheet:{order.id}:v{order.version}",
                       {"order_id": order.id, "version": order.version}, order_id=order.id,
                       user_id=user_id)


SHEET_LOADING = (joinedload(WorkOrder.customer), joinedload(WorkOrder.vehicle),
                 joinedload(WorkOrder.technician).joinedload(Technician.user)
                 .lazyload(User.role_rows),
                 selectinload(WorkOrder.events).joinedload(WorkOrderEvent.user)
                 .lazyload(User.role_rows),
                 selectinload(WorkOrder.swaps), selectinload(WorkOrder.parts))


def prepare_service_sheets(jobs: list[Job]) -> list[WorkOrder]:
    """A batch of sheets (``dispatch.jobs.runner`` ``PREPARE``): their orders and everything
    the sheets read, in a handful of queries instead of a handful per sheet."""
    ids = sorted({job.params["order_id"] for job in jobs})
    orders = list(db.session.scalars(select(WorkOrder).where(WorkOrder.id.in_(ids))
                                     .options(*SHEET_LOADING,
                                              selectinload(WorkOrder.planned_parts))).unique())
    activations = {row.order_id: row for row in db.session.scalars(
        select(OrderActivation).where(OrderActivation.order_id.in_(ids)))}
    photos: dict[int, list[OrderPhoto]] = {order_id: [] for order_id in ids}
    for photo in db.session.scalars(select(OrderPhoto).where(OrderPhoto.order_id.in_(ids))
                                    .order_by(OrderPhoto.id)):
        photos[photo.order_id].append(photo)
    picks = order_parts.pick_lists(orders)
    db.session.info[_SHEET_BATCH] = {
        order.id: SheetReads(activations.get(order.id), photos[order.id], picks[order.id])
        for order in orders}
    return orders


def build_service_sheet(job: Job) -> str:
    order = db.session.get_one(WorkOrder, job.params["order_id"], options=SHEET_LOADING)
    reads = db.session.info.get(_SHEET_BATCH, {}).pop(order.id, None)
    return storage.save("documents", pdfs.build(pdfs.service_sheet_flowables,
                                                sheet_data(order, reads)), ".pdf")


def build_invoice_pdf(job: Job) -> str:
    invoice = db.session.get_one(Invoice, job.params["invoice_id"])
    return storage.save("documents", pdfs.build(pdfs.invoice_flowables, invoice_data(invoice)), ".pdf")


def build_return_tag(job: Job) -> str:
    swap = db.session.get_one(Swap, job.params["swap_id"])
    order = swap.order
    data = {**_common(order), "plate": order.vehicle.plate,
            "fault": swap.reason or order.fault_description, "old": swap.old_identifier,
            "new": swap.new_identifier or "—", "date": local_text(swap.applied_at or swap.created_at)[:10],
            "order_number": order.number}
    return storage.save("documents", pdfs.build_return_tag(data), ".pdf")


def order_documents(order_id: int) -> list[Job]:
    return list(db.session.scalars(select(Job).where(
        Job.order_id == order_id, Job.kind.in_(DOCUMENT_KINDS)).order_by(Job.id)))
