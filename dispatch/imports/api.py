"""Imports API (SPEC §10): upload a file, follow its run, apply a dry run, get the rejected rows,
the template and the export of the records in the same columns."""

from __future__ import annotations

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, DateTime, Dict, File, Integer, List, Nested, String
from apiflask.types import ResponsesObjectType
from apiflask.validators import Length, OneOf, Range
from flask import Response

from dispatch.exports import export_response, to_csv
from dispatch.extensions import db
from dispatch.imports import runs
from dispatch.imports.kinds import DEFAULT_KIND, kinds_for
from dispatch.imports.models import ENCODINGS
from dispatch.web.api import api_requires, current_api_user
from dispatch.web.input_guard import body_limit
from dispatch.web.schemas import PageQuery, paginate

bp = APIBlueprint("imports_api", __name__, url_prefix="/api/v1", tag="Imports")
CSV_RESPONSES: ResponsesObjectType = {200: {"description": "a CSV file",
                                            "content": {"text/csv": {}}}}
FILE_RESPONSES: ResponsesObjectType = {200: {"description": "a CSV or XLSX file", "content": {
    "text/csv": {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}}


class UploadIn(Schema):
    file = File(required=True)
    dry_run = Boolean(load_default=False)
    kind = String(load_default=DEFAULT_KIND, validate=Length(max=40))
    encoding = String(load_default="auto", validate=OneOf(ENCODINGS))


class Started(Schema):
    id = Integer()
    status = String()


class ProblemOut(Schema):
    row = Integer()
    field = String()
    value = String()
    message = String()


class LinkOut(Schema):
    row = Integer()
    record = String()
    label = String()
    url = String(allow_none=True)
    expires_at = DateTime(allow_none=True)
    note = String()


class RunOut(Schema):
    id = Integer()
    kind = String()
    status = String()
    dry_run = Boolean()
    file_name = String()
    size = Integer()
    sha256 = String()
    encoding = String()
    rows = Integer()
    processed = Integer()
    created = Dict(keys=String(), values=Integer())
    updated = Dict(keys=String(), values=Integer())
    unchanged = Integer()
    unchanged_records = Dict(keys=String(), values=Integer())
    rejected = Integer()
    errors = List(Nested(ProblemOut))
    errors_total = Integer()
    unknown_columns = List(String())
    error = String(allow_none=True)
    user_id = Integer()
    source_run_id = Integer(allow_none=True)
    applied_run_id = Integer(allow_none=True)
    created_at = DateTime()
    started_at = DateTime(allow_none=True)
    finished_at = DateTime(allow_none=True)
    #: What the run left to hand on (the technicians import: one-time set-password links).
    links = List(Nested(LinkOut))


class RunQuery(Schema):
    errors_offset = Integer(load_default=0, validate=Range(min=0, max=10_000_000))
    errors_limit = Integer(load_default=runs.ERRORS_PAGE, validate=Range(min=0, max=runs.ERRORS_PAGE))


class RunSummary(Schema):
    id = Integer()
    kind = String()
    status = String()
    dry_run = Boolean()
    file_name = String()
    rows = Integer()
    processed = Integer()
    created = Dict(keys=String(), values=Integer())
    updated = Dict(keys=String(), values=Integer())
    unchanged = Integer()
    rejected = Integer()
    user_id = Integer()
    source_run_id = Integer(allow_none=True)
    created_at = DateTime()
    finished_at = DateTime(allow_none=True)


class RunPage(Schema):
    items = List(Nested(RunSummary))
    total = Integer()
    page = Integer()
    per_page = Integer()


class KindOut(Schema):
    name = String()
    title = String()
    columns = List(String())
    required = List(String())
    records = List(String())


class KindList(Schema):
    items = List(Nested(KindOut))


class KindQuery(Schema):
    kind = String(load_default=DEFAULT_KIND, validate=Length(max=40))


class ExportQuery(Schema):
    format = String(load_default="csv", validate=OneOf(("csv", "xlsx")))


@bp.post("/imports")
@api_requires("import.run")
@body_limit("DISPATCH_IMPORT_MAX_BYTES")
@bp.input(UploadIn, location="form_and_files", arg_name="body")
@bp.output(Started, status_code=202)
def upload(body):
    """Upload a CSV or XLSX file (the first sheet) and import it in the background; with
    ``dry_run=1`` everything is checked and counted and nothing is written."""
    upload_file = body["file"]
    run = runs.start_run(current_api_user(), upload_file.stream, upload_file.filename or "",
                         kind_name=body["kind"], dry_run=body["dry_run"],
                         encoding=body["encoding"])
    db.session.flush()
    # The state this request left it in: once committed, an in-process runner may start it
    # before the answer is written.
    answer = {"id": run.id, "status": run.status}
    db.session.commit()
    return answer, 202


@bp.get("/imports")
@api_requires("import.run")
@bp.input(PageQuery, location="query", arg_name="args")
@bp.output(RunPage)
def history(args):
    """Runs, newest first: your own (managers see everyone's)."""
    return paginate(runs.visible_runs(current_api_user()), args)


@bp.get("/imports/<int:run_id>")
@api_requires("import.run")
@bp.input(RunQuery, location="query", arg_name="args")
@bp.output(RunOut)
def status(run_id: int, args):
    """A run's progress, counts and row errors (``row`` counts the header as row 1; at most
    1,000 errors a call, ``errors_offset`` pages through ``errors_total``), and the links it
    left to hand on (``links``: a technicians import's one-time set-password links)."""
    run = runs.get_run(run_id, current_api_user())
    return runs.as_json(run, args["errors_offset"], args["errors_limit"], current_api_user())


@bp.post("/imports/<int:run_id>/apply")
@api_requires("import.run")
@bp.output(Started, status_code=202)
def apply(run_id: int):
    """Import the file of a finished dry run for real (once)."""
    run = runs.apply_run(run_id, current_api_user())
    answer = {"id": run.id, "status": run.status}  # before an in-process runner can start it
    db.session.commit()
    return answer, 202


@bp.get("/imports/<int:run_id>/rejected.csv")
@api_requires("import.run")
@bp.doc(responses=CSV_RESPONSES)
def rejected(run_id: int):
    """The refused rows as uploaded, with an ``error`` column: fix them and upload this file."""
    run = runs.get_run(run_id, current_api_user())
    header, rows = runs.rejected_rows(run)
    return Response(to_csv(header, rows), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="import-{run.id}-rejected.csv"'})


@bp.get("/imports/template.csv")
@api_requires("import.run")
@bp.input(KindQuery, location="query", arg_name="args")
@bp.doc(responses=CSV_RESPONSES)
def template(args):
    """The header row and one example row (``kind``: default the installed base)."""
    kind = runs.export_kind(args["kind"], current_api_user())
    return Response(runs.template_csv(kind), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{kind.name}-template.csv"'})


@bp.get("/imports/kinds")
@api_requires("import.run")
@bp.output(KindList)
def kinds():
    """What can be imported, with the columns of each kind."""
    return {"items": [{"name": kind.name, "title": str(kind.title), "columns": list(kind.columns),
                       "required": list(kind.required), "records": list(kind.records)}
                      for kind in kinds_for(current_api_user())]}


@bp.get("/imports/kinds/<kind_name>/export")
@api_requires("import.run")
@bp.input(ExportQuery, location="query", arg_name="args")
@bp.doc(responses=FILE_RESPONSES)
def export(kind_name: str, args):
    """The current records in the import's columns (CSV or XLSX): imported again, nothing
    changes. Only what you may see (secret customers for managers only)."""
    kind = runs.export_kind(kind_name, current_api_user())
    response = export_response(kind.name, kind.columns, kind.export_rows(current_api_user()),
                               args["format"])
    assert response is not None  # the schema allows csv and xlsx only
    return response
