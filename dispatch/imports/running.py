"""Running an import: the background job that reads the stored file and applies it by batches.

- **Two passes.** The first counts the rows (the progress bar's total) and notes where each
  natural key of the kind (:meth:`ImportKind.keys`) appears last; the second applies the rows
  in batches of about :data:`BATCH_ROWS`, cut only where no key seen so far appears again. So
  the rows of one customer, vehicle or device are always applied in one transaction, and a
  dry run — the very same code, each batch rolled back instead of committed — counts exactly
  what the real run will.
- **A batch is one transaction**, committed together with the run's progress and counts: a
  run that stops (a worker killed, a server restarted) resumes after the last committed batch,
  and an unexpected failure leaves no half-applied batch.
- **Row errors skip the row.** A kind validates a row before writing it (:class:`RowError`);
  the batch is flushed once at its end. When the database refuses the flush (another user
  saved the same identifier meanwhile), the batch is rolled back and replayed with a flush
  after each row, and the row the database refuses is reported and left out.
- **The audit log** names the user who started the run and, for each record, the run and the
  row (``import #12 row 57``).
"""

from __future__ import annotations

import logging
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import insert
from sqlalchemy.exc import DataError, IntegrityError

from dispatch import storage
from dispatch.audit.log import act_as, audit_note, forget_object_notes, row_note
from dispatch.auth.models import User
from dispatch.errors import Conflict, ValidationFailed
from dispatch.extensions import db
from dispatch.imports import reading
from dispatch.imports.kinds import ImportContext, ImportKind, Problem, Row, RowError, get_kind
from dispatch.imports.models import ImportProblem, ImportRun
from dispatch.jobs.models import Job
from dispatch.timeutil import utcnow

log = logging.getLogger(__name__)
#: Rows per batch (a batch grows past it only to keep the rows of one natural key together).
BATCH_ROWS = 500
VALUE_LENGTH, MESSAGE_LENGTH = 200, 500


@dataclass
class Plan:
    """What the first pass learnt: how many rows, and for each row the last row (index) that
    shares a natural key with it."""

    rows: int = 0
    reach: numpy.ndarray = field(default_factory=lambda: numpy.zeros(0, dtype=numpy.int64))


@dataclass
class BatchResult:
    counts: dict[str, dict[object, str]]
    problems: dict[int, list[Problem]]
    unchanged: int


def run_import_job(job: Job) -> None:
    """The ``import`` job: run the import its parameters name."""
    run_import(int(job.params["run_id"]))


def run_import(run_id: int) -> None:
    run = db.session.get(ImportRun, run_id)
    if run is None or run.status in ("done", "failed"):
        return
    locale = run.locale
    with force_locale(locale):
        try:
            _execute(run_id)
        except reading.Unreadable as exc:
            db.session.rollback()
            _fail(run_id, str(exc))
        except Exception as exc:
            db.session.rollback()
            _fail(run_id, _("The import stopped (%(why)s); the batch it was working on was not "
                            "saved.", why=f"{type(exc).__name__}: {exc}"[:300]))
            raise
        finally:
            row_note(None)
            forget_object_notes()
            audit_note(None)
            act_as(None)


def _fail(run_id: int, reason: str) -> None:
    run = db.session.get_one(ImportRun, run_id)
    run.status, run.error, run.finished_at = "failed", reason[:2000], utcnow()
    db.session.commit()


def _execute(run_id: int) -> None:
    run = db.session.get_one(ImportRun, run_id)
    kind = get_kind(run.kind)
    user = db.session.get_one(User, run.user_id)
    path = storage.path_of(run.file_path)
    source = (path, run.file_format, run.detected_encoding)
    if run.status == "queued":
        run.status, run.started_at = "running", utcnow()
        db.session.commit()
    act_as(user.id)
    audit_note(f"import #{run_id}")

    with reading.open_rows(*source, kind) as (header, rows):
        missing = header.missing(kind)
        if missing:
            raise reading.Unreadable(_("The header lacks the columns: %(columns)s.",
                                       columns=", ".join(missing)))
        plan = make_plan(kind, rows)
    run = db.session.get_one(ImportRun, run_id)
    run.rows, run.unknown_columns = plan.rows, header.unknown
    start, dry_run = run.processed, run.dry_run
    db.session.commit()

    context = ImportContext(run_id, user, dry_run)
    with reading.open_rows(*source, kind) as (_header, rows):
        for batch in cut_batches(rows, plan, start):
            result = apply_batch(kind, batch, context)
            if dry_run:
                db.session.rollback()  # counted, checked, and nothing kept
            else:
                kind.after_batch(context)
            _record(run_id, result, len(batch))
            context.cache.clear()
    run = db.session.get_one(ImportRun, run_id)
    run.status, run.finished_at = "done", utcnow()
    db.session.commit()


