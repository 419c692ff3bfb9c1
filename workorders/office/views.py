"""Office pages: the search box's results and the manager's overview."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from dispatch.web.security import page_requires
from workorders.office import overview as overview_data
from workorders.office.search import search as run_search

bp = Blueprint("office", __name__)


@bp.get("/search")
@page_requires("search.use")
def search():
    q = request.args.get("q", "")[:100]
    return render_template("office/search.html", results=run_search(current_user, q), q=q)



@bp.get("/overview")
@page_requires("overview.view")
def overview():
    return render_template("office/overview.html", data=overview_data.build(current_user))
