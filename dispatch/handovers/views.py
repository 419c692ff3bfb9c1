"""Pages of the shift handover log (R20) and of the in-app notifications."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from dispatch.errors import DomainError, ValidationFailed
from dispatch.extensions import db
from dispatch.handovers.log import (
    Handover,
    Notification,
    acknowledge_handover,
    mark_notifications_read,
    write_handover,
)
from dispatch.web.forms import form_data
from dispatch.web.security import page_requires

bp = Blueprint("care_log", __name__)


def _handovers_page(errors: dict | None = None, values: dict | None = None, status: int = 200):
    handovers = db.session.scalars(select(Handover).order_by(Handover.created_at.desc())
                                   .limit(100)).all()
    return render_template("care/handovers.html", handovers=handovers, errors=errors or {},
                           values=values or {}), status


@bp.route("/handovers", methods=["GET", "POST"])
@page_requires("handover.use")
def handovers():
    if request.method == "GET":
        return _handovers_page()
    values = form_data("open_problems", "pending_items")
    try:
        write_handover(values, current_user)
        db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return _handovers_page({**exc.fields, "_form": exc.message}, values, 422)
    flash(_("Handover saved."), "success")
    return redirect(url_for("care_log.handovers"))


@bp.post("/handovers/<int:handover_id>/acknowledge")
@page_requires("handover.use")
def acknowledge(handover_id: int):
    try:
        acknowledge_handover(handover_id, current_user)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        return _handovers_page({"_form": exc.message}, status=exc.status)
    flash(_("Handover acknowledged."), "success")
    return redirect(url_for("care_log.handovers"))


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def notifications():
    if request.method == "POST":
        mark_notifications_read(current_user)
        db.session.commit()
        return redirect(url_for("care_log.notifications"))
    items = db.session.scalars(select(Notification).where(Notification.user_id == current_user.id)
                               .order_by(Notification.id.desc()).limit(100)).all()
    return render_template("care/notifications.html", items=items)
