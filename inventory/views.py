"""Inventory pages: price list, stock and low stock, receipts, transfers, vans and counts,
workshop and vendor repairs."""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from dispatch.errors import DomainError
from dispatch.extensions import db
from dispatch.technicians.models import Technician
from dispatch.technicians.services import technician_for_user
from dispatch.web.forms import handle_form
from dispatch.web.security import page_requires
from inventory import locations, parts, stock, van_loads, workshop
from inventory.models import CATEGORIES, Location, Part

bp = Blueprint("inventory", __name__, url_prefix="/inventory")

PART_FORM = ("sku", "name", "category", "serialized", "price", "reorder_point", "model_code")
EDIT_FORM = ("name", "category", "price", "reorder_point", "model_code", "active")
MOVE_FORM = ("sku", "qty", "location", "from", "to", "serials")


def _split_serials(data: dict) -> dict:
    """The serials box: one unit a line; a second column (tab, comma, semicolon or spaces
    between, as pasted from a spreadsheet or scanned) is the unit's IMEI."""
    serials, imeis = [], []
    for line in (data.get("serials") or "").splitlines():
        cells = [c for c in re.split(r"[\t,;\s]+", line.strip()) if c]
        if cells:
            serials.append(cells[0])
            imeis.append(cells[1] if len(cells) > 1 else "")
    return {**data, "serials": serials, "imeis": imeis if any(imeis) else []}


@bp.get("/parts")
@page_requires("part.view")
def parts_index():
    q = request.args.get("q", "")
    items = db.session.scalars(parts.search_parts(q)).all()
    available = parts.warehouse_available([p.sku for p in items])
    return render_template("inventory/parts.html", items=items, available=available, q=q,
                           low=stock.low_stock())


@bp.route("/parts/new", methods=["GET", "POST"])
@page_requires("part.edit")
def part_new():
    part, response = handle_form(parts.create_part, "inventory/part_form.html", PART_FORM,
                                 initial={"category": "other", "reorder_point": "0"},
                                 part=None, categories=CATEGORIES)
    if part is None:
        return response
    flash(_("Part saved."), "success")
    return redirect(url_for("inventory.parts_index"))


@bp.route("/parts/<int:part_id>/edit", methods=["GET", "POST"])
@page_requires("part.edit")
def part_edit(part_id: int):
    part = parts.get_part(part_id)
    initial = {key: "" if getattr(part, key) is None else getattr(part, key) for key in EDIT_FORM}
    saved, response = handle_form(lambda data: parts.update_part(part, data),
                                  "inventory/part_form.html", EDIT_FORM, initial=initial,
                                  part=part, categories=CATEGORIES)
    if saved is None:
        return response
    flash(_("Part saved."), "success")
    return redirect(url_for("inventory.parts_index"))


@bp.get("/")
@page_requires("stock.view_all")
def stock_index():
    location, sku = request.args.get("location") or None, request.args.get("sku") or None
    rows = stock.stock_rows(current_user, location, sku)
    all_locations = locations.locations()
    db.session.commit()
    return render_template("inventory/stock.html", rows=rows, locations=all_locations,
                           filters=request.args, low=stock.low_stock())


def _move_page(action, template: str, title: str):
    skus = db.session.scalars(select(Part.sku).where(Part.active).order_by(Part.sku)).all()
    # Plain values: the form is rendered again after a refused movement is rolled back (which
    # also takes back vans made for technicians during this request).
    places = [{"code": loc.code, "name": loc.name, "kind": loc.kind}
              for loc in locations.locations()]
    done, response = handle_form(lambda data: action(_split_serials(data), current_user),
                                 template, MOVE_FORM, initial={"qty": "1"}, skus=skus,
                                 locations=places, title=title)
    if done is None:
        return response
    flash(_("Stock movement saved."), "success")
    return redirect(url_for("inventory.stock_index"))


