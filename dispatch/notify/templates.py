"""Message templates: one file per event and language, which a company may edit.

``dispatch/notify/messages/<language>/<event>.txt`` holds the defaults; a file of the same
name under ``DISPATCH_MESSAGE_TEMPLATES`` (a folder) replaces it. The first line is the
subject, the rest (after one blank line) the body. Placeholders are ``$name`` or ``${name}``
(Python's ``string.Template``): an unknown one is left as written, never an error.
"""

from __future__ import annotations

from pathlib import Path
from string import Template

from flask import current_app

DEFAULTS = Path(__file__).resolve().parent / "messages"
LANGUAGES = ("zh_Hans", "en")


def template_path(event: str, language: str) -> Path:
    language = language if language in LANGUAGES else LANGUAGES[0]
    custom = current_app.config.get("DISPATCH_MESSAGE_TEMPLATES")
    if custom:
        candidate = Path(custom) / language / f"{event}.txt"
        if candidate.is_file():
            return candidate
    return DEFAULTS / language / f"{event}.txt"


def render(event: str, language: str, params: dict[str, object]) -> tuple[str, str]:
    """(subject, body) of ``event`` in ``language`` with ``params`` filled in."""
    text = template_path(event, language).read_text(encoding="utf-8")
    subject, _, body = text.partition("\n")
    values = {key: "" if value is None else str(value) for key, value in params.items()}
    return (Template(subject.strip()).safe_substitute(values),
            Template(body.strip("\n")).safe_substitute(values).strip())
