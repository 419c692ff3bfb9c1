"""The home page, the language switch and the health check."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import literal, select

from dispatch.extensions import db

bp = Blueprint("web", __name__)


@bp.get("/")
@login_required
def index():
    return render_template("index.html", roles=sorted(current_user.roles))


@bp.post("/language")
def set_language():
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next")))


@bp.get("/healthz")
def health():
    db.session.scalar(select(literal(1)))  # a SELECT the session knows as one: see read_transactions
    return {"status": "ok"}


def safe_next(target: str | None) -> str:
    """Only same-site relative paths; anything else goes home."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.netloc and not parts.scheme:
            return target
    return url_for("web.index")
