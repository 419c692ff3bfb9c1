"""Import pages: the upload form and history, a run with its progress, counts and errors, the
"apply" of a dry run, and the sample file."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from dispatch.errors import DomainError, ValidationFailed
from dispatch.exports import to_csv
from dispatch.extensions import db
from dispatch.imports import runs
from dispatch.imports.kinds import DEFAULT_KIND, get_kind, kinds_for
from dispatch.imports.models import ENCODINGS, ImportRun
from dispatch.text import boolean
from dispatch.web.input_guard import body_limit
from dispatch.web.security import page_requires

bp = Blueprint("imports", __name__, url_prefix="/imports")
#: Rows of the sample file offered on the page (``?rows=`` up to :data:`SAMPLE_MAX`).
SAMPLE_ROWS, SAMPLE_MAX = 200, 100_000
PAGE_ERRORS = 500


@bp.route("", methods=["GET", "POST"])
@page_requires("import.run")
@body_limit("DISPATCH_IMPORT_MAX_BYTES")
def index():
    """Upload a file (a dry run by default) and see the runs so far."""
    values = {"kind": DEFAULT_KIND, "encoding": "auto", "dry_run": "1"}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = {"kind": request.form.get("kind", DEFAULT_KIND),
                  "encoding": request.form.get("encoding", "auto"),
                  "dry_run": request.form.get("dry_run", "")}
        upload = request.files.get("file")
        try:
            if upload is None or not upload.filename:
                raise ValidationFailed(_("Some fields are not valid."),
                                       {"file": _("Choose a CSV or XLSX file.")})
            run = runs.start_run(current_user, upload.stream, upload.filename,
                                 kind_name=values["kind"], encoding=values["encoding"],
                                 dry_run=boolean(values["dry_run"] or "0"))
            db.session.commit()
            return redirect(url_for("imports.show", run_id=run.id))
        except ValidationFailed as exc:
            db.session.rollback()
            errors, status = exc.fields, 422
        except ValueError:
            db.session.rollback()
            errors, status = {"dry_run": _("Expected yes or no.")}, 422
    history = db.session.scalars(runs.visible_runs(current_user).options(
        selectinload(ImportRun.user)).limit(50)).all()
    return render_template("imports/index.html", kinds=kinds_for(current_user),
                           encodings=ENCODINGS, values=values, errors=errors, history=history,
                           sample_rows=SAMPLE_ROWS), status


@bp.get("/<int:run_id>")
@page_requires("import.run")
def show(run_id: int):
    run = runs.get_run(run_id, current_user)
    data = runs.as_json(run, 0, PAGE_ERRORS, current_user)
    kind = get_kind(run.kind)
    return render_template("imports/run.html", run=run, data=data, kind=kind,
                           source=runs.get_run(run.source_run_id, current_user)
                           if run.source_run_id and _visible(run.source_run_id) else None,
                           page_errors=PAGE_ERRORS)


def _visible(run_id: int) -> bool:
    try:
        runs.get_run(run_id, current_user)
    except DomainError:
        return False
    return True


@bp.post("/<int:run_id>/apply")
@page_requires("import.run")
def apply(run_id: int):
    """Import a finished dry run's file for real."""
    try:
        run = runs.apply_run(run_id, current_user)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("imports.show", run_id=run_id))
    flash(_("The import is running; this page shows its progress."), "success")
    return redirect(url_for("imports.show", run_id=run.id))


@bp.get("/sample.csv")
@page_requires("import.run")
def sample():
    """A sample installed-base file of valid, plausible rows (``?rows=N``, ``&seed=S``)."""
    kind = runs.export_kind(request.args.get("kind", DEFAULT_KIND), current_user)
    count = min(max(request.args.get("rows", SAMPLE_ROWS, type=int) or SAMPLE_ROWS, 1),
                SAMPLE_MAX)
    seed = request.args.get("seed", 1, type=int) or 1
    body = to_csv(kind.columns, kind.sample_rows(count, seed))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{kind.name}-sample-{count}.csv"'})
