"""Small checks for free-text fields."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l

#: Unicode's control characters (category Cc: C0, DEL and C1) but tab and newline.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(raw: object, *, max_len: int, required: bool = False) -> str:
    """Trimmed, NFC-normalised text without control characters, at most ``max_len`` long."""
    text = unicodedata.normalize("NFC", "" if raw is None else str(raw)).strip()
    if _CONTROL.search(text):
        raise ValueError(_l("Control characters are not allowed."))
    if required and not text:
        raise ValueError(_l("This field is required."))
    if len(text) > max_len:
        raise ValueError(_l("At most %(n)d characters.", n=max_len))
    return text


def choice(raw: object, allowed: tuple[str, ...], default: str | None = None) -> str:
    """One of ``allowed`` (case-insensitive), or ``default`` when empty."""
    text = ("" if raw is None else str(raw)).strip()
    if not text and default is not None:
        return default
    for option in allowed:
        if text.lower() == option.lower():
            return option
    raise ValueError(_l("Choose one of: %(options)s.", options=", ".join(allowed)))


def boolean(raw: object) -> bool:
    """Form and JSON booleans: true/false, 1/0, yes/no, on/off."""
    if isinstance(raw, bool):
        return raw
    text = ("" if raw is None else str(raw)).strip().lower()
    if text in ("1", "true", "yes", "on", "y"):
        return True
    if text in ("", "0", "false", "no", "off", "n"):
        return False
    raise ValueError(_l("Expected yes or no."))
