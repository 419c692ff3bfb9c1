"""Starting, applying and reading import runs; the template, the rejected rows and the export.

Who sees which run: its author, and whoever holds ``import.view_all`` (managers: a file may
carry secret customers, which only managers may see).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from typing import IO, Any

from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from dispatch import storage
from dispatch.auth.models import User
from dispatch.errors import Conflict, Forbidden, NotFound, TooLarge, ValidationFailed
from dispatch.exports import to_csv
from dispatch.extensions import db
from dispatch.imports import reading
from dispatch.imports.kinds import ImportKind, get_kind
from dispatch.imports.models import ENCODINGS, ImportProblem, ImportRun
from dispatch.jobs.outbox import request_job

#: The errors a run's JSON carries at most per call (``errors_total`` says how many there are).
ERRORS_PAGE = 1000


def _kind_for(name: str, user: User) -> ImportKind:
    kind = get_kind(name)
    if not user.can(kind.permission):
        raise Forbidden(_l("Your role does not allow this."))
    return kind


def _refuse(message: Any, field: str = "file") -> ValidationFailed:
    return ValidationFailed(_l("Some fields are not valid."), {field: str(message)})


def start_run(user: User, upload: IO[bytes], file_name: str, *, kind_name: str = "installed_base",
              dry_run: bool = False, encoding: str = "auto") -> ImportRun:
    """Store the upload, check it is the table it claims to be (its name, its content, its
    header) and queue its run; the caller commits."""
    kind = _kind_for(kind_name or "installed_base", user)
    if encoding not in ENCODINGS:
        raise _refuse(_l("Choose one of: %(options)s.", options=", ".join(ENCODINGS)), "encoding")
    try:
        fmt = reading.file_format(file_name)
    except reading.Unreadable as exc:
        raise _refuse(exc) from exc
    limit = int(current_app.config["DISPATCH_IMPORT_MAX_BYTES"])
    try:
        relative, sha256, size = storage.save_stream("imports", upload, f".{fmt}", limit)
    except storage.TooLarge as exc:
        raise TooLarge(_l("The file is larger than %(size)s MiB, the most an import takes.",
                          size=f"{limit / 1024 / 1024:g}"), {"file": "too large"}) from exc
    try:
        detected = _check(storage.path_of(relative), fmt, encoding, kind)
    except ValidationFailed:
        _discard(relative)
        raise
    run = ImportRun(kind=kind.name, user_id=user.id, file_name=(file_name or "upload")[-255:],
                    file_path=relative, file_format=fmt, sha256=sha256, size=size,
                    encoding=encoding, detected_encoding=detected, dry_run=dry_run,
                    locale=str(get_locale() or "en"), **_zero(kind))
    return _queue(run, user)


def _check(path: Any, fmt: str, encoding: str, kind: ImportKind) -> str | None:
    try:
        detected = reading.check_file(path, fmt, encoding)
        with reading.open_rows(path, fmt, detected, kind) as (header, _rows):
            missing, duplicates = header.missing(kind), header.duplicates
    except reading.Unreadable as exc:
        raise _refuse(exc) from exc
    if not header.cells or not any(header.cells):
        raise _refuse(_l("The first row must be the header (the column names)."))
    if missing:
        raise _refuse(_l("The header lacks the columns: %(columns)s.", columns=", ".join(missing)))
    if duplicates:
        raise _refuse(_l("These columns appear twice: %(columns)s.", columns=", ".join(duplicates)))
    for cell in header.unknown:
        why = kind.refused_columns.get(reading.header_key(cell))
        if why is not None:
            raise _refuse(_l("The file may not have the column %(column)s: %(why)s", column=cell,
                             why=why))
    return detected


def _discard(relative: str) -> None:
    """Delete a refused upload unless a run uses the same file."""
    if db.session.scalar(select(ImportRun.id).where(ImportRun.file_path == relative)) is None:
        with contextlib.suppress(FileNotFoundError):
            storage.path_of(relative).unlink()


def _zero(kind: ImportKind) -> dict[str, Any]:
    return {"created": dict.fromkeys(kind.records, 0), "updated": dict.fromkeys(kind.records, 0),
            "unchanged_records": dict.fromkeys(kind.records, 0), "unknown_columns": []}


def _queue(run: ImportRun, user: User) -> ImportRun:
    db.session.add(run)
    db.session.flush()
    job = request_job("import", f"import:{run.id}", {"run_id": run.id}, user_id=user.id)
    run.job_id = job.id
    return run


def apply_run(run_id: int, user: User) -> ImportRun:
    """Run a finished dry run's file for real (once); the caller commits."""
    source = get_run(run_id, user)
    kind = _kind_for(source.kind, user)
    if not source.dry_run or source.status != "done":
        raise Conflict(_l("Only a finished dry run can be applied."))
    applied = db.session.scalar(select(ImportRun.id).where(
        ImportRun.source_run_id == source.id, ImportRun.status != "failed"))
    if applied is not None:
        raise Conflict(_l("This dry run was already applied: import #%(id)d.", id=applied))
    run = ImportRun(kind=source.kind, user_id=user.id, file_name=source.file_name,
                    file_path=source.file_path, file_format=source.file_format,
                    sha256=source.sha256, size=source.size, encoding=source.encoding,
                    detected_encoding=source.detected_encoding, dry_run=False,
                    source_run_id=source.id, locale=str(get_locale() or source.locale),
                    **_zero(kind))
    return _queue(run, user)


