"""Message templates: one file per event and language, which a company may edit.

``dispatch/notify/messages/<language>/<event>.txt`` holds the defaults; a file of the same
name under ``DISPATCH_MESSAGE_TEMPLATES`` (a folder) replaces it. The first line is the
subject, the rest (after one blank line) the body. Placeholders are ``$name`` or ``${name}``
(Python's ``string.Template``): an unknown one is left as written, never an error.

The customer link is a secret (whoever has it sees the order): a message is stored with
:data:`LINK` where the link goes, and :func:`with_link` puts the real one in at send time,
from the order's id through the function the app factory installs (``use_link``: the promises
room's, ``dispatch/wiring.py`` ``init_hooks`` — the kernel does not import work orders).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from string import Template

from flask import current_app
from flask_babel import gettext as _

DEFAULTS = Path(__file__).resolve().parent / "messages"
LANGUAGES = ("zh_Hans", "en")
#: Where the customer link goes in a stored message (what ``$link`` renders to when queued).
LINK = "${link}"
_LINK_OF: list[Callable[[int], str]] = []


def use_link(link_of: Callable[[int], str]) -> None:
    """Install ``link_of(order_id)`` → the order's customer link (the app factory does)."""
    _LINK_OF[:] = [link_of]


def with_link(text: str, order_id: int | None) -> str:
    """``text`` with the order's real customer link where :data:`LINK` stands."""
    if LINK not in text or order_id is None or not _LINK_OF:
        return text
    return text.replace(LINK, _LINK_OF[0](order_id))


def masked_link(text: str) -> str:
    """``text`` as the message log shows it: the link's place marked, no token."""
    return text.replace(LINK, _("[customer link]"))


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
