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


def daily_capacity() -> int:
    return int(current_app.config["DISPATCH_DAILY_CAPACITY"])
