"""Technician incentive pages (R19): the month's table, the quarterly ranking, the coefficient
table and safety incidents (managers), and the CSV/XLSX export."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from dispatch.errors import ValidationFailed
from dispatch.exports import export_response
from dispatch.extensions import db
from dispatch.technicians.models import Technician
from dispatch.timeutil import last_month
from dispatch.validators import parse_month
from dispatch.web.forms import form_data, query_value
from dispatch.web.security import page_requires
from workorders.care import incentives
from workorders.care.models import SafetyIncident
from workorders.models import KINDS

bp = Blueprint("incentives", __name__, url_prefix="/incentives")


def _month() -> tuple[int, int]:
    return query_value("month", parse_month, parse_month(last_month()))


def _page(errors: dict | None = None, values: dict | None = None, status: int = 200):
    year, month = _month()
    quarter = (month - 1) // 3 + 1
    technicians = db.session.scalars(select(Technician).where(Technician.contractor.is_(False))
                                     ).all()
    incidents = db.session.scalars(select(SafetyIncident).order_by(
        SafetyIncident.occurred_on.desc()).limit(20)).all()
    return render_template(
        "care/incentives.html", month=f"{year:04d}-{month:02d}", quarter=quarter, year=year,
        rows=incentives.monthly_incentives(year, month),
        ranking=incentives.quarterly_ranking(year, quarter), table=incentives.coefficients(),
        kinds=KINDS, technicians=sorted(technicians, key=lambda t: t.name), incidents=incidents,
        errors=errors or {}, values=values or {}), status


@bp.get("/")
@page_requires("incentive.view")
def index():
    return _page()


@bp.get("/export")
@page_requires("incentive.view")
def export():
    year, month = _month()
    rows = incentives.monthly_incentives(year, month)
    name = f"incentives-{year:04d}-{month:02d}"
    header, table = incentives.export_table(rows)
    fmt = "xlsx" if request.args.get("format") == "xlsx" else "csv"
    return export_response(name, header, table, fmt)


def _save(run, fields: tuple[str, ...]):
    values = form_data(*fields)
    try:
        run(values, current_user)
        db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return _page({**exc.fields, "_form": exc.message}, values, 422)
    flash(_("Saved."), "success")
    return redirect(url_for("incentives.index", month=request.values.get("month", "")))


@bp.post("/points")
@page_requires("incentive.edit")
def points():
    return _save(incentives.set_service_points, KINDS)


@bp.post("/incidents")
@page_requires("incentive.edit")
def incidents():
    return _save(incentives.record_incident, ("technician_id", "occurred_on", "description"))
