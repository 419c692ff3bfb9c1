"""The dispatcher board page and the map library it needs (served by the app, no CDN)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, send_from_directory
from xstatic.pkg import leaflet

from dispatch.labels import label
from dispatch.timeutil import local_day
from dispatch.web.security import page_requires
from workorders.lifecycle import STATUSES
from workorders.models import KINDS, PRIORITIES

bp = Blueprint("board", __name__)


@bp.get("/board")
@page_requires("order.assign")
def index():
    labels = {value: str(label(value)) for value in (*KINDS, *STATUSES, *PRIORITIES)}
    return render_template("board/index.html", today=local_day().isoformat(), kinds=KINDS,
                           priorities=PRIORITIES, labels=labels, districts=_districts())


def _districts() -> list[str]:
    return [d.strip() for d in current_app.config["DISPATCH_DISTRICTS"].split(",") if d.strip()]


@bp.get("/vendor/leaflet/<path:filename>")
def leaflet_file(filename: str):
    """Leaflet's files from the ``xstatic-leaflet`` package."""
    return send_from_directory(leaflet.BASE_DIR, filename, max_age=86400)
