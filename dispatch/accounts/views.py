"""Account pages for admins: the staff list, a new account, an account's roles and state."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from dispatch.accounts import services
from dispatch.auth.models import User
from dispatch.auth.services import has_usable_password
from dispatch.errors import DomainError
from dispatch.extensions import db
from dispatch.web.security import page_requires

bp = Blueprint("accounts", __name__, url_prefix="/admin/users")


def _posted() -> dict[str, Any]:
    return {"username": request.form.get("username", ""), "name": request.form.get("name", ""),
            "roles": request.form.getlist("roles")}


def _link_page(user: User, token: str, expires: Any, created: bool):
    return render_template("accounts/link.html", account=user, created=created, expires=expires,
                           link=url_for("auth.set_password", token=token, _external=True))


@bp.get("/")
@page_requires("user.admin")
def index():
    q, role = request.args.get("q", ""), request.args.get("role", "")
    state = request.args.get("state", "active")
    if state not in services.STATES:
        state = "active"
    page = db.paginate(services.account_query(q, role, state),
                       page=request.args.get("page", 1, type=int), per_page=50, error_out=False)
    return render_template("accounts/index.html", page=page, q=q, role=role, state=state,
                           states=services.STATES, roles=services.GRANTABLE,
                           has_password=has_usable_password)


@bp.route("/new", methods=["GET", "POST"])
@page_requires("user.admin")
def new():
    values: dict[str, Any] = {"roles": []}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = _posted()
        try:
            user, token, expires = services.create_account(values)
            db.session.commit()
            return _link_page(user, token, expires, created=True), 201
        except DomainError as exc:
            db.session.rollback()
            errors = {**exc.fields, "_form": exc.message}
    return render_template("accounts/form.html", account=None, values=values, errors=errors,
                           roles=services.GRANTABLE), 422 if errors else 200


def _show(user: User, values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
          status: int = 200):
    values = values or {"name": user.name, "roles": sorted(user.roles)}
    return render_template("accounts/form.html", account=user, values=values, errors=errors or {},
                           roles=services.GRANTABLE,
                           has_password=has_usable_password(user)), status


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@page_requires("user.admin")
def show(user_id: int):
    user = services.get_account(user_id)
    if request.method == "GET":
        return _show(user)
    values = _posted()
    if user.has_role("technician"):  # the role is the technician record's, kept as it is
        values["roles"] = sorted(set(values["roles"]) | {"technician"})
    try:
        services.update_account(user, values, current_user)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        return _show(user, values, {**exc.fields, "_form": exc.message}, exc.status)
    flash(_("Account saved."), "success")
    return redirect(url_for("accounts.show", user_id=user.id))


def _set_active(user_id: int, active: bool):
    user = services.get_account(user_id)
    try:
        services.set_active(user, active, current_user)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        return _show(user, errors={"_form": exc.message}, status=exc.status)
    flash(_("Account reactivated.") if active
          else _("Account deactivated: signed out everywhere, its API tokens revoked."), "success")
    return redirect(url_for("accounts.show", user_id=user.id))


@bp.post("/<int:user_id>/deactivate")
@page_requires("user.admin")
def deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.post("/<int:user_id>/reactivate")
@page_requires("user.admin")
def reactivate(user_id: int):
    return _set_active(user_id, True)


@bp.post("/<int:user_id>/password-link")
@page_requires("user.admin")
def password_link(user_id: int):
    user = services.get_account(user_id)
    try:
        token, expires = services.new_password_link(user, current_user)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        return _show(user, errors={"_form": exc.message}, status=exc.status)
    return _link_page(user, token, expires, created=False)
