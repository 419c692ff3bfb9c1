"""Callbacks (R14): every completed repair order is called back before it may close — after the
set number of failed attempts it waits for a manager's decision — and a quarterly audit
re-checks a reproducible random 20 % of the quarter's repair orders."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, select

from dispatch.auth.models import User
from dispatch.errors import Conflict, FieldErrors, Forbidden, NotFound
from dispatch.extensions import db
from dispatch.text import boolean, choice, clean_text
from dispatch.timeutil import month_bounds, utcnow
from workorders.access import get_order, visible_orders
from workorders.care.models import AUDIT_RESULTS, AuditCheck, Callback, CallbackDecision
from workorders.lifecycle import FINISHED
from workorders.models import WorkOrder

SAMPLE_SHARE = 0.2


def max_attempts() -> int:
    """Failed callback attempts after which a repair order waits for a manager's decision."""
    return int(current_app.config["DISPATCH_CALLBACK_ATTEMPTS"])


def callback_state(order: WorkOrder) -> tuple[bool, int]:
    """``(reached, failed_attempts)`` of the order's callbacks."""
    rows = db.session.execute(select(Callback.reached, func.count()).where(
        Callback.workorder_id == order.id).group_by(Callback.reached)).all()
    counts = {bool(reached): n for reached, n in rows}
    return counts.get(True, 0) > 0, counts.get(False, 0)


def decision_for(order_id: int) -> CallbackDecision | None:
    return db.session.scalar(select(CallbackDecision).where(
        CallbackDecision.workorder_id == order_id))


def callback_done(order: WorkOrder) -> bool:
    """R14 is met: a callback reached the customer, or a manager decided without one."""
    return callback_state(order)[0] or decision_for(order.id) is not None


def require_callback(order: WorkOrder) -> None:
    """R14: a repair order closes only after a reached callback — or, once the set number of
    attempts failed, after a manager's decision (:func:`decide_without_callback`)."""
    if order.kind != "repair":
        return
    reached, failed = callback_state(order)
    if reached or decision_for(order.id) is not None:
        return
    if failed < max_attempts():
        raise Conflict(
            _l("Call the customer back before closing: no callback reached them yet "
               "(%(failed)d of %(max)d attempts failed).", failed=failed, max=max_attempts()),
            code="callback_missing")
    raise Conflict(_l("%(failed)d callback attempts failed: the order waits for a manager's "
                      "decision to close it without reaching the customer.", failed=failed),
                   code="callback_decision")


def decide_without_callback(data: Mapping[str, Any], user: User) -> CallbackDecision:
    """R14: after the set number of failed attempts, a manager decides (with a reason) that the
    repair closes without the customer reached. Before that, or once reached, a 409."""
    if not user.can("callback.decide"):
        raise Forbidden(_l("Only a manager decides to close without a callback."))
    errors = FieldErrors()
    order: WorkOrder | None = None
    try:
        order = get_order(int(data.get("workorder_id") or 0), user, for_update=True)
    except (NotFound, TypeError, ValueError):
        errors.add("workorder_id", _l("No such work order."))
    reason = errors.check("reason", clean_text, data.get("reason"), max_len=300, required=True)
    errors.raise_if_any()
    assert order is not None
    if order.kind != "repair" or order.status != "completed":
        raise Conflict(_l("Callbacks are made on completed repair orders."), code="not_in_queue")
    reached, failed = callback_state(order)
    if reached or decision_for(order.id) is not None:
        raise Conflict(_l("A callback already reached this customer."), code="callback_done")
    if failed < max_attempts():
        raise Conflict(_l("Call the customer again first: %(failed)d of %(max)d attempts "
                          "failed.", failed=failed, max=max_attempts()), code="callback_missing")
    decision = CallbackDecision(workorder_id=order.id, decided_by_id=user.id, reason=reason)
    db.session.add(decision)
    db.session.flush()
    return decision


