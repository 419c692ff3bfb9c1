"""One-time set-password links for accounts made without a password (an import's technicians).

A link carries a token signed with the app's ``SECRET_KEY`` (itsdangerous, salted for this use
only) holding the user's id and a fingerprint of the stored password hash. It is:

- **expiring**: refused ``PASSWORD_LINK_TTL_HOURS`` after it was made (default 72);
- **single use**: setting the password changes the hash, so the fingerprint no longer matches
  and every link made before dies — the one used and any other handed out; the write itself is
  conditional on the old hash, so two requests racing with one link cannot both set it;
- **for accounts without a usable password only**: once a password is set, no link is made.

Nothing is stored: a link can be made again (the import's run page shows a fresh one) and is
only as good as the account's state when it is used.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import CursorResult, update

from dispatch.auth.models import User
from dispatch.auth.services import has_usable_password, hash_password, validate_password
from dispatch.errors import Conflict, DomainError, FieldErrors
from dispatch.extensions import db
from dispatch.timeutil import utcnow

SALT = "dispatch.set-password"


class LinkRefused(DomainError):
    """The link is unknown, expired or used (all look the same to its holder)."""

    status = 410
    code = "gone"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:24]


def ttl() -> timedelta:
    return timedelta(hours=int(current_app.config["PASSWORD_LINK_TTL_HOURS"]))


def make_token(user: User) -> tuple[str, datetime]:
    """A set-password token for ``user`` (who has no usable password) and when it expires."""
    if has_usable_password(user):
        raise Conflict(_l("This account already has a password."))
    token = _serializer().dumps({"u": user.id, "f": _fingerprint(user.password_hash)})
    return token, utcnow() + ttl()


def _refused() -> LinkRefused:
    return LinkRefused(_l("This link has expired or was already used. Ask your manager for a "
                          "new one."))


def user_for_token(token: str) -> User:
    """The account the token was made for, while the token is good; else :class:`LinkRefused`."""
    if not token or len(token) > 500:
        raise _refused()
    try:
        data: Any = _serializer().loads(token, max_age=int(ttl().total_seconds()))
    except (SignatureExpired, BadSignature) as exc:
        raise _refused() from exc
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise _refused()
    user = db.session.get(User, data["u"])
    if (user is None or not user.active or has_usable_password(user)
            or _fingerprint(user.password_hash) != data.get("f")):
        raise _refused()
    return user


def set_password_with_token(token: str, password: str, repeated: str) -> User:
    """Set the password the token's account lacks; the token (and every other link made for
    the account) is then dead. The caller commits."""
    user = user_for_token(token)
    errors = FieldErrors()
    errors.check("password", validate_password, password)
    if not errors.errors and password != repeated:
        errors.add("password_again", _l("The two passwords differ."))
    errors.raise_if_any()
    result = db.session.execute(
        update(User).where(User.id == user.id, User.password_hash == user.password_hash)
        .values(password_hash=hash_password(password), session_version=User.session_version + 1)
        .execution_options(synchronize_session=False))
    if cast(CursorResult[Any], result).rowcount != 1:  # used meanwhile by another request
        raise _refused()
    db.session.expire(user, ["password_hash", "session_version"])
    return user
