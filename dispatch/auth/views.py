"""Sign-in pages for the browser (Flask-Login sessions)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from dispatch.auth import links, services
from dispatch.auth.services import authenticate, end_sessions
from dispatch.errors import ValidationFailed
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
    """Sign out everywhere: this cookie, and any copy of it, stops working (API tokens stay)."""
    end_sessions(current_user._get_current_object())
    db.session.commit()
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_limit, methods=["POST"])
def change_password():
    """The signed-in user changes their password: every other session and every API token of
    the account ends; this browser stays signed in."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        user = current_user._get_current_object()
        try:
            services.change_password(user, request.form.get("current_password", ""),
                                     request.form.get("password", ""),
                                     request.form.get("password_again", ""))
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.fields
        else:
            db.session.commit()
            login_user(user)  # this browser's cookie names the new session version
            flash(_("Your password is changed; every other session is signed out."), "success")
            return redirect(url_for("web.index"))
    return render_template("auth/password.html", errors=errors), 422 if errors else 200


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def set_password(token: str):
    """The one-time link of an account made without a password: choose one and be signed in."""
    try:
        user = links.user_for_token(token)
    except links.LinkRefused as exc:
        return render_template("auth/set_password.html", gone=exc.message, user=None,
                               errors={}), 410
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            user = links.set_password_with_token(token, request.form.get("password", ""),
                                                 request.form.get("password_again", ""))
        except links.LinkRefused as exc:
            db.session.rollback()
            return render_template("auth/set_password.html", gone=exc.message, user=None,
                                   errors={}), 410
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.fields
        else:
            if current_user.is_authenticated:
                logout_user()
            login_user(user)
            db.session.commit()
            flash(_("Your password is set; you are signed in."), "success")
            return redirect(url_for("web.index"))
    return render_template("auth/set_password.html", gone=None, user=user, errors=errors), \
        422 if errors else 200
