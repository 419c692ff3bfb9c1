"""Errors as SPEC §8 JSON under ``/api/`` and as HTML pages elsewhere."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from apiflask import APIFlask
from apiflask.exceptions import HTTPError
from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from dispatch.errors import DomainError, error_body, flatten_fields
from dispatch.extensions import db

log = logging.getLogger("dispatch")

_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
    422: "validation_failed", 429: "too_many_requests", 500: "server_error",
}


def _json(status: int, message: str, fields: dict[str, str] | None = None, code: str | None = None,
          headers: Mapping[str, Any] | None = None):
    response = jsonify(error_body(code or _CODES.get(status, "error"), message, fields))
    response.status_code = status
    for key, value in (headers or {}).items():
        if key.lower() != "content-type":
            response.headers[key] = value
    return response


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _page(status: int, message: str, fields: Mapping[str, str] | None = None):
    return render_template("errors/error.html", status=status, message=message,
                           fields=fields or {}), status


def register_error_handlers(app: APIFlask) -> None:
    @app.error_processor
    def _apiflask_error(error: HTTPError):
        messages = {
            401: _("Sign in first: send Authorization: Bearer <token>."),
            403: _("Your role does not allow this."),
            422: _("Some fields are not valid."),
        }
        fields = flatten_fields(error.detail) if error.detail else {}
        message = messages.get(error.status_code, error.message or "")  # HTTPError sets a message
        return _json(error.status_code, message, fields, headers=dict(error.headers or {}))

    @app.errorhandler(DomainError)
    def _domain(error: DomainError):
        db.session.rollback()
        if _is_api():
            return _json(error.status, error.message, error.fields, code=error.code)
        return _page(error.status, error.message, error.fields)

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        if _is_api():
            return _json(400, error.description)
        return _page(400, _("The form expired or was sent from elsewhere. Reload and try again."))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        status = error.code or 500
        message = error.description or error.name
        if status == 413 and request.max_content_length:
            message = _("The upload is larger than %(size)s MiB, the most this accepts.",
                        size=f"{request.max_content_length / 1024 / 1024:g}")
        if _is_api():
            headers = {k: v for k, v in error.get_headers() if k.lower() == "retry-after"}
            return _json(status, message, headers=headers)
        return _page(status, message)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return _http(error)
        db.session.rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        if _is_api():
            return _json(500, _("Something went wrong on the server; nothing was saved."))
        return _page(500, _("Something went wrong on the server; nothing was saved."))
