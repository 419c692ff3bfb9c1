"""The dispatcher board page and the map library it needs (served by the app, no CDN)."""

from __future__ import annotations

from flask import Blueprint, render_template, send_from_directory
from xstatic.pkg import leaflet

from dispatch import settings
from dispatch.timeutil import utcnow
from dispatch.web.security import page_requires

bp = Blueprint("board", __name__)


@bp.get("/board")
@page_requires("order.assign")
def index():
    today = utcnow().astimezone(settings.timezone()).date()  # the configured zone's day
    return render_template("board/index.html", today=today.isoformat())


@bp.get("/vendor/leaflet/<path:filename>")
def leaflet_file(filename: str):
    """Leaflet's files from the ``xstatic-leaflet`` package."""
    return send_from_directory(leaflet.BASE_DIR, filename, max_age=86400)
