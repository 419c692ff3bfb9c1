"""Shared pieces of the JSON API: bearer-token auth and the permission guard.

Each domain package has its own :class:`apiflask.APIBlueprint` under ``/api/v1``; every view
is guarded by :func:`api_requires`, which authenticates the bearer token (401) and then checks
the permission table (403) before any input is parsed, so a refused call writes nothing.

The token check is one indexed read (``dispatch/auth/tokens.py``) with nothing cached between
requests; the mapped ``User`` a view hands to services is built from that read only when the
view asks for it (:func:`current_api_user`).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from typing import Any, TypeVar

import orjson
from apiflask import HTTPTokenAuth
from flask import Response, current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError

from dispatch.audit.log import set_actor
from dispatch.auth.models import User
from dispatch.auth.tokens import TokenHolder, attached_user, token_holder
from dispatch.errors import Forbidden
from dispatch.money import money_text
from dispatch.web.security import log_refusal

token_auth = HTTPTokenAuth(scheme="Bearer", description="A token from POST /api/v1/auth/token")
F = TypeVar("F", bound=Callable[..., Any])


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


_HOLDER, _USER = "api_holder", "api_user"  # ``g`` keys: who the call is from, as checked / mapped


def _bearer_holder() -> TokenHolder | None:
    """The holder of the request's ``Authorization: Bearer`` token, if it is valid."""
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token_holder(token.strip())


def _session_user() -> User | None:
    """For the app's own pages calling the API: the signed-in session user, who for anything
    but a read must also send the page's CSRF token in ``X-CSRFToken``."""
    if not current_user.is_authenticated:
        return None
    if request.method not in SAFE_METHODS:
        try:
            validate_csrf(request.headers.get("X-CSRFToken", ""))
        except ValidationError:
            return None
    return current_user._get_current_object()


@token_auth.error_processor
def _auth_error(error):
    """401/403 from the token check use the same JSON error body as every other error."""
    return current_app.error_callback(error)  # type: ignore[attr-defined]


def rows_response(payload: Any) -> Response:
    """A JSON response for payloads of hundreds of plain rows (the board, candidates), encoded
    with orjson: several times faster than the standard library on the board's ~300 kB."""
    return json_response(encode_rows(payload))


def encode_rows(payload: Any) -> bytes:
    """``payload`` as :func:`rows_response` sends it."""
    return orjson.dumps(payload, default=_plain)


def json_response(body: bytes) -> Response:
    """A response of JSON already encoded (by :func:`encode_rows`)."""
    return current_app.response_class(body, mimetype="application/json")


def _plain(value: Any) -> Any:
    """Money as a string, as everywhere else in the API (orjson writes dates itself)."""
    if isinstance(value, Decimal):
        return money_text(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def current_api_holder() -> TokenHolder | User:
    """Who the call is from, as the guard checked it: enough for ``id``, ``roles``, ``can``
    and the names, without building the mapped account."""
    return g.get(_USER) or g.get(_HOLDER)


def current_api_user() -> User:
    """The user the request's bearer token (or page session) belongs to, as a mapped ``User``."""
    user = g.get(_USER)
    if user is None:
        user = g.api_user = attached_user(g.get(_HOLDER))
    return user


def api_requires(permission: str | None = None, *, roles: tuple[str, ...] = ()) -> Callable[[F], F]:
    """Authenticate the bearer token, then require ``permission`` and/or one of ``roles``.

    Put it directly under the route decorator, above ``input``/``output``.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            user = current_api_holder()
            if (permission and not user.can(permission)) or (roles and not user.has_role(*roles)):
                log_refusal(user, permission or ",".join(roles))
                raise Forbidden(_("Your role does not allow this."))
            return view(*args, **kwargs)

        guarded.required = (permission, roles)  # type: ignore[attr-defined]  # for the access matrix
        # Tell APIFlask's OpenAPI generator that the view needs the bearer token.
        guarded._spec = {**getattr(view, "_spec", {}), "auth": token_auth, "roles": []}  # type: ignore[attr-defined]

        @wraps(guarded)
        def entry(*args: Any, **kwargs: Any) -> Any:
            if "Authorization" not in request.headers:
                user = _session_user()
                if user is not None:
                    g.api_user, g.api_holder = user, None
                    set_actor(user.id)
                    return guarded(*args, **kwargs)
            holder = _bearer_holder()
            if holder is None:
                return token_auth.auth_error_callback(401)  # the JSON 401 of every error
            # Both set on every call: ``g`` outlives a request when an app context was pushed
            # around several (tests, benchmarks).
            g.api_user, g.api_holder = None, holder
            set_actor(holder.id)
            return guarded(*args, **kwargs)

        return entry  # type: ignore[return-value]

    return decorate
