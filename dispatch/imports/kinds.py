"""What a kind of import is, the context a row is applied in, and the registry of kinds.

A kind (the installed base, the parts price list, opening stock, technicians…) is a small
class: its name, its columns, which of them a file must have, the permission it needs, an
example row, and :meth:`ImportKind.apply_row`, which validates one row and writes it. The
machinery (``dispatch/imports/running.py``) reads the file, calls the kind for each row inside
batches of one transaction each, counts what it reports and keeps the row errors. Rooms above
the kernel plug their kinds in through ``dispatch/wiring.py`` (``register_kind``); the kernel
never imports them.

The contract of ``apply_row``:

- **Validate, then write.** Check everything first and raise :class:`RowError` (all the
  row's problems at once, use :class:`Problems`) *before* the first write; a row that raises
  must have written nothing. Never commit, roll back or flush: the machinery owns the
  transaction (it flushes once per batch through :meth:`ImportKind.flush`, and a batch the
  database refuses is replayed row by row to find the culprit).
- **Count by natural key**: ``ctx.record("customers", key, "created" | "updated" |
  "unchanged")`` for every record the row touches; a record counted several times in a run
  counts once (created beats updated beats unchanged).
- **Change only what differs**: ``ctx.update(obj, {attribute: value})`` sets just the
  attributes whose value differs, attributes the change to the row in the audit log and says
  whether anything changed, so importing the same file twice writes nothing. New objects must
  be added with ``db.session.add`` during the row (their audit rows then name the row).
- **Look up through the batch**: rows of one batch are applied before anything is flushed, so
  a row must find what an earlier row of the batch created: keep an index in ``ctx.cache``
  (cleared for every batch; :meth:`ImportKind.prepare` may fill it with one query per batch).
- **Name the natural keys** in :meth:`ImportKind.keys`: rows sharing a key always land in the
  same batch, which keeps a dry run (each batch rolled back) counting exactly as the real run.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l

from dispatch.audit.log import note_object
from dispatch.errors import NotFound
from dispatch.extensions import db

if TYPE_CHECKING:
    from dispatch.auth.models import User
    from dispatch.imports.models import ImportRun

#: What ``ctx.record`` accepts, strongest first.
CHANGES = ("created", "updated", "unchanged")


@dataclass(frozen=True)
class Problem:
    """Why a row was refused: the column (``""`` for the row as a whole), the cell's value as
    read, and a message a person can act on."""

    field: str
    value: str
    message: str


class RowError(Exception):
    """The row cannot be imported; nothing of it was written."""

    def __init__(self, problems: Sequence[Problem]):
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = list(problems)


@dataclass
class Row:
    """One data row: its number in the file (the header is row 1) and its cells by column
    (every column of the kind is present; ``""`` when empty or not in the file)."""

    number: int
    values: dict[str, str]
    #: The kind's columns the file has (absent ones are ``""`` in ``values``).
    present: frozenset[str] = frozenset()

    def __getitem__(self, column: str) -> str:
        return self.values.get(column, "")


class Problems:
    """Collects a row's problems so all of them are reported at once."""

    def __init__(self, row: Row):
        self.row = row
        self.found: list[Problem] = []

    def check(self, column: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``fn(*args)``; a ``ValueError`` becomes the column's problem (and None is returned)."""
        try:
            return fn(*args, **kwargs)
        except ValueError as exc:
            self.add(column, str(exc))
            return None

    def add(self, column: str, message: Any) -> None:
        if not any(p.field == column for p in self.found):
            self.found.append(Problem(column, self.row[column] if column else "", str(message)))

    def __bool__(self) -> bool:
        return bool(self.found)

    def raise_if_any(self) -> None:
        if self.found:
            raise RowError(self.found)


@dataclass
class ImportContext:
    """What a row is applied in: who runs the import, whether it is a dry run, the batch's
    lookups, and the counts (kept by the machinery)."""

    run_id: int
    user: User
    dry_run: bool
    #: The kind's lookups for the current batch (cleared for every batch).
    cache: dict[str, Any] = field(default_factory=dict)
    #: What the kind keeps from batch to batch of the run (e.g. how much its tables grew).
    state: dict[str, Any] = field(default_factory=dict)
    #: record kind → natural key → strongest change of the batch.
    counts: dict[str, dict[Hashable, str]] = field(default_factory=dict)
    _row: list[tuple[str, Hashable, str]] = field(default_factory=list)

    def record(self, kind: str, key: Hashable, change: str) -> None:
        """Count ``change`` (created, updated or unchanged) for the record ``key`` of ``kind``."""
        if change not in CHANGES:
            raise ValueError(f"unknown change {change!r}")
        self._row.append((kind, key, change))

    def update(self, obj: Any, values: Mapping[str, Any]) -> bool:
        """Set the attributes of ``obj`` whose value differs; True when any did."""
        changed = False
        for name, value in values.items():
            current = getattr(obj, name)
            if current is value or current == value:
                continue
            setattr(obj, name, value)
            changed = True
        if changed:
            self.changed(obj)
        return changed

    def changed(self, obj: Any) -> None:
        """Attribute the changes of ``obj`` (already in the session) to the current row in the
        audit log (new objects added during the row are attributed automatically)."""
        note_object(obj)

    # --- used by the machinery ------------------------------------------------------------

    def start_batch(self) -> None:
        self.cache.clear()
        self.counts.clear()
        self._row.clear()

    def start_row(self) -> None:
        self._row.clear()

    def end_row(self) -> bool:
        """Keep the row's counts; True when the row created or updated something."""
        wrote = False
        for kind, key, change in self._row:
            kept = self.counts.setdefault(kind, {})
            before = kept.get(key)
            if before is None or CHANGES.index(change) < CHANGES.index(before):
                kept[key] = change
            wrote = wrote or change != "unchanged"
        self._row.clear()
        return wrote

    def drop_row(self) -> None:
        self._row.clear()


@dataclass(frozen=True)
class RunLink:
    """What a run leaves for whoever reads it to hand on, e.g. a new technician's one-time
    set-password link: the row it came from, the record (``li.wei``) and its label (a name),
    the link and until when it works (None when it is no longer needed), and a note."""

    row: int
    record: str
    label: str
    url: str | None
    expires_at: datetime | None
    note: str = ""


class ImportKind:
    """One kind of import. Subclass it, fill in the attributes and the methods, and register an
    instance with :func:`register_kind` from ``dispatch/wiring.py``."""

    #: Machine name (``installed_base``): the ``kind`` field of the API and the history.
    name: str = ""
    #: What people see in the form (a lazy translated string).
    title: Any = ""
    #: The columns, in the order of the template and the export.
    columns: tuple[str, ...] = ()
    #: Columns a file must have (its header is refused without them).
    required: tuple[str, ...] = ()
    #: Who may run it and export its records (``dispatch/auth/roles.py``).
    permission: str = "import.run"
    #: The kinds of records it counts (keys of ``created`` and ``updated``).
    records: tuple[str, ...] = ()
    #: Header names a file of this kind may not have, with why (a file with a ``password``
    #: column is refused at upload, unread and not kept).
    refused_columns: Mapping[str, Any] = {}

    def template_row(self) -> dict[str, str]:
        """An example row for the template (every column)."""
        raise NotImplementedError

    def keys(self, row: Row) -> Iterable[Hashable]:
        """The natural keys the row touches (normalised, or a best guess for invalid values):
        rows sharing one are applied in the same batch. Must not raise or query."""
        return ()

    def prepare(self, rows: Sequence[Row], ctx: ImportContext) -> None:
        """Before a batch: fill ``ctx.cache`` with what its rows will look up (optional)."""

    def apply_row(self, row: Row, ctx: ImportContext) -> None:
        """Validate ``row`` (raise :class:`RowError`), then write it and ``ctx.record`` what
        it did. See the module's docstring for the contract."""
        raise NotImplementedError

    def flush(self, ctx: ImportContext) -> None:
        """Write what the batch's rows left pending, in the current transaction: the machinery
        calls it once after the batch's rows (after each row while it looks for the one the
        database refuses). By default the session's flush; a kind that writes in bulk
        (the installed base) writes there."""
        db.session.flush()

    def after_batch(self, ctx: ImportContext) -> None:
        """Called once a batch is applied, in its transaction (never in a dry run): ask for
        follow-up work through the outbox (``ctx.counts`` says what the batch changed)."""

    def export_rows(self, user: User) -> Iterable[Sequence[Any]]:
        """The current records as rows of :attr:`columns` (what ``user`` may see), so that an
        exported file imported again changes nothing."""
        raise NotImplementedError

    def run_links(self, run: ImportRun, viewer: User) -> list[RunLink]:
        """What the run left to hand on, as ``viewer`` may see it (shown on the run's page and
        in its JSON); by default nothing."""
        return []

    def sample_rows(self, count: int, seed: int = 1) -> Iterable[Sequence[Any]]:
        """``count`` valid rows of plausible data (the sample file); by default the example."""
        example = self.template_row()
        return [[example.get(column, "") for column in self.columns]] * min(count, 1)


#: name → kind, filled by ``dispatch.wiring.init_imports`` (never at import).
KINDS: dict[str, ImportKind] = {}
DEFAULT_KIND = "installed_base"


def register_kind(kind: ImportKind) -> None:
    """Make ``kind`` importable (idempotent: the same name is replaced)."""
    if not kind.name or not kind.columns:
        raise ValueError("an import kind needs a name and columns")
    missing = set(kind.required) - set(kind.columns)
    if missing:
        raise ValueError(f"required columns {sorted(missing)} are not columns of {kind.name}")
    KINDS[kind.name] = kind


def get_kind(name: str) -> ImportKind:
    kind = KINDS.get(name)
    if kind is None:
        raise NotFound(_l("No such kind of import."))
    return kind


def kinds_for(user: User) -> list[ImportKind]:
    """The kinds ``user`` may run, installed base first."""
    found = [kind for kind in KINDS.values() if user.can(kind.permission)]
    return sorted(found, key=lambda kind: (kind.name != DEFAULT_KIND, kind.name))
