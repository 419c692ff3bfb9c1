"""The home page, the language switch and the health check."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import literal, select

from dispatch.extensions import db, limiter
from dispatch.jobs.queues import redis_connection

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
    """``200 {"status": "ok"|"degraded", "database": "ok", "redis": …}``: without the database
    nothing works (the SELECT fails: 500); without Redis the app still serves — jobs wait in the
    database for the sweep, rate limits count in memory — and says so (``degraded``)."""
    db.session.scalar(select(literal(1)))  # a SELECT the session knows as one: see read_transactions
    redis = redis_state()
    return {"status": "degraded" if redis == "down" else "ok", "database": "ok", "redis": redis}


def redis_state() -> str:
    """``ok``, ``down`` or ``not_configured``: the jobs' Redis and the rate limits' storage."""
    connection = redis_connection()
    limits_in_redis = not str(current_app.config.get("RATELIMIT_STORAGE_URI")
                              or "memory://").startswith("memory")
    if connection is None and not limits_in_redis:
        return "not_configured"
    try:
        reachable = ((connection is None or bool(connection.ping()))
                     and (not limits_in_redis or limiter.storage.check()))
    except Exception:  # any failure to reach it means it is down
        reachable = False
    return "ok" if reachable else "down"


def safe_next(target: str | None) -> str:
    """Only same-site relative paths; anything else goes home."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.netloc and not parts.scheme:
            return target
    return url_for("web.index")
