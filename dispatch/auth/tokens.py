"""The bearer-token check of every API call: one indexed read, nothing cached.

A call's token is checked by one Core ``SELECT`` on the request's own connection: the token's
hash (its unique index), its expiry, the holder's active flag, session version and roles (the
primary keys of ``users`` and ``user_roles``), one row per role. No ORM object is built for it
and nothing is kept between requests, so a revoked or expired token, a deactivated account and
a changed role count from the very next request.

The view gets a :class:`TokenHolder` (enough for the permission check and ``/auth/me``); when
it needs the account as a mapped ``User`` (to hand it to a service), :func:`attached_user`
puts one together from the same row, in the request's session, without another query.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import make_transient_to_detached

from dispatch.auth.models import ApiToken, User, UserRole
from dispatch.auth.roles import allowed
from dispatch.extensions import db
from dispatch.timeutil import utcnow


@dataclass(frozen=True, slots=True)
class TokenHolder:
    """The account a valid token belongs to, as read by the token check."""

    id: int
    username: str
    name: str
    locale: str | None
    session_version: int
    roles: frozenset[str]

    @property
    def display_name(self) -> str:
        return self.name or self.username

    def can(self, permission: str) -> bool:
        return allowed(self.roles, permission)

    def has_role(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)


def digest(token: str) -> str:
    """What is stored of a token: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


_users, _tokens, _roles = User.__table__, ApiToken.__table__, UserRole.__table__
# Built once (building costs more than running it). One row per role of the holder; none when
# the token is unknown, expired or its account inactive.
_HOLDER = (
    select(_users.c.id, _users.c.username, _users.c.name, _users.c.locale,
           _users.c.session_version, _roles.c.role)
    .select_from(_tokens.join(_users, _users.c.id == _tokens.c.user_id)
                 .outerjoin(_roles, _roles.c.user_id == _users.c.id))
    .where(_tokens.c.token_hash == bindparam("digest"), _tokens.c.expires_at > bindparam("now"),
           _users.c.active.is_(True)))


def token_holder(token: str) -> TokenHolder | None:
    """The active account holding the unexpired ``token``, or None (one indexed read)."""
    if not token or len(token) > 200:
        return None
    rows = db.session.connection().execute(
        _HOLDER, {"digest": digest(token), "now": utcnow()}).all()
    if not rows:
        return None
    ident, username, name, locale, version, _role = rows[0]
    return TokenHolder(ident, username, name or "", locale, version or 0,
                       frozenset(row[5] for row in rows if row[5] is not None))


def attached_user(holder: TokenHolder) -> User:
    """``holder``'s account as a mapped ``User`` of the request's session, built from what the
    token check read (no query); other columns load on first use, like any expired attribute.
    Its roles are the check's until its role rows are loaded."""
    session = db.session()
    key = User.__mapper__.identity_key_from_primary_key((holder.id,))
    known = session.identity_map.get(key)
    if known is not None:  # already in the session: its roles as just checked
        known.__dict__["_checked_roles"] = holder.roles
        return known
    user = User(id=holder.id, username=holder.username, name=holder.name, locale=holder.locale,
                session_version=holder.session_version, active=True)
    user.__dict__["_checked_roles"] = holder.roles
    make_transient_to_detached(user)
    session.add(user)
    return user