@bp.route("/receive", methods=["GET", "POST"])
@page_requires("stock.move")
def receive():
    return _move_page(stock.receive, "inventory/move.html", _("Receive goods"))


@bp.route("/transfer", methods=["GET", "POST"])
@page_requires("stock.move")
def transfer():
    return _move_page(stock.transfer, "inventory/move.html", _("Transfer stock"))


@bp.route("/load-van", methods=["GET", "POST"])
@page_requires("stock.move")
def load_van():
    """Load a van with many parts and units at once (scanner-friendly); ``to`` and ``lines``
    in the query fill the form (the order page and the day's pick lists link here)."""
    # Plain values: the form is rendered again after a refused load is rolled back.
    places = [(loc.code, loc.name, loc.kind) for loc in locations.locations()]
    vans = [place for place in places if place[2] == "van"]
    sources = [place for place in places if place[2] == "warehouse"]
    initial = {"to": request.args.get("to", ""), "from": locations.MAIN,
               "lines": request.args.get("lines", "")}
    done, response = handle_form(lambda data: van_loads.load_van(data, current_user),
                                 "inventory/load_van.html", ("to", "from", "lines"),
                                 initial=initial, vans=vans, sources=sources)
    if done is None:
        return response
    flash(_("Van loaded: %(n)s movements.", n=len(done)), "success")
    return redirect(url_for("inventory.stock_index", location=request.form.get("to")))


@bp.get("/van")
@page_requires("stock.view")
def my_van():
    technician = technician_for_user(current_user)
    if technician is None:
        return redirect(url_for("inventory.stock_index"))
    return redirect(url_for("inventory.van", technician_id=technician.id))


@bp.route("/vans/<int:technician_id>", methods=["GET", "POST"])
@page_requires("stock.view")
def van(technician_id: int):
    """What the technician carries (R11); a count records differences as adjustments."""
    technician = db.session.get(Technician, technician_id) or abort(404)
    location = locations.van_for(technician.id)
    if not locations.visible_to(current_user, location):
        abort(403)
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not current_user.can("stock.count"):
            abort(403)
        counted = {key[6:]: value for key, value in request.form.items()
                   if key.startswith("count.")}
        try:
            changes = stock.count(location, counted, request.form.get("reason"), current_user)
            db.session.commit()
            flash(_("Count saved: %(n)s difference(s) adjusted.", n=len(changes)), "success")
            return redirect(url_for("inventory.van", technician_id=technician.id))
        except DomainError as exc:
            db.session.rollback()
            errors = {**exc.fields, "_form": exc.message}
    db.session.commit()
    rows = stock.stock_rows(current_user, location.code)
    return render_template("inventory/van.html", technician=technician, location=location,
                           rows=rows, serials=stock.serials_at(location.id), errors=errors,
                           serialized=set(db.session.scalars(select(Part.sku).where(Part.serialized))),
                           vans=_vans()), 422 if errors else 200


def _vans() -> list[Location]:
    if not current_user.can("stock.view_all"):
        return []
    return [loc for loc in locations.locations() if loc.kind == "van"]


@bp.route("/workshop", methods=["GET", "POST"])
@page_requires("stock.view_all")
def workshop_index():
    """Faulty terminals with their return tag (R5), out to the vendor and back."""
    if request.method == "POST":
        if not current_user.can("stock.move"):
            abort(403)
        serials = request.form.getlist("serial")
        try:
            if request.form.get("action") == "send":
                workshop.send_to_vendor(serials, current_user)
            else:
                workshop.back_from_vendor(serials, current_user,
                                          scrapped=request.form.get("action") == "scrap")
            db.session.commit()
            flash(_("Stock movement saved."), "success")
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        return redirect(url_for("inventory.workshop_index"))
    terminals = workshop.faulty_terminals()
    db.session.commit()
    return render_template("inventory/workshop.html", terminals=terminals,
                           tags={t.id: workshop.return_tag(t) for t in terminals})
