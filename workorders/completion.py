"""Completing an order on site (R7, SPEC §4), as the four steps it is.

1. **Lifecycle**: every field the order's kind needs, the payment that matches what is owed,
   a new terminal that reports (or an override reason: ``workorders/tracking/activation.py``),
   then the ``complete`` transition (the only writer of the status, in ``lifecycle``).
2. **Stock and devices**: swaps applied to the device registry (a faulty terminal goes to the
   workshop with its tag, R5), the parts used consumed from the reservation or the van —
   exactly what is billed, or the completion is refused (409 ``not_in_stock``).
3. **Finance**: the money collected and the invoice decision, together (R8).
4. **Documents**: the service sheet and the return tags requested through the outbox.

All in the caller's transaction: everything is saved or nothing is. Each step is called
through its module, so the fault drills can pause between them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from dispatch import storage
from dispatch.auth.models import User
from dispatch.errors import FieldErrors
from dispatch.extensions import db
from dispatch.money import parse_money
from dispatch.text import choice, clean_text
from dispatch.validators import parse_date
from inventory import orders as order_stock
from workorders import fees, onsite
from workorders.access import require_assigned_technician
from workorders.documents import jobs as order_documents
from workorders.finance import collections
from workorders.kinds import kind_of
from workorders.lifecycle import check, transition
from workorders.models import PAYMENT_METHODS, WorkOrder
from workorders.tracking import activation

#: R1, R2: the fee of a repair waits for a date to count the warranty from.
NO_DATE_ON_RECORD = _l("No install or purchase date is on record for this vehicle: ask the "
                       "customer for the purchase date (the warranty is unknown until then).")


def complete(order: WorkOrder, user: User, data: Mapping[str, Any]) -> WorkOrder:
    """Complete once every required field is there; refuses (422) with every missing field."""
    require_assigned_technician(order, user)
    check(order, "complete", user)
    errors = FieldErrors()
    resolution = errors.check("resolution", clean_text, data.get("resolution"), max_len=2000) or ""
    method = errors.check("payment_method", choice, data.get("payment_method"), PAYMENT_METHODS)
    amount = errors.check("amount_collected", parse_money, data.get("amount_collected"))
    signature = errors.check("signature", storage.decode_signature,
                             data.get("signature_png_base64") or "")
    for field, message in kind_of(order).missing(order, resolution).items():
        errors.add(field, message)
    activation.require_reporting(order, user, data.get("activation_override_reason"), errors)
    if data.get("purchase_date"):
        order.purchase_date = errors.check("purchase_date", parse_date, data["purchase_date"])
    quote = onsite.current_quote(order)
    if quote.basis == "warranty_unknown" and (order.kind == "repair" or order.parts):
        errors.add("purchase_date", str(NO_DATE_ON_RECORD))
    fee = fees.amount_due(order, quote)
    if method and amount is not None:
        collections.check_payment(method, amount, fee, errors, order.customer.credit_class)
    errors.raise_if_any()

    onsite.apply_swaps(order, user)
    order_stock.consume_for_order(order.id, order.technician_id,  # type: ignore[arg-type]
                                  [(p.sku, p.qty, p.serial) for p in order.parts], user.id)
    order.resolution = resolution
    order.signature_path = storage.save("signatures", signature, ".png")
    order.payment_method, order.amount_collected = method, amount
    order.fee_total, order.in_warranty = quote.total, quote.in_warranty
    transition(order, "complete", user, note=f"fee {fee}")
    db.session.flush()

    collections.settle_completion(order, user.id)
    order_documents.request_completion_documents(order, user.id)
    return order
