"""The technician tablet: one mobile-first page (today's jobs, the job, on-site recording),
its service worker and manifest. Data comes from the API and is kept on the device."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, render_template
from flask_wtf.csrf import generate_csrf

from dispatch.web.security import page_requires

bp = Blueprint("tablet", __name__, url_prefix="/tablet")


@bp.get("/")
@page_requires("order.field_work")
def index() -> str:
    return render_template("tablet/index.html")


@bp.get("/csrf")
@page_requires("order.field_work")
def csrf() -> Response:
    """A fresh CSRF token before a replayed queue is sent (the cached page's may be old)."""
    return jsonify(token=generate_csrf())


@bp.get("/sw.js")
def service_worker() -> Response:
    """The service worker, served from /tablet/ so its scope covers the tablet page."""
    script = Path(current_app.static_folder, "js", "tablet-sw.js").read_bytes()  # type: ignore[arg-type]
    return Response(script, mimetype="text/javascript",
                    headers={"Service-Worker-Allowed": "/tablet/", "Cache-Control": "no-cache"})


@bp.get("/manifest.webmanifest")
def manifest() -> Response:
    return jsonify({"name": "GPS Dispatch", "short_name": "Dispatch", "start_url": "/tablet/",
                    "scope": "/tablet/", "display": "standalone", "background_color": "#ffffff",
                    "theme_color": "#102a43",
                    "icons": [{"src": "/static/favicon.svg", "sizes": "any",
                               "type": "image/svg+xml"}]})
