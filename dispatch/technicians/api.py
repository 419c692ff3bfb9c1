"""Technician API: create profiles, list them, report positions."""

from __future__ import annotations

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, DateTime, Float, Integer, List, Nested, String
from apiflask.validators import Length, Range
from flask import url_for

from dispatch.auth.roles import TECHNICIAN
from dispatch.extensions import db
from dispatch.technicians import services
from dispatch.web.api import api_requires, current_api_user
from dispatch.web.schemas import PageQuery, paginate

bp = APIBlueprint("technicians_api", __name__, url_prefix="/api/v1", tag="Technicians")


class TechnicianIn(Schema):
    username = String(required=True, validate=Length(max=40))
    password = String(required=True, validate=Length(max=200))
    name = String(required=True, validate=Length(max=100))
    home_address = String(validate=Length(max=300))
    home_lat = Float(required=True)
    home_lon = Float(required=True)
    skills = List(String(validate=Length(max=66)), load_default=list)
    phone = String(validate=Length(max=40))
    work_start = String(validate=Length(max=8))
    work_end = String(validate=Length(max=8))
    daily_capacity = Integer(validate=Range(min=0, max=50))
    contractor = Boolean()
    van_tracker_id = String(allow_none=True, validate=Length(max=32))


class TechnicianOut(Schema):
    id = Integer()
    user_id = Integer()
    username = String(attribute="user.username")
    name = String()
    phone = String()
    home_address = String()
    home_lat = Float()
    home_lon = Float()
    skills = List(String())
    work_start = String()
    work_end = String()
    daily_capacity = Integer()
    active = Boolean()
    contractor = Boolean()
    van_tracker_id = String(allow_none=True)
    last_lat = Float(allow_none=True)
    last_lon = Float(allow_none=True)
    last_seen_at = DateTime(allow_none=True)


class TechnicianPage(Schema):
    items = List(Nested(TechnicianOut))
    total = Integer()
    page = Integer()
    per_page = Integer()


class LocationIn(Schema):
    lat = Float(required=True)
    lon = Float(required=True)


@bp.post("/technicians")
@api_requires("technician.edit")
@bp.input(TechnicianIn, arg_name="body")
@bp.output(TechnicianOut, status_code=201)
def create_technician(body):
    """Create a technician: the user account (role technician) and its profile."""
    technician = services.create_technician(body)
    db.session.commit()
    return technician, 201, {
        "Location": url_for("technicians_api.get_technician", technician_id=technician.id)
    }


@bp.get("/technicians")
@api_requires("technician.view")
@bp.input(PageQuery, location="query", arg_name="args")
@bp.output(TechnicianPage)
def list_technicians(args):
    return paginate(services.search_technicians(args["q"]), args)


@bp.get("/technicians/<int:technician_id>")
@api_requires("technician.view")
@bp.output(TechnicianOut)
def get_technician(technician_id: int):
    return services.get_technician(technician_id)


@bp.post("/technicians/<int:technician_id>/location")
@api_requires(roles=(TECHNICIAN,))
@bp.input(LocationIn, arg_name="body")
@bp.output(TechnicianOut)
def report_location(technician_id: int, body):
    """The technician's tablet reports its position (only for its own profile)."""
    technician = services.report_location(
        services.get_technician(technician_id), current_api_user(), body["lat"], body["lon"]
    )
    db.session.commit()
    return technician
