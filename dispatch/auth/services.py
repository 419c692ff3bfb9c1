"""Accounts: creation, password check, API tokens."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from werkzeug.security import check_password_hash, generate_password_hash

from dispatch.auth.models import ApiToken, User, UserRole
from dispatch.auth.roles import ROLES
from dispatch.auth.tokens import attached_user, digest, token_holder
from dispatch.errors import FieldErrors
from dispatch.extensions import db
from dispatch.text import clean_text
from dispatch.timeutil import utcnow

MIN_PASSWORD = 8
#: How the hash of an account without a usable password starts (never a werkzeug method name).
UNUSABLE = "!"
# A real hash to compare against when the user does not exist, so timing does not tell.
_DUMMY_HASH = generate_password_hash("not-a-password", method="pbkdf2:sha256:1000")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


_hash = hash_password


def validate_username(raw: str) -> str:
    username = (raw or "").strip().lower()
    if not (3 <= len(username) <= 40) or not all(ch.isalnum() or ch in "._-" for ch in username):
        raise ValueError(_l("3–40 letters, digits, dots, dashes or underscores."))
    return username


def validate_password(raw: str) -> str:
    if len(raw or "") < MIN_PASSWORD:
        raise ValueError(_l("At least %(n)d characters.", n=MIN_PASSWORD))
    if len(raw) > 200:
        raise ValueError(_l("At most %(n)d characters.", n=200))
    return raw


def clean_user(username: str, password: str | None, roles: Iterable[str],
               name: str = "") -> dict[str, Any]:
    """A new account's values, checked (a taken username, a short password, an unknown role are
    refused all at once, nothing written); ``password=None`` means the account gets no usable
    password (its owner sets one through a one-time link, ``dispatch/auth/links.py``)."""
    errors = FieldErrors()
    clean_username = errors.check("username", validate_username, username)
    if password is not None:
        errors.check("password", validate_password, password)
    clean_name = errors.check("name", clean_text, name, max_len=100)
    role_set = set(roles)
    unknown = role_set.difference(ROLES)
    if unknown:
        errors.add("roles", _l("Unknown role: %(roles)s.", roles=", ".join(sorted(unknown))))
    if not role_set:
        errors.add("roles", _l("Give at least one role."))
    if clean_username and db.session.scalar(select(User.id).where(User.username == clean_username)):
        errors.add("username", _l("This username is taken."))
    errors.raise_if_any()
    return {"username": clean_username, "password": password, "roles": sorted(role_set),
            "name": clean_name or ""}


def new_user(clean: dict[str, Any]) -> User:
    """The account of :func:`clean_user`'s values, added to the session (not flushed)."""
    password = clean["password"]
    user = User(username=clean["username"], name=clean["name"],
                password_hash=_hash(password) if password is not None else unusable_password())
    user.role_rows = [UserRole(role=role) for role in clean["roles"]]
    db.session.add(user)
    return user


def create_user(username: str, password: str | None, roles: Iterable[str],
                name: str = "") -> User:
    """Add a user holding ``roles``; refuses a taken username, short password or unknown role.
    ``password=None``: no usable password yet (see :func:`clean_user`)."""
    user = new_user(clean_user(username, password, roles, name))
    db.session.flush()
    return user


def unusable_password() -> str:
    """A stored hash no password matches (werkzeug refuses a hash without its ``$`` parts);
    random, so a set-password link made for it names this state of the account only."""
    return UNUSABLE + secrets.token_urlsafe(24)


def has_usable_password(user: User) -> bool:
    return not user.password_hash.startswith(UNUSABLE)


def end_sessions(user: User) -> None:
    """Sign ``user`` out everywhere: every session cookie issued so far stops working (signing
    out, a password change, deactivation). API tokens are separate (:func:`revoke_tokens`)."""
    user.session_version = (user.session_version or 0) + 1


def revoke_tokens(user: User) -> None:
    """Every API token of ``user`` stops working."""
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))


def set_password(user: User, password: str) -> None:
    """A new password: every session and API token of the account ends (whoever knew the old
    password is out); the caller signs the changing browser in again."""
    errors = FieldErrors()
    errors.check("password", validate_password, password)
    errors.raise_if_any()
    user.password_hash = _hash(password)
    end_sessions(user)
    revoke_tokens(user)


def change_password(user: User, current: str, password: str, repeated: str) -> None:
    """The account's owner changes the password: the current one first, the new one twice."""
    errors = FieldErrors()
    if not has_usable_password(user) or not check_password_hash(user.password_hash, current or ""):
        errors.add("current_password", _l("This is not your current password."))
    errors.check("password", validate_password, password)
    if "password" not in errors.errors and password != repeated:
        errors.add("password_again", _l("The two passwords differ."))
    errors.raise_if_any()
    set_password(user, password)


def deactivate_user(user: User) -> None:
    """The account can no longer sign in; its sessions and API tokens end now."""
    user.active = False
    end_sessions(user)
    revoke_tokens(user)


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None (same work either way)."""
    user = db.session.scalar(
        select(User).where(User.username == (username or "").strip().lower())
    )
    if user is None or not has_usable_password(user):  # no password yet: never signs in
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return None
    return user


def issue_token(user: User) -> str:
    """A new bearer token for ``user``; expired tokens of the user are purged."""
    now = utcnow()
    db.session.execute(
        delete(ApiToken).where(ApiToken.user_id == user.id, ApiToken.expires_at < now)
    )
    token = secrets.token_urlsafe(32)
    ttl = timedelta(hours=current_app.config["API_TOKEN_TTL_HOURS"])
    db.session.add(ApiToken(user_id=user.id, token_hash=digest(token), expires_at=now + ttl))
    db.session.flush()
    return token


def user_for_token(token: str) -> User | None:
    """The active user holding an unexpired ``token`` (the API's check, ``auth/tokens.py``)."""
    holder = token_holder(token)
    return attached_user(holder) if holder is not None else None
