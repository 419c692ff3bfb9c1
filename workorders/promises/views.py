"""The customer link page (no login): ``/t/<token>`` and its two documents.

Rate-limited per address, never indexed (``X-Robots-Tag`` and a robots meta tag), never cached,
and no referrer leaves with the token in it. In the customer's language from the browser's
Accept-Language, Chinese when it names neither. An unknown, malformed or expired token is a
plain 404, the same for all three.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import force_locale

from dispatch import storage
from dispatch.extensions import limiter
from dispatch.timeutil import utcnow
from workorders.promises import links, page

bp = Blueprint("customer_link", __name__)


def _limit() -> str:
    return current_app.config.get("DISPATCH_LINK_RATE_LIMIT") or "60 per minute;600 per hour"


def customer_locale() -> str:
    for language, _quality in request.accept_languages:
        tag = language.lower()
        if tag.startswith("zh"):
            return "zh_Hans"
        if tag.startswith("en"):
            return "en"
    return "zh_Hans"


def _private(response: Response) -> Response:
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _not_found() -> Response:
    with force_locale(customer_locale()):
        return _private(Response(render_template("promises/link_missing.html"), status=404))


@bp.get("/t/<token>")
@limiter.limit(_limit)
def link_page(token: str):
    order = links.order_for_token(token)
    if order is None:
        return _not_found()
    now = utcnow()
    with force_locale(customer_locale()):
        html = render_template("promises/link.html", data=page.page_data(order, now), token=token,
                               now=now)
    return _private(Response(html))


@bp.get("/t/<token>/<name>.pdf")
@limiter.limit(_limit)
def link_document(token: str, name: str):
    order = links.order_for_token(token)
    if order is None or name not in page.DOCUMENTS:
        return _not_found()
    job = page.ready_documents(order).get(name)
    if job is None or not job.result_path:
        abort(404)
    return _private(Response(storage.load(job.result_path), mimetype="application/pdf",
                             headers={"Content-Disposition":
                                      f'inline; filename="{order.number}-{name}.pdf"'}))
