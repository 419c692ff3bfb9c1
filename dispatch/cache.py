"""Per-process caches that stay right across processes, and the versioned change messages of
the live board.

Each cached value is stored with the version of its cache (``roster``, ``board``). A committed
transaction that changed what a value was read from moves that version *after* its commit,
from a source that takes no lock a concurrent transaction could wait on: on PostgreSQL a
sequence per cache (``cache_version_<name>``; ``nextval`` is never rolled back and never
waits), on SQLite the ``cache_versions`` row, counted up inside the transaction (SQLite has one
writer at a time anyway). A reader reads the version, then the data: a version read after the
move was read after the commit, so its data holds the change; a value loaded before it is
stored under the old version and never matches again. The request that committed moves the
version before it answers, so the same client's next request never sees the value from before
its own change; a transaction that has itself changed the data reads it fresh.

The ``cache_versions`` row is also the cache's epoch (a random value set by the migration, a
test's fresh database, or by hand): part of the version on PostgreSQL, so a value cached from
other data never matches. (Were a process killed between its commit and the move, the other
processes would keep their values until the next change, or ``max_age``.)

After the move, a change to the board is published (``dispatch/broker.py``) on the ``board``
channel with the new version and the one before it (``after``), and which orders and
technicians changed; technicians' reported positions, which move no version, go out as
``positions``. Readers (``board/live.py``) notice a missed message from the version.

Only data read more often than it changes belongs here: the technician roster, and the
dispatch board's snapshot, whose positions and clock-derived fields may also be a few seconds
old (``max_age``; positions are not watched, they change all day).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import orjson
from flask import has_app_context
from sqlalchemy import BigInteger, String, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, SessionTransaction, mapped_column

from dispatch import broker
from dispatch.extensions import Model, db

T = TypeVar("T")
log = logging.getLogger(__name__)

#: A technician's reported position: changes all day, never invalidates a cache.
_POSITION = frozenset({"last_lat", "last_lon", "last_seen_at"})
#: A user's own settings, which nothing cached shows.
_ACCOUNT = frozenset({"password_hash", "locale", "role_rows"})

#: Cache name → (model class name → attributes whose change does NOT invalidate it).
WATCHED: dict[str, dict[str, frozenset[str]]] = {
    "roster": {"Technician": _POSITION, "User": _ACCOUNT},
    "board": {"WorkOrder": frozenset(), "Customer": frozenset(), "Vehicle": frozenset(),
              "Technician": _POSITION, "User": _ACCOUNT},
}
#: The board's change messages name changed rows: model class name → (message key, the
#: attributes whose values, before and after, are the ids of rows it changes).
CHANGED_ROWS: dict[str, tuple[str, tuple[str, ...]]] = {
    "WorkOrder": ("orders", ("id",)),
    "Technician": ("technicians", ("id",)),
}
#: …and a change to an order changes its technicians' rows too (route, load).
RELATED_ROWS: dict[str, tuple[str, str]] = {"WorkOrder": ("technicians", "technician_id")}
CHANNEL = "board"

_CHANGED = "cache_changed"  # session.info key: the caches this transaction's flushes changed
_ROWS = "cache_rows"        # session.info key: message key → ids changed (None: unknown rows)
_MOVED = "cache_moved"      # session.info key: cache name → version moved in the transaction

_values: dict[tuple[str, str, Hashable], tuple[Any, float, Any]] = {}
_lock = threading.Lock()


class CacheVersion(Model):
    __tablename__ = "cache_versions"
    __audit__ = False  # a counter, not business data

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


def _postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def current_version(name: str, session: Session | None = None) -> tuple[int, int] | None:
    """``name``'s version as (epoch, count): the count is what the live board's messages
    carry. ``None`` when the cache has no version row."""
    reader: Session = session or db.session  # type: ignore[assignment]
    if _postgresql(reader):
        row = reader.execute(text(
            f"SELECT v.version, CASE WHEN s.is_called THEN s.last_value ELSE 0 END "  # noqa: S608
            f"FROM cache_versions v, cache_version_{name} s WHERE v.name = :name"),
            {"name": name}).first()
        return None if row is None else (int(row[0]), int(row[1]))
    version = reader.scalar(select(CacheVersion.version).where(CacheVersion.name == name))
    return None if version is None else (0, int(version))


def cached_with_version(name: str, load: Callable[[], T], variant: Hashable = None,
                        max_age: float | None = None) -> tuple[int | None, T]:
    """:func:`cached`, with the count of the version the value is at least as new as
    (``None`` when this transaction's own changes are in it, or the cache has no version)."""
    version = current_version(name)
    if name in db.session.info.get(_CHANGED, ()):
        return None, load()  # this transaction changed the data: its own view, not shared
    key = (str(db.engine.url), name, variant)
    started = time.monotonic()
    hit = _values.get(key)
    if (hit is not None and version is not None and hit[0] == version
            and (max_age is None or started - hit[1] < max_age)):
        return version[1], hit[2]
    value = load()
    if version is None:
        return None, value
    with _lock:
        _values[key] = (version, started, value)
    return version[1], value


def cached(name: str, load: Callable[[], T], variant: Hashable = None,
           max_age: float | None = None) -> T:
    """The value ``load()`` returns, reused while ``name``'s version has not moved (and, with
    ``max_age``, for at most that many seconds). ``variant`` keeps apart values of one cache
    that differ by who reads them."""
    return cached_with_version(name, load, variant, max_age)[1]


def _touches(session: Session, obj: Any, ignored: frozenset[str]) -> bool:
    if obj in session.new or obj in session.deleted:
        return True
    state = db.inspect(obj)
    return any(attr.history.has_changes() for attr in state.attrs if attr.key not in ignored)


def note_changes(session: Session, flush_context: Any, instances: Any) -> None:
    changed = [*session.new, *session.dirty, *session.deleted]
    noted = session.info.setdefault(_CHANGED, set())
    for name, models in WATCHED.items():
        if name in noted:
            continue
        for obj in changed:
            ignored = models.get(type(obj).__name__)
            if ignored is not None and _touches(session, obj, ignored):
                noted.add(name)
                break


def note_rows(session: Session, flush_context: Any) -> None:
    """After a flush (ids known, histories not yet reset): which board rows changed, for the
    live board's message; a watched model other than those named there changes rows the
    message cannot name (it then asks readers to re-sync)."""
    rows: dict[str, set[int] | None] = session.info.setdefault(_ROWS, {})
    for obj in [*session.new, *session.dirty, *session.deleted]:
        model = type(obj).__name__
        ignored = WATCHED["board"].get(model)
        if ignored is None or (model not in CHANGED_ROWS and "resync" in rows):
            continue
        state = db.inspect(obj)
        moved = {a.key for a in state.attrs if a.history.has_changes()}
        if obj in session.dirty and not moved:
            continue
        if model not in CHANGED_ROWS:
            if obj in session.new or obj in session.deleted or moved - ignored:
                rows["resync"] = None
            continue
        key, attributes = CHANGED_ROWS[model]
        positions_only = obj in session.dirty and moved <= ignored
        target = rows.setdefault("positions" if positions_only else key, set())
        for attribute in attributes:
            _add_ids(target, obj, state, attribute)
        if model in RELATED_ROWS and not positions_only:
            related_key, attribute = RELATED_ROWS[model]
            _add_ids(rows.setdefault(related_key, set()), obj, state, attribute)


def _add_ids(target: set[int] | None, obj: Any, state: Any, attribute: str) -> None:
    """The attribute's value now and before this flush (an order moved from one technician
    to another changes both)."""
    if target is None:
        return
    history = state.attrs[attribute].history
    for value in (getattr(obj, attribute), *history.added, *history.deleted):
        if isinstance(value, int):
            target.add(value)


def note_bulk_changes(state: ORMExecuteState) -> None:
    """Bulk INSERT/UPDATE/DELETE statements of models go around the flush."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    models = {mapper.class_.__name__ for mapper in state.all_mappers}
    noted = state.session.info.setdefault(_CHANGED, set())
    noted.update(name for name, watched in WATCHED.items() if models & watched.keys())
    if models & WATCHED["board"].keys():
        state.session.info.setdefault(_ROWS, {})["resync"] = None


def bump_changed(session: Session) -> None:
    """Before commit, on SQLite: count the versions up in the transaction."""
    if session.in_nested_transaction():
        return  # a savepoint: the outer transaction bumps when it commits
    session.flush()
    if _postgresql(session):
        return  # moved after the commit, from a sequence (no lock held by the transaction)
    moved = session.info.setdefault(_MOVED, {})
    for name in sorted(session.info.get(_CHANGED, ())):
        moved[name] = session.connection().execute(
            update(CacheVersion).where(CacheVersion.name == name)
            .values(version=CacheVersion.version + 1).returning(CacheVersion.version)).scalar()


def move_after_commit(session: Session) -> None:
    """After commit: move the versions (PostgreSQL) and publish the board's change."""
    if session.in_nested_transaction():
        return  # a savepoint released: the outer transaction has not committed yet
    names = sorted(session.info.pop(_CHANGED, ()))
    rows = session.info.pop(_ROWS, {})
    moved: dict[str, int | None] = session.info.pop(_MOVED, {})
    if names and _postgresql(session):
        try:
            bind = session.get_bind()
            engine = bind if isinstance(bind, Engine) else bind.engine
            with engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT") as connection:
                for name in names:
                    moved[name] = connection.execute(
                        text(f"SELECT nextval('cache_version_{name}')")).scalar()
        except Exception:  # the database gone after the commit: max_age and the next change
            log.exception("could not move the cache versions %s", names)
    _publish(moved.get("board"), rows)


def _publish(version: int | None, rows: dict[str, set[int] | None]) -> None:
    message: dict[str, Any] = {}
    if version is not None:
        message = {"version": version, "after": version - 1}
        if "resync" in rows:
            message["resync"] = True
        else:
            message["orders"] = sorted(rows.get("orders") or ())
            message["technicians"] = sorted(rows.get("technicians") or ())
    if rows.get("positions"):
        message["positions"] = sorted(rows["positions"] or ())
    if not message or not has_app_context():
        return
    try:
        broker.publish(CHANNEL, orjson.dumps(message).decode())
    except Exception:  # readers notice the gap from the version and re-sync
        log.exception("could not publish a board change")


def forget_changes(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        for key in (_CHANGED, _ROWS, _MOVED):
            session.info.pop(key, None)
