"""Per-process caches that stay right across processes: each cached value is stored with the
version of a row in ``cache_versions``. A transaction that changes what a value was read from
sets that row to a new random version as the last thing before it commits (after its final
flush, so the version row is the last lock it takes and is held only while committing; no
order of locks can deadlock on it). A reader pays one primary-key lookup; the value is reloaded
only after a committed change, and a transaction that has itself changed the data reads it
fresh. Versions are random, not a counter, so a version from a transaction that rolled back,
or from a database restored from a backup, never matches a value cached from other data.

Only data read more often than it changes belongs here: the technician roster, and the
dispatch board's snapshot, whose positions and clock-derived fields may also be a few seconds
old (``max_age``; positions are not watched, they change all day).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import BigInteger, String, select, update
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, SessionTransaction, mapped_column

from dispatch.extensions import Model, db

T = TypeVar("T")

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

_CHANGED = "cache_changed"  # session.info key: the caches this transaction's flushes changed

_values: dict[tuple[str, str, Hashable], tuple[int, float, Any]] = {}
_lock = threading.Lock()


class CacheVersion(Model):
    __tablename__ = "cache_versions"
    __audit__ = False  # a counter, not business data

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


def cached(name: str, load: Callable[[], T], variant: Hashable = None,
           max_age: float | None = None) -> T:
    """The value ``load()`` returns, reused while ``name``'s version has not moved (and, with
    ``max_age``, for at most that many seconds). ``variant`` keeps apart values of one cache
    that differ by who reads them."""
    version = db.session.scalar(select(CacheVersion.version).where(CacheVersion.name == name))
    if name in db.session.info.get(_CHANGED, ()):
        return load()  # this transaction changed the data: its own view, not shared
    key = (str(db.engine.url), name, variant)
    started = time.monotonic()
    hit = _values.get(key)
    if (hit is not None and version is not None and hit[0] == version
            and (max_age is None or started - hit[1] < max_age)):
        return hit[2]
    value = load()
    if version is not None:
        with _lock:
            _values[key] = (version, started, value)
    return value


def bump(session: Session, name: str) -> None:
    """Invalidate ``name`` everywhere, as part of ``session``'s transaction."""
    session.connection().execute(
        update(CacheVersion).where(CacheVersion.name == name)
        .values(version=secrets.randbits(62)))


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


def note_bulk_changes(state: ORMExecuteState) -> None:
    """Bulk INSERT/UPDATE/DELETE statements of models go around the flush."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    models = {mapper.class_.__name__ for mapper in state.all_mappers}
    noted = state.session.info.setdefault(_CHANGED, set())
    noted.update(name for name, watched in WATCHED.items() if models & watched.keys())


def bump_changed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outer transaction bumps when it commits
    session.flush()
    for name in sorted(session.info.pop(_CHANGED, ())):
        bump(session, name)


def forget_changes(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_CHANGED, None)
