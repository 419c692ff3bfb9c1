"""Security plumbing shared by pages and the API: headers, refusal log, page guard."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, Response, abort, request
from flask_login import current_user, login_required

log = logging.getLogger("dispatch.web.security")
F = TypeVar("F", bound=Callable[..., Any])

def content_security_policy(tile_url: str) -> str:
    """Same-origin everything; map tiles may come from the configured tile server."""
    tiles = ""
    if tile_url:
        parts = urlsplit(tile_url)
        tiles = f" {parts.scheme}://{parts.netloc.replace('{s}', '*')}"
    return (
        f"default-src 'self'; img-src 'self' data: blob:{tiles}; style-src 'self'; "
        "script-src 'self'; connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
        "frame-ancestors 'none'; base-uri 'self'; "
        "form-action 'self'; object-src 'none'"
    )


def log_refusal(user: Any, what: str) -> None:
    """Record a refused access (who, what, when) in the security log."""
    log.warning(
        "refused user=%s roles=%s permission=%s method=%s path=%s",
        getattr(user, "username", "-"), ",".join(sorted(getattr(user, "roles", ()))),
        what, request.method, request.path,
    )


def page_requires(permission: str | None = None, *, roles: tuple[str, ...] = ()) -> Callable[[F], F]:
    """Signed-in user with ``permission`` and/or one of ``roles``, else 403."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if (permission and not current_user.can(permission)) or (
                roles and not current_user.has_role(*roles)
            ):
                log_refusal(current_user, permission or ",".join(roles))
                abort(403)
            return view(*args, **kwargs)

        protected = login_required(guarded)
        protected.required = (permission, roles)  # access matrix
        return protected

    return decorate


def init_security_headers(app: Flask) -> None:
    policy = content_security_policy(app.config.get("DISPATCH_TILE_URL", ""))

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault(
            "Permissions-Policy", "geolocation=(self), camera=(self), microphone=()"
        )
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.path.startswith("/api/") or response.mimetype == "text/html":
            headers.setdefault("Cache-Control", "no-store")
        return response
