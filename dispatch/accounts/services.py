"""An admin's account management: create with a one-time link, roles, (de)activation, a new
set-password link.

Passwords never pass through an admin: a new account, or one whose password was forgotten, gets
a one-time link (``dispatch/auth/links.py``) that its owner opens to choose one. The technician
role comes with a technician record (home base, skills, capacity), so it is granted and taken on
the technicians page, never here. An admin cannot lock themselves out (their own admin role,
deactivation, password), so every change here is made by an active admin who stays one; the
shell's ``flask create-user`` remains the way in for a company with none.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select

from dispatch.auth.links import make_token
from dispatch.auth.models import User, UserRole
from dispatch.auth.roles import ADMIN, ROLES, TECHNICIAN
from dispatch.auth.services import (
    clean_user,
    deactivate_user,
    end_sessions,
    new_user,
    revoke_tokens,
    unusable_password,
)
from dispatch.errors import Conflict, FieldErrors, NotFound, ValidationFailed
from dispatch.extensions import db
from dispatch.text import clean_text

#: Roles an admin grants on this page (the technician role comes with a technician record).
GRANTABLE: tuple[str, ...] = tuple(role for role in ROLES if role != TECHNICIAN)
STATES = ("active", "inactive", "all")


def account_query(q: str = "", role: str = "", state: str = "active") -> Select[tuple[User]]:
    """Accounts by username or name, one role, and active or not (newest usernames first)."""
    query = select(User).order_by(User.username)
    if q.strip():
        like = f"%{q.strip().lower()}%"
        query = query.where(or_(func.lower(User.username).like(like),
                                func.lower(User.name).like(like)))
    if role in ROLES:
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    if state == "active":
        query = query.where(User.active.is_(True))
    elif state == "inactive":
        query = query.where(User.active.is_(False))
    return query


def get_account(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_l("No such account."))
    return user


def _roles(raw: Any) -> list[str]:
    """Roles from a form (a list or a comma-separated text), as given."""
    if isinstance(raw, str):
        raw = raw.split(",")
    return [str(role).strip() for role in (raw or []) if str(role).strip()]


def _check_grantable(errors: FieldErrors, wanted: Iterable[str], held: Iterable[str]) -> None:
    if (TECHNICIAN in set(wanted)) != (TECHNICIAN in set(held)):
        errors.add("roles", _l("The technician role comes with a technician record: use the "
                               "Technicians page."))


def create_account(data: dict[str, Any]) -> tuple[User, str, datetime]:
    """A staff account without a password, and the one-time link token its owner sets one with
    (with when it expires). The caller commits."""
    roles = _roles(data.get("roles"))
    errors = FieldErrors()
    _check_grantable(errors, roles, ())
    try:
        clean = clean_user(data.get("username", ""), None, roles, data.get("name", ""))
    except ValidationFailed as exc:  # reported with ours, all at once
        for name, why in exc.fields.items():
            errors.add(name, why)
        errors.raise_if_any()
        raise
    errors.raise_if_any()
    user = new_user(clean)
    db.session.flush()
    token, expires = make_token(user)
    return user, token, expires


def update_account(user: User, data: dict[str, Any], actor: User) -> User:
    """Change an account's name and roles; refusals name the field. The caller commits."""
    errors = FieldErrors()
    name = errors.check("name", clean_text, data.get("name", user.name), max_len=100)
    roles = set(_roles(data["roles"])) if "roles" in data else user.roles
    unknown = roles.difference(ROLES)
    if unknown:
        errors.add("roles", _l("Unknown role: %(roles)s.", roles=", ".join(sorted(unknown))))
    elif not roles:
        errors.add("roles", _l("Give at least one role."))
    else:
        _check_grantable(errors, roles, user.roles)
    if ADMIN in user.roles and ADMIN not in roles and user.id == actor.id:
        errors.add("roles", _l("You cannot take the admin role from yourself."))
    errors.raise_if_any()
    user.name = name or ""
    if roles != user.roles:
        user.role_rows = [row for row in user.role_rows if row.role in roles] + [
            UserRole(role=role) for role in sorted(roles - user.roles)]
    return user


def set_active(user: User, active: bool, actor: User) -> User:
    """Deactivate (signed out everywhere, tokens revoked, at once) or reactivate an account."""
    if active:
        user.active = True
        return user
    if user.id == actor.id:
        raise Conflict(_l("You cannot deactivate your own account."))
    deactivate_user(user)
    return user


def new_password_link(user: User, actor: User) -> tuple[str, datetime]:
    """Forgotten password: the old one stops working now (with every session and API token of
    the account) and a one-time link lets the owner choose a new one."""
    if user.id == actor.id:
        raise Conflict(_l("Change your own password on your account page."))
    if not user.active:
        raise Conflict(_l("Reactivate the account first."))
    user.password_hash = unusable_password()
    end_sessions(user)
    revoke_tokens(user)
    db.session.flush()
    return make_token(user)
