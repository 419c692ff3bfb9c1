"""Shared pieces of the JSON API: bearer-token auth and the permission guard.

Each domain package has its own :class:`apiflask.APIBlueprint` under ``/api/v1``; every view
is guarded by :func:`api_requires`, which authenticates the bearer token (401) and then checks
the permission table (403) before any input is parsed, so a refused call writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from apiflask import HTTPTokenAuth
from flask import current_app
from flask_babel import gettext as _

from dispatch.audit import set_actor
from dispatch.auth.models import User
from dispatch.auth.services import user_for_token
from dispatch.errors import Forbidden
from dispatch.security import log_refusal

token_auth = HTTPTokenAuth(scheme="Bearer", description="A token from POST /api/v1/auth/token")
F = TypeVar("F", bound=Callable[..., Any])


@token_auth.verify_token
def _verify(token: str) -> User | None:
    user = user_for_token(token)
    if user is not None:
        set_actor(user.id)
    return user


@token_auth.error_processor
def _auth_error(error):
    """401/403 from the token check use the same JSON error body as every other error."""
    return current_app.error_callback(error)  # type: ignore[attr-defined]


def current_api_user() -> User:
    """The user the request's bearer token belongs to."""
    return token_auth.current_user  # type: ignore[return-value]


def api_requires(permission: str | None = None, *, roles: tuple[str, ...] = ()) -> Callable[[F], F]:
    """Authenticate the bearer token, then require ``permission`` and/or one of ``roles``.

    Put it directly under the route decorator, above ``input``/``output``.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            user = current_api_user()
            if (permission and not user.can(permission)) or (roles and not user.has_role(*roles)):
                log_refusal(user, permission or ",".join(roles))
                raise Forbidden(_("Your role does not allow this."))
            return view(*args, **kwargs)

        # Tell APIFlask's OpenAPI generator that the view needs the bearer token.
        guarded._spec = {**getattr(view, "_spec", {}), "auth": token_auth, "roles": []}  # type: ignore[attr-defined]
        return token_auth.login_required(guarded)  # type: ignore[return-value]

    return decorate
