"""Idempotent writes: a client-generated ``Idempotency-Key`` makes a retried submission (a
double tap, a retry after a timeout, a replayed offline queue) take effect once.

The key, who sent it, what it was sent to and the response are stored in the same transaction
as the change (the decorator commits, the view only flushes). A repeat returns the stored
response; the same key reused for another endpoint or another body is refused (422).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

from flask import Response, current_app, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.errors import Conflict, ValidationFailed
from dispatch.extensions import Model, db
from dispatch.timeutil import UTCDateTime, utcnow
from dispatch.web.api import current_api_user

F = TypeVar("F", bound=Callable[..., Any])
HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 64


class IdempotencyKey(Model):
    """One applied submission: (user, key) → the response it got."""

    __tablename__ = "idempotency_keys"
    __audit__ = False
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_user_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    endpoint: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _find(user_id: int, key: str) -> IdempotencyKey | None:
    return db.session.scalar(select(IdempotencyKey).where(
        IdempotencyKey.user_id == user_id, IdempotencyKey.key == key))


def _replay(stored: IdempotencyKey, endpoint: str, fingerprint: str) -> Response:
    if stored.endpoint != endpoint or stored.fingerprint != fingerprint:
        raise ValidationFailed(_l("This request ID was already used for another submission."),
                               {HEADER: _l("Send a new request ID.")})
    if stored.status_code is None:
        raise Conflict(_l("This submission is still being processed."))
    response = Response(stored.body or "", status=stored.status_code, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def idempotent(view: F) -> F:
    """Apply a write once per ``Idempotency-Key``; commit the change with the stored response.

    Put it under :func:`dispatch.web.api.api_requires` and above ``input``/``output``; the view
    flushes but does not commit. Without the header the call simply runs and commits.
    """

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER, "").strip()
        if not key:
            response = view(*args, **kwargs)
            db.session.commit()
            return response
        if len(key) > MAX_KEY_LENGTH:
            raise ValidationFailed(_l("The request ID is too long."),
                                   {HEADER: _l("At most 64 characters.")})
        user = current_api_user()
        endpoint = f"{request.method} {request.path}"
        fingerprint = hashlib.sha256(request.get_data(cache=True)).hexdigest()
        stored = _find(user.id, key)
        if stored is not None:
            return _replay(stored, endpoint, fingerprint)
        record = IdempotencyKey(user_id=user.id, key=key, endpoint=endpoint,
                                fingerprint=fingerprint)
        db.session.add(record)
        try:
            db.session.flush()  # a concurrent twin waits here on the unique index, then fails
        except IntegrityError:
            db.session.rollback()
            stored = _find(user.id, key)
            if stored is None:
                raise
            return _replay(stored, endpoint, fingerprint)
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code < 300:
            record.status_code = response.status_code
            record.body = json.dumps(response.get_json(silent=True), ensure_ascii=False)
        else:
            db.session.delete(record)
        db.session.commit()
        return response

    return wrapper  # type: ignore[return-value]
