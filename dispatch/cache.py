"""Per-process caches that stay right across processes: each cached value is stored with the
version of a row in ``cache_versions``, and every flush that changes what the value was read
from sets that row to a new random version in the same transaction. A reader pays one
primary-key lookup; the value is reloaded only after a committed change. Versions are random,
not a counter, so a version set by a transaction that rolled back, or one from a database
restored from a backup, never matches a value cached from other data.

Only data that changes rarely belongs here (the technician roster, not positions or loads).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import BigInteger, String, event, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from dispatch.extensions import db

T = TypeVar("T")

#: Cache name → (model class name → attributes whose change does NOT invalidate it).
WATCHED: dict[str, dict[str, frozenset[str]]] = {
    "roster": {
        "Technician": frozenset({"last_lat", "last_lon", "last_seen_at"}),
        "User": frozenset({"password_hash", "locale", "role_rows"}),
    },
}

_values: dict[tuple[str, str], tuple[int, Any]] = {}
_lock = threading.Lock()


class CacheVersion(db.Model):
    __tablename__ = "cache_versions"
    __audit__ = False  # a counter, not business data

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


def cached(name: str, load: Callable[[], T]) -> T:
    """The value ``load()`` returns, reused while ``name``'s version has not moved."""
    version = db.session.scalar(select(CacheVersion.version).where(CacheVersion.name == name))
    key = (str(db.engine.url), name)
    hit = _values.get(key)
    if hit is not None and version is not None and hit[0] == version:
        return hit[1]
    value = load()
    if version is not None:
        with _lock:
            _values[key] = (version, value)
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


@event.listens_for(Session, "before_flush")
def _invalidate(session: Session, flush_context: Any, instances: Any) -> None:
    changed = [*session.new, *session.dirty, *session.deleted]
    for name, models in WATCHED.items():
        for obj in changed:
            ignored = models.get(type(obj).__name__)
            if ignored is not None and _touches(session, obj, ignored):
                bump(session, name)
                break

