"""Append-only audit log written automatically for every insert, update and delete.

A session ``after_flush`` hook records who, when, what, before and after for every mapped
object whose class does not set ``__audit__ = False``.  Columns listed in
``__audit_exclude__`` (password hashes, token hashes) are never written.  The table itself is
protected by database triggers against UPDATE and DELETE (see the initial migration).
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from flask import g, has_request_context
from sqlalchemy import JSON, ForeignKey, Index, String, insert, inspect
from sqlalchemy.orm import Mapped, Mapper, Session, mapped_column

from dispatch.bulk import insert_rows
from dispatch.extensions import Model, db
from dispatch.timeutil import UTCDateTime, utcnow


class AuditLog(Model):
    __tablename__ = "audit_log"
    __audit__ = False
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(20))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(String(200))


#: ``session.info`` keys: the user a background job acts for, the note of the row being
#: imported, and the notes of single objects (which beat the session's ``audit_note``).
_ACTOR, _ROW_NOTE, _OBJECT_NOTES = "audit_user_id", "audit_row_note", "audit_object_notes"


def set_actor(user_id: int | None) -> None:
    """Name the user whose changes the current request makes."""
    if has_request_context():
        g.audit_user_id = user_id


def act_as(user_id: int | None) -> None:
    """Name the user whose changes this session makes outside a request (a background job
    doing a user's work, such as an import); ``None`` forgets it."""
    if user_id is None:
        db.session.info.pop(_ACTOR, None)
    else:
        db.session.info[_ACTOR] = user_id


def _actor(session: Session) -> int | None:
    if _ACTOR in session.info:
        return session.info[_ACTOR]
    return g.get("audit_user_id") if has_request_context() else None


def _plain(value: Any) -> Any:
    if value is None or type(value) in (str, int, bool, float):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


#: model → its audited column attributes (the same for every object: computed once).
_COLUMNS: dict[type, list[str]] = {}


def _columns(obj: Any) -> list[str]:
    return audited_columns(type(obj))


def audited_columns(model: type) -> list[str]:
    """The column attributes of ``model`` its audit rows hold (``__audit_exclude__`` left out)."""
    found = _COLUMNS.get(model)
    if found is None:
        excluded = set(getattr(model, "__audit_exclude__", ()))
        mapper: Mapper[Any] = inspect(model)
        found = _COLUMNS[model] = [attr.key for attr in mapper.column_attrs
                                   if attr.key not in excluded]
    return found


def _identity(obj: Any) -> str:
    """The primary key as text. Read from the columns, not the identity map: a row created in
    this flush has its key already but joins the identity map only after the flush hooks."""
    state = inspect(obj)
    key = state.identity or state.mapper.primary_key_from_instance(obj)
    return "/".join(str(part) for part in key) if key and None not in key else "?"


def snapshot(obj: Any) -> dict[str, Any]:
    """The audited columns of ``obj`` as JSON-ready values."""
    return {key: _plain(getattr(obj, key)) for key in _columns(obj)}


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key in _columns(obj):
        history = state.attrs[key].history
        if history.has_changes():
            before[key] = _plain(history.deleted[0]) if history.deleted else None
            after[key] = _plain(history.added[0]) if history.added else None
    return before, after


def _audited(obj: Any) -> bool:
    return getattr(obj, "__audit__", True)


def write_audit_rows(session: Session, flush_context: Any) -> None:
    rows: list[dict[str, Any]] = []
    user_id = _actor(session)
    now = utcnow()
    note = session.info.get("audit_note")
    object_notes: dict[Any, str] = session.info.get(_OBJECT_NOTES) or {}

    def add(action: str, obj: Any, before: Any, after: Any) -> None:
        rows.append(
            {
                "at": now,
                "user_id": user_id,
                "action": action,
                "entity": obj.__tablename__,
                "entity_id": _identity(obj),
                "before": before,
                "after": after,
                "note": object_notes.get(obj, note) if object_notes else note,
            }
        )

    for obj in session.new:
        if _audited(obj):
            add("create", obj, None, snapshot(obj))
    for obj in session.dirty:
        if _audited(obj) and session.is_modified(obj, include_collections=False):
            before, after = _changes(obj)
            if after or before:
                add("update", obj, before, after)
    for obj in session.deleted:
        if _audited(obj):
            add("delete", obj, snapshot(obj), None)
    if rows:
        session.connection().execute(insert(AuditLog), rows)


def values_snapshot(model: type, values: dict[str, Any]) -> dict[str, Any]:
    """:func:`snapshot` of a row written without the ORM, from its column values."""
    return {key: _plain(values.get(key)) for key in audited_columns(model)}


#: What a bulk creation's audit row leaves out as said elsewhere in the row: the id (its
#: ``entity_id``) and the creation clocks (its ``at``).
BULK_REDUNDANT = frozenset({"id", "created_at", "updated_at"})


def created_snapshot(model: type, values: dict[str, Any]) -> dict[str, Any]:
    """The narrow ``after`` of a record created in bulk (tens of thousands of rows at once, the
    installed-base import): its values that say something — those set, less the id and the
    creation clocks the audit row holds already (:data:`BULK_REDUNDANT`). A column it does not
    list was empty. The flush hook's creations keep the whole :func:`snapshot`."""
    out = {}
    for key in audited_columns(model):
        value = values.get(key)
        if value is not None and key not in BULK_REDUNDANT:
            out[key] = _plain(value)
    return out


def plain(value: Any) -> Any:
    """A column value as the audit log stores it (JSON-ready)."""
    return _plain(value)


def write_bulk_audit(entries: list[tuple[str, str, str, Any, Any, str | None]],
                     at: datetime | None = None) -> None:
    """Audit rows for records written with Core bulk statements, which the flush hook does not
    see, in the very shape the hook writes: ``(action, table, id, before, after, note)`` each,
    by the session's user (:func:`act_as`, or the request's), at one moment (``at``: the
    clock the records were created with, by default now)."""
    if not entries:
        return
    user_id = _actor(db.session())
    now = at or utcnow()
    insert_rows(AuditLog.__table__, [  # type: ignore[arg-type]
        {"at": now, "user_id": user_id, "action": action, "entity": entity,
         "entity_id": entity_id, "before": before, "after": after, "note": note}
        for action, entity, entity_id, before, after, note in entries])


def current_note() -> str | None:
    """The note the next audit rows get: the current :func:`row_note`, else the session's."""
    return db.session.info.get(_ROW_NOTE) or db.session.info.get("audit_note")


def audit_note(note: str | None) -> None:
    """Attach a short reason to the audit rows of the next flushes in this session."""
    db.session.info["audit_note"] = note


def row_note(note: str | None) -> None:
    """The note of the objects added to the session from now on, and of those passed to
    :func:`note_object` (an import names the row each record came from); ``None`` stops."""
    if note is None:
        db.session.info.pop(_ROW_NOTE, None)
    else:
        db.session.info[_ROW_NOTE] = note


def note_object(obj: Any) -> None:
    """Give the audit rows of ``obj``'s pending changes the current :func:`row_note`."""
    note = db.session.info.get(_ROW_NOTE)
    if note is not None:
        db.session.info.setdefault(_OBJECT_NOTES, {})[obj] = note


def note_new_object(session: Session, obj: Any) -> None:
    """``transient_to_pending`` hook: an object added while a row note is set carries it."""
    note = session.info.get(_ROW_NOTE)
    if note is not None:
        session.info.setdefault(_OBJECT_NOTES, {})[obj] = note


def forget_object_notes() -> None:
    """Drop the per-object notes (after the flush that used them)."""
    db.session.info.pop(_OBJECT_NOTES, None)
