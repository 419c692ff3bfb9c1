"""Text no field can hold, refused at the door for pages and the API alike.

A NUL character cannot be stored in PostgreSQL text, and a lone UTF-16 surrogate (``"\\ud800"``
in JSON) cannot be encoded as UTF-8 for any database: both would otherwise reach a query and
fail there as a server error. No name, note, search or identifier can meaningfully contain
them, so a request carrying one in its query string, form or JSON body is refused (422, the
offending field named) before any view runs. Everything else is the services' business.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from flask import Flask, current_app, request
from flask_babel import gettext as _

from dispatch.errors import ValidationFailed

F = TypeVar("F", bound=Callable[..., Any])


def body_limit(setting: str) -> Callable[[F], F]:
    """Let this view's requests be as large as the setting ``setting`` says (bytes), past the
    global ``MAX_CONTENT_LENGTH`` (the import upload). Put it under ``api_requires`` /
    ``page_requires``."""

    def decorate(view: F) -> F:
        view.body_limit = setting  # type: ignore[attr-defined]
        return view

    return decorate


def _apply_body_limit(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Before anything reads the body (the CSRF check, the guard below): the view's limit."""
    view = current_app.view_functions.get(endpoint or "")
    setting = getattr(view, "body_limit", None)
    if setting:
        request.max_content_length = int(current_app.config[setting])


def _bad(text: str) -> bool:
    return "\x00" in text or any("\ud800" <= ch <= "\udfff" for ch in text)


def _walk(node: Any, path: str) -> Iterator[str]:
    """Paths (``items.0.sku``) of strings (keys included) that no field can hold."""
    if isinstance(node, str):
        if _bad(node):
            yield path or "_schema"
    elif isinstance(node, dict):
        for key, value in node.items():
            name = f"{path}.{key}" if path else str(key)
            if _bad(str(key)):
                yield path or "_schema"
            yield from _walk(value, name)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}.{index}" if path else str(index))


def unusable_fields() -> list[str]:
    """The request's fields (query, form, JSON) whose text contains NUL or a lone surrogate."""
    found = [name for name, value in request.args.items(multi=True) if _bad(name) or _bad(value)]
    if request.mimetype == "application/x-www-form-urlencoded" or request.mimetype == "multipart/form-data":
        found += [name for name, value in request.form.items(multi=True) if _bad(name) or _bad(value)]
    if request.is_json:
        found += list(_walk(request.get_json(silent=True), ""))
    return found


def init_input_guard(app: Flask) -> None:
    app.url_value_preprocessor(_apply_body_limit)  # runs before every before_request hook

    @app.before_request
    def _refuse_unusable_text() -> None:
        found = unusable_fields()
        if found:
            why = _("Contains characters that are not allowed.")
            raise ValidationFailed(_("Some fields are not valid."),
                                   {_printable(name): why for name in found})


def _printable(name: str) -> str:
    """A field name safe to echo back (it may itself hold the bad characters)."""
    return "".join("?" if ch == "\x00" or "\ud800" <= ch <= "\udfff" else ch for ch in name)[:100]
