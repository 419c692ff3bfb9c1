"""Domain errors raised by services and their JSON form (SPEC §8).

Services raise these; the API turns them into
``{"error": {"code", "message", "fields"}}`` and pages show them next to the form fields.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base for errors a user can act on."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict[str, str] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})
        if code:
            self.code = code

    def to_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "fields": self.fields}}


class ValidationFailed(DomainError):
    """Input is malformed or breaks a rule; ``fields`` says which and why."""

    status = 422
    code = "validation_failed"


class Conflict(DomainError):
    """The change is not allowed in the object's current state."""

    status = 409
    code = "conflict"


class TooLarge(DomainError):
    """An upload beyond the size a route accepts."""

    status = 413
    code = "too_large"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    """The SPEC §8 error body."""
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def flatten_fields(detail: Any) -> dict[str, str]:
    """Turn marshmallow's nested ``{"json": {"phone": ["..."]}}`` into ``{"phone": "..."}``."""
    out: dict[str, str] = {}

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                name = f"{prefix}.{key}" if prefix else str(key)
                walk(value, name)
        elif isinstance(node, list | tuple):
            if all(isinstance(item, str) for item in node):
                out[prefix or "_schema"] = " ".join(node)
            else:
                for index, item in enumerate(node):
                    walk(item, f"{prefix}.{index}" if prefix else str(index))
        else:
            out[prefix or "_schema"] = str(node)

    if isinstance(detail, dict) and len(detail) == 1:
        (location, inner), = detail.items()
        if location in ("json", "query", "form", "path", "headers", "files", "form_and_files"):
            detail = inner
    walk(detail, "")
    return out


class FieldErrors:
    """Collects field-level problems so a form or request reports all of them at once."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def check(self, name: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Call ``fn``; a ``ValueError`` becomes the message of field ``name``."""
        try:
            return fn(*args, **kwargs)
        except ValueError as exc:
            self.errors[name] = str(exc)
            return None

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, str(message))

    def raise_if_any(self, message: str = "Some fields are not valid.") -> None:
        if self.errors:
            raise ValidationFailed(message, self.errors)
