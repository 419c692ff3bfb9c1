"""Typed accessors for the settings services read at call time."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app


def plate_pattern() -> str:
    return current_app.config["DISPATCH_PLATE_PATTERN"]


def phone_region() -> str:
    return current_app.config["DISPATCH_PHONE_REGION"]


def timezone() -> ZoneInfo:
    return ZoneInfo(current_app.config["DISPATCH_TIMEZONE"])


def currency() -> str:
    return current_app.config["DISPATCH_CURRENCY"]


def on_account_classes() -> tuple[str, ...]:
    """Credit classes allowed to pay on account (SPEC §10), e.g. ``("A", "B")``."""
    raw = str(current_app.config["DISPATCH_ON_ACCOUNT_CLASSES"] or "")
    return tuple(sorted({part.strip().upper() for part in raw.split(",") if part.strip()}))


def daily_capacity() -> int:
    return int(current_app.config["DISPATCH_DAILY_CAPACITY"])
