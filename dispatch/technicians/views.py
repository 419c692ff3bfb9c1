"""Technician pages for managers, dispatchers and admins."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from dispatch.extensions import db
from dispatch.technicians import services
from dispatch.technicians.models import KIND_SKILLS
from dispatch.web.forms import handle_form
from dispatch.web.security import page_requires

bp = Blueprint("technicians", __name__, url_prefix="/technicians")

NEW_FORM = ("username", "password", "name", "phone", "home_address", "home_lat", "home_lon",
            "skills", "work_start", "work_end", "daily_capacity", "contractor", "van_tracker_id")
EDIT_FORM = ("name", "phone", "home_address", "home_lat", "home_lon", "skills", "work_start",
             "work_end", "daily_capacity", "active", "contractor", "van_tracker_id")


@bp.get("/")
@page_requires("technician.view")
def index():
    q = request.args.get("q", "")
    page = db.paginate(services.search_technicians(q), page=request.args.get("page", 1, type=int),
                       per_page=50, error_out=False)
    return render_template("technicians/index.html", page=page, q=q)


@bp.route("/new", methods=["GET", "POST"])
@page_requires("technician.edit")
def new():
    technician, response = handle_form(
        services.create_technician, "technicians/form.html", NEW_FORM,
        initial={"skills": ", ".join(map(services.skill_text, ("install", "repair"))),
                 "work_start": "08:30", "work_end": "17:30", "daily_capacity": "8"},
        technician=None, kinds=KIND_SKILLS,
    )
    if technician is None:
        return response
    flash(_("Technician saved."), "success")
    return redirect(url_for("technicians.show", technician_id=technician.id))


@bp.get("/<int:technician_id>")
@page_requires("technician.view")
def show(technician_id: int):
    return render_template("technicians/show.html",
                           technician=services.get_technician(technician_id))


@bp.route("/<int:technician_id>/edit", methods=["GET", "POST"])
@page_requires("technician.edit")
def edit(technician_id: int):
    technician = services.get_technician(technician_id)
    initial = {key: getattr(technician, key) for key in EDIT_FORM if key != "name"}
    initial.update(name=technician.user.name, skills=", ".join(map(services.skill_text, technician.skills)),
                   work_start=technician.work_start.strftime("%H:%M"),
                   work_end=technician.work_end.strftime("%H:%M"))
    saved, response = handle_form(
        lambda data: services.update_technician(technician, data), "technicians/form.html",
        EDIT_FORM, initial=initial, technician=technician, kinds=KIND_SKILLS,
    )
    if saved is None:
        return response
    flash(_("Technician saved."), "success")
    return redirect(url_for("technicians.show", technician_id=technician.id))
