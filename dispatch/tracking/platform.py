"""What the dispatch system asks of a tracking platform, whatever the platform.

Every call answers with a value or raises :class:`PlatformDown` carrying a state the pages and
the API can show — ``unreachable`` (down, timing out, answering 5xx), ``rejected`` (the token is
refused) or ``not_configured`` (``DISPATCH_TRACKING_URL`` unset) — never a bare network error.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

#: The states a platform call can end in besides an answer.
UNREACHABLE, REJECTED, NOT_CONFIGURED = "unreachable", "rejected", "not_configured"
STATES = ("ok", UNREACHABLE, REJECTED, NOT_CONFIGURED)


class PlatformDown(Exception):
    """The platform could not answer: ``state`` says why (one of ``STATES`` but ``ok``)."""

    def __init__(self, state: str, detail: str = ""):
        super().__init__(f"{state}: {detail}" if detail else state)
        self.state, self.detail = state, detail


class CommandRefused(Exception):
    """The platform answered but refused the command (unknown type, device offline…)."""


@dataclass(frozen=True)
class Device:
    platform_id: int
    unique_id: str
    name: str
    status: str = "unknown"
    last_update: datetime | None = None
    position_id: int | None = None


@dataclass(frozen=True)
class Fix:
    """A position the device reported: where and when (the device's fix time)."""

    at: datetime
    lat: float
    lon: float
    valid: bool = True


@dataclass(frozen=True)
class CommandResult:
    type: str
    queued: bool  # the platform keeps it until the device connects (202)
    attributes: Mapping[str, Any] = field(default_factory=dict)


class TrackingPlatform(Protocol):
    def ensure_device(self, unique_id: str, name: str) -> tuple[Device, bool]:
        """The device with ``unique_id``, created (named ``name``) when missing; the flag
        says whether this call created it."""

    def find_device(self, unique_id: str) -> Device | None:
        """The device with ``unique_id``, if the platform knows it."""

    def latest_fix(self, device: Device) -> Fix | None:
        """The device's latest position, if it ever reported one."""

    def device_statuses(self, page_size: int) -> Iterator[list[Device]]:
        """Every device the token may see, a page at a time (for the silent-device sync)."""

    def command_types(self, device: Device) -> list[str]:
        """The command types the device supports."""

    def send_command(self, device: Device, command_type: str,
                     attributes: Mapping[str, Any]) -> CommandResult:
        """Send a command (raises :class:`CommandRefused` when the platform refuses it)."""

    def probe(self) -> str:
        """``ok`` or the state that stops calls now (the admin status page)."""


class NotConfigured:
    """The platform when ``DISPATCH_TRACKING_URL`` is unset: every call is ``not_configured``."""

    def _off(self) -> PlatformDown:
        return PlatformDown(NOT_CONFIGURED)

    def ensure_device(self, unique_id: str, name: str) -> tuple[Device, bool]:
        raise self._off()

    def find_device(self, unique_id: str) -> Device | None:
        raise self._off()

    def latest_fix(self, device: Device) -> Fix | None:
        raise self._off()

    def device_statuses(self, page_size: int) -> Iterator[list[Device]]:
        raise self._off()

    def command_types(self, device: Device) -> list[str]:
        raise self._off()

    def send_command(self, device: Device, command_type: str,
                     attributes: Mapping[str, Any]) -> CommandResult:
        raise self._off()

    def probe(self) -> str:
        return NOT_CONFIGURED