def record_callback(data: Mapping[str, Any], user: User) -> Callback:
    """Record one callback attempt on a completed repair order."""
    if not user.can("callback.record"):
        raise Forbidden(_l("Your role does not allow this."))
    errors = FieldErrors()
    order: WorkOrder | None = None
    try:
        order = get_order(int(data.get("workorder_id") or 0), user, for_update=True)
    except (NotFound, TypeError, ValueError):
        errors.add("workorder_id", _l("No such work order."))
    reached = errors.check("reached", boolean, data.get("reached"))
    satisfaction = data.get("satisfaction")
    if satisfaction in (None, ""):
        satisfaction = None
    else:
        satisfaction = errors.check("satisfaction", choice, str(satisfaction),
                                    ("1", "2", "3", "4", "5"))
        if satisfaction is not None and not reached:
            errors.add("satisfaction", _l("Satisfaction is asked only when the customer was reached."))
    notes = errors.check("notes", clean_text, data.get("notes"), max_len=1000)
    errors.raise_if_any()
    assert order is not None
    if order.kind != "repair" or order.status != "completed":
        raise Conflict(_l("Callbacks are made on completed repair orders."), code="not_in_queue")
    if callback_state(order)[0]:
        raise Conflict(_l("A callback already reached this customer."), code="callback_done")
    callback = Callback(workorder_id=order.id, user_id=user.id, reached=reached,
                        satisfaction=int(satisfaction) if satisfaction else None, notes=notes or "")
    db.session.add(callback)
    db.session.flush()
    return callback


def callback_queue(user: User) -> list[tuple[WorkOrder, int]]:
    """Completed repair orders still waiting for a callback (or, after the set number of failed
    attempts, for a manager's decision), oldest first, with their failed attempts."""
    reached = exists().where(Callback.workorder_id == WorkOrder.id, Callback.reached.is_(True))
    failed = (select(func.count(Callback.id)).where(Callback.workorder_id == WorkOrder.id,
                                                   Callback.reached.is_(False))
              .correlate(WorkOrder).scalar_subquery())
    decided = exists().where(CallbackDecision.workorder_id == WorkOrder.id)
    query = (visible_orders(user).add_columns(failed)
             .where(WorkOrder.kind == "repair", WorkOrder.status == "completed", ~reached,
                    ~decided)
             .order_by(WorkOrder.completed_at).limit(500))
    return [(order, n) for order, n in db.session.execute(query).all()]


def quarter_bounds(year: int, quarter: int) -> tuple[datetime, datetime]:
    """Start and end (exclusive) of a calendar quarter in the configured zone."""
    if not 1 <= quarter <= 4:
        raise ValueError(_l("A quarter is 1 to 4."))
    return month_bounds(year, 3 * quarter - 2)[0], month_bounds(year, 3 * quarter)[1]


def quarter_repair_ids(year: int, quarter: int) -> list[int]:
    """Repair orders completed in the quarter (completed or closed), by id."""
    start, end = quarter_bounds(year, quarter)
    return list(db.session.scalars(select(WorkOrder.id).where(
        WorkOrder.kind == "repair", WorkOrder.status.in_(FINISHED),
        and_(WorkOrder.completed_at >= start, WorkOrder.completed_at < end))
        .order_by(WorkOrder.id)))


def draw_sample(order_ids: list[int], year: int, quarter: int, seed: int) -> list[int]:
    """A reproducible ceil(20 %) random sample of ``order_ids`` for the quarter and seed."""
    size = math.ceil(len(order_ids) * SAMPLE_SHARE)
    rng = random.Random(f"{year}Q{quarter}:{seed}")
    return sorted(rng.sample(sorted(order_ids), size))


def create_audit_sample(year: int, quarter: int, seed: int, user: User) -> list[AuditCheck]:
    """Draw and store the quarter's sample for the manager's re-check (once per quarter)."""
    label = f"{year}Q{quarter}"
    if db.session.scalar(select(func.count(AuditCheck.id)).where(AuditCheck.quarter == label)):
        raise Conflict(_l("The sample for %(quarter)s was already drawn.", quarter=label))
    checks = [AuditCheck(quarter=label, seed=seed, workorder_id=order_id)
              for order_id in draw_sample(quarter_repair_ids(year, quarter), year, quarter, seed)]
    db.session.add_all(checks)
    db.session.flush()
    return checks


def record_audit_check(check_id: int, data: Mapping[str, Any], user: User) -> AuditCheck:
    """The manager's re-check result on one sampled order."""
    check = db.session.get(AuditCheck, check_id)
    if check is None:
        raise NotFound(_l("No such audit entry."))
    errors = FieldErrors()
    result = errors.check("result", choice, data.get("result"), AUDIT_RESULTS[1:])
    notes = errors.check("notes", clean_text, data.get("notes"), max_len=1000,
                         required=result == "issue")
    errors.raise_if_any()
    check.result, check.notes = result, notes or ""
    check.checked_by_id, check.checked_at = user.id, utcnow()
    return check
