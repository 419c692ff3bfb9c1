"""Helpers for plain HTML forms whose validation lives in the services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import render_template, request
from flask_babel import gettext as _

from dispatch.errors import ValidationFailed
from dispatch.extensions import db

T = TypeVar("T")


def form_data(*names: str) -> dict[str, Any]:
    """The named fields of the posted form (checkboxes absent → ``False``)."""
    return {name: request.form.get(name, "") for name in names}


def handle_form(
    save: Callable[[dict[str, Any]], Any], template: str, fields: tuple[str, ...],
    initial: dict[str, Any] | None = None, **context: Any,
) -> tuple[Any, Any]:
    """On POST call ``save(data)`` and commit; on refusal re-render with field errors (422).

    Returns ``(saved_object, None)`` on success or ``(None, response)`` to return as is.
    """
    values = dict(initial or {})
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = form_data(*fields)
        try:
            saved = save(values)
            db.session.commit()
            return saved, None
        except ValidationFailed as exc:
            db.session.rollback()
            errors, status = exc.fields, 422
            errors.setdefault("_form", exc.message or _("Some fields are not valid."))
    return None, (render_template(template, values=values, errors=errors, **context), status)


def query_value(name: str, parse: Callable[[str], T], default: T) -> T:
    """A page's filter from the query string: ``default`` when absent, a 422 naming it when bad."""
    raw = request.values.get(name, "").strip()
    if not raw:
        return default
    try:
        return parse(raw)
    except ValueError as exc:
        raise ValidationFailed(_("This filter is not valid; nothing was changed."),
                               {name: str(exc)}) from exc
