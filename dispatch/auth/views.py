"""Sign-in pages for the browser (Flask-Login sessions)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from dispatch.auth.services import authenticate
from dispatch.extensions import db, limiter
from dispatch.web.pages import safe_next

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("web.index"))
    error = None
    if request.method == "POST":
        user = authenticate(request.form.get("username", ""), request.form.get("password", ""))
        if user is not None:
            login_user(user)
            db.session.commit()
            return redirect(safe_next(request.args.get("next")))
        error = _("Wrong username or password.")
    status = 401 if error else 200
    return render_template("auth/login.html", error=error,
                           username=request.form.get("username", "")), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))