def make_plan(kind: ImportKind, rows: Iterator[Row]) -> Plan:
    """First pass: count the rows and find, for each, how far its natural keys reach. Keys are
    kept as 64-bit hashes in flat arrays (a few MB for 100,000 rows, where a dict of keys would
    take tens)."""
    codes, owners = array("q"), array("q")
    count = 0
    for index, row in enumerate(rows):
        try:
            keys = list(kind.keys(row))
        except Exception:  # a key is only a batching hint: a bad one must not stop the run
            keys = []
        for key in keys:
            codes.append(hash(key))
            owners.append(index)
        count = index + 1
    reach = numpy.arange(count, dtype=numpy.int64)
    if codes:
        owner = numpy.frombuffer(owners, dtype=numpy.int64)
        _unique, which = numpy.unique(numpy.frombuffer(codes, dtype=numpy.int64),
                                      return_inverse=True)
        last = numpy.full(int(which.max()) + 1, -1, dtype=numpy.int64)
        numpy.maximum.at(last, which, owner)  # each key's last row
        numpy.maximum.at(reach, owner, last[which])  # each row's furthest key
    return Plan(count, reach)


def cut_batches(rows: Iterator[Row], plan: Plan, start: int = 0) -> Iterator[list[Row]]:
    """Second pass: batches of at least :data:`BATCH_ROWS` rows (the last one smaller), each
    ending where no natural key seen so far appears again; the first ``start`` rows (applied
    by an earlier attempt) are skipped."""
    batch: list[Row] = []
    reach = start - 1
    for index, row in enumerate(rows):
        if index < start:
            continue
        if index >= plan.rows:
            break  # the file changed under us: never apply more than was counted
        reach = max(reach, int(plan.reach[index]))
        batch.append(row)
        if len(batch) >= BATCH_ROWS and reach <= index:
            yield batch
            batch = []
    if batch:
        yield batch


def apply_batch(kind: ImportKind, rows: list[Row], ctx: ImportContext) -> BatchResult:
    """Apply ``rows`` in the current transaction and flush; the caller commits or rolls back."""
    refused: dict[int, list[Problem]] = {}
    one_by_one = False
    for _attempt in range(len(rows) + 2):
        ctx.start_batch()
        problems = dict(refused)
        unchanged = 0
        current: Row | None = None
        try:
            todo = [row for row in rows if row.number not in refused]
            kind.prepare(todo, ctx)
            for row in todo:
                current = row
                row_note(f"import #{ctx.run_id} row {row.number}")
                ctx.start_row()
                try:
                    kind.apply_row(row, ctx)
                except RowError as exc:
                    ctx.drop_row()
                    problems[row.number] = exc.problems
                    continue
                except (ValidationFailed, Conflict) as exc:
                    ctx.drop_row()
                    problems[row.number] = _problems_of(exc, row)
                    continue
                if one_by_one:
                    kind.flush(ctx)
                if not ctx.end_row():
                    unchanged += 1
            current = None
            row_note(None)
            kind.flush(ctx)
        except (IntegrityError, DataError) as exc:
            db.session.rollback()
            row_note(None)
            forget_object_notes()
            if one_by_one and current is None:
                raise  # refused, but by no row of ours: not a row error
            if one_by_one and current is not None:
                log.info("import #%s row %s refused by the database: %s", ctx.run_id,
                         current.number, exc.orig)
                refused[current.number] = [Problem("", "", _refusal(exc))]
            one_by_one = True
            continue
        forget_object_notes()
        return BatchResult({kind_: dict(keys) for kind_, keys in ctx.counts.items()},
                           problems, unchanged)
    raise RuntimeError("a batch kept being refused by the database")


def _refusal(exc: Exception) -> str:
    if isinstance(exc, DataError):
        return _("A value does not fit in the database (too long?).")
    return _("Another record already has one of this row's identifiers (saved meanwhile?).")


def _problems_of(exc: ValidationFailed | Conflict, row: Row) -> list[Problem]:
    if exc.fields:
        return [Problem(name if name in row.values else "", row[name], message)
                for name, message in exc.fields.items()]
    return [Problem("", "", exc.message)]


def _record(run_id: int, result: BatchResult, size: int) -> None:
    """Add a batch's counts and problems to the run and commit (with the batch's writes)."""
    run = db.session.get_one(ImportRun, run_id)
    created, updated, same = dict(run.created), dict(run.updated), dict(run.unchanged_records)
    for kind, changes in result.counts.items():
        for change in changes.values():
            tally = created if change == "created" else updated if change == "updated" else same
            tally[kind] = tally.get(kind, 0) + 1
    run.created, run.updated, run.unchanged_records = created, updated, same
    run.unchanged += result.unchanged
    run.rejected += len(result.problems)
    run.processed = min(run.rows, run.processed + size)
    rows = [{"run_id": run_id, "row": number, "field": problem.field[:40],
             "value": problem.value[:VALUE_LENGTH], "message": problem.message[:MESSAGE_LENGTH]}
            for number, problems in sorted(result.problems.items()) for problem in problems]
    if rows:
        db.session.execute(insert(ImportProblem), rows)
    db.session.commit()


def stored_path(run: ImportRun) -> Path:
    return storage.path_of(run.file_path)