def visible_runs(user: User) -> Select[Any]:
    query = select(ImportRun)
    if not user.can("import.view_all"):
        query = query.where(ImportRun.user_id == user.id)
    return query.order_by(ImportRun.id.desc())


def get_run(run_id: int, user: User) -> ImportRun:
    run = db.session.scalar(visible_runs(user).where(ImportRun.id == run_id))
    if run is None:
        raise NotFound(_l("No such import."))
    return run


def problems(run: ImportRun, offset: int = 0, limit: int = ERRORS_PAGE) -> list[ImportProblem]:
    return list(db.session.scalars(
        select(ImportProblem).where(ImportProblem.run_id == run.id)
        .order_by(ImportProblem.row, ImportProblem.id).offset(offset).limit(limit)))


def problem_count(run: ImportRun) -> int:
    return db.session.scalar(select(func.count()).where(ImportProblem.run_id == run.id)) or 0


def applied_by(run: ImportRun) -> ImportRun | None:
    """The run that applied this dry run (the latest), if any."""
    return db.session.scalar(select(ImportRun).where(ImportRun.source_run_id == run.id)
                             .order_by(ImportRun.id.desc()).limit(1))


def as_json(run: ImportRun, offset: int = 0, limit: int = ERRORS_PAGE,
            viewer: User | None = None) -> dict[str, Any]:
    """The run as SPEC §10 shows it (plus what the page needs); with ``viewer``, the links the
    run left to hand on (:meth:`ImportKind.run_links`)."""
    later = applied_by(run) if run.dry_run else None
    links = get_kind(run.kind).run_links(run, viewer) if viewer is not None else []
    return {
        "id": run.id, "kind": run.kind, "status": run.status, "dry_run": run.dry_run,
        "file_name": run.file_name, "size": run.size, "sha256": run.sha256,
        "encoding": run.detected_encoding or run.encoding,
        "rows": run.rows, "processed": run.processed,
        "created": run.created, "updated": run.updated, "unchanged": run.unchanged,
        "unchanged_records": run.unchanged_records, "rejected": run.rejected,
        "errors": [{"row": p.row, "field": p.field, "value": p.value, "message": p.message}
                   for p in problems(run, offset, limit)],
        "errors_total": problem_count(run),
        "unknown_columns": run.unknown_columns, "error": run.error,
        "user_id": run.user_id, "source_run_id": run.source_run_id,
        "applied_run_id": later.id if later else None,
        "created_at": run.created_at, "started_at": run.started_at,
        "finished_at": run.finished_at,
        "links": [dataclasses.asdict(link) for link in links],
    }


def rejected_rows(run: ImportRun) -> tuple[list[str], Iterator[list[str]]]:
    """The refused rows as uploaded (every column of the file) with an ``error`` column, to be
    fixed and uploaded again; reads the stored file again."""
    why: dict[int, list[str]] = {}
    for problem in db.session.scalars(select(ImportProblem).where(
            ImportProblem.run_id == run.id).order_by(ImportProblem.row, ImportProblem.id)):
        why.setdefault(problem.row, []).append(
            f"{problem.field}: {problem.message}" if problem.field else problem.message)
    path = storage.path_of(run.file_path)
    with reading.open_cells(path, run.file_format, run.detected_encoding) as cells:
        first = next(cells, None)
        header = list(first[1]) if first else []
        while header and not header[-1]:
            header.pop()
        width = len(header)
        rows = [[*(values + [""] * width)[:width], "; ".join(why[number])]
                for number, values in cells if number in why]
    return [*header, "error"], iter(rows)


def template_csv(kind: ImportKind) -> bytes:
    example = kind.template_row()
    return to_csv(kind.columns, [[example.get(column, "") for column in kind.columns]])


def export_kind(name: str, user: User) -> ImportKind:
    """The kind whose records ``user`` asks to export (its permission is needed)."""
    return _kind_for(name, user)
