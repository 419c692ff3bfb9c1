"""The Traccar implementation of :class:`~dispatch.tracking.platform.TrackingPlatform`.

Calls go to ``{DISPATCH_TRACKING_URL}/api/…`` with ``Authorization: Bearer {token}``, each with
a timeout (3 s by default); reads are retried with a doubling backoff when the platform cannot
be reached or answers 5xx. Writes are never sent twice blindly: creating a device looks it up
again before each attempt, and a command is sent once. Failures become
:class:`~dispatch.tracking.platform.PlatformDown` states: 401/403 → ``rejected``, anything that
is not an answer → ``unreachable``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import requests

from dispatch.tracking.platform import (
    REJECTED,
    UNREACHABLE,
    CommandRefused,
    CommandResult,
    Device,
    Fix,
    PlatformDown,
)
from dispatch.validators import parse_datetime

log = logging.getLogger(__name__)
RETRY_STATUSES = frozenset({500, 502, 503, 504})
FIX_CACHE = 10_000


def parse_time(value: Any) -> datetime | None:
    """A platform time (ISO 8601 with its offset); None when missing or unreadable."""
    if not value:
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        return None


def device_from(data: Mapping[str, Any]) -> Device:
    return Device(platform_id=int(data["id"]), unique_id=str(data.get("uniqueId") or ""),
                  name=str(data.get("name") or ""), status=str(data.get("status") or "unknown"),
                  last_update=parse_time(data.get("lastUpdate")),
                  position_id=data.get("positionId") or None)


class Traccar:
    def __init__(self, base_url: str, token: str, timeout: float = 3.0, retries: int = 2,
                 backoff: float = 0.25):
        self.api = base_url.rstrip("/") + "/api"
        self.token, self.timeout, self.retries, self.backoff = token, timeout, retries, backoff
        self._local = threading.local()
        #: position id → fix: a position never changes once stored, so a device whose latest
        #: position is the one seen before costs one call (the device), not two.
        self._fixes: dict[int, Fix] = {}

    # -- HTTP --------------------------------------------------------------------------------
    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.headers.update({"Authorization": f"Bearer {self.token}",
                                    "Accept": "application/json"})
        return session

    def _once(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            response = self._session().request(method, self.api + path, timeout=self.timeout,
                                               **kwargs)
        except requests.RequestException as exc:
            raise PlatformDown(UNREACHABLE, type(exc).__name__) from exc
        if response.status_code in (401, 403):
            raise PlatformDown(REJECTED, f"HTTP {response.status_code}")
        if response.status_code in RETRY_STATUSES:
            raise PlatformDown(UNREACHABLE, f"HTTP {response.status_code}")
        return response

    def _retrying(self, call: Any) -> Any:
        """``call()`` again after a pause while the platform is unreachable (not when it
        refuses the token: asking again would not change its mind)."""
        for attempt in range(self.retries + 1):
            try:
                return call()
            except PlatformDown as down:
                if down.state != UNREACHABLE or attempt == self.retries:
                    raise
                time.sleep(self.backoff * (2 ** attempt))
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _json(self, response: requests.Response) -> Any:
        if response.status_code != 200:
            raise PlatformDown(UNREACHABLE, f"HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError as exc:
            raise PlatformDown(UNREACHABLE, "not JSON") from exc

    def _get(self, path: str, params: Any = None) -> Any:
        return self._retrying(lambda: self._json(self._once("GET", path, params=params)))

    # -- the interface -----------------------------------------------------------------------
    def find_device(self, unique_id: str) -> Device | None:
        found = self._get("/devices", {"uniqueId": unique_id})
        return device_from(found[0]) if found else None

    def ensure_device(self, unique_id: str, name: str) -> tuple[Device, bool]:
        def attempt() -> tuple[Device, bool]:
            existing = self.find_device(unique_id)
            if existing is not None:
                return existing, False
            response = self._once("POST", "/devices", json={"name": name, "uniqueId": unique_id})
            if response.status_code == 200:
                return device_from(response.json()), True
            again = self.find_device(unique_id)  # created meanwhile by another attempt
            if again is None:
                raise PlatformDown(UNREACHABLE, f"device refused: HTTP {response.status_code}")
            return again, False

        return self._retrying(attempt)

    def latest_fix(self, device: Device) -> Fix | None:
        current = self.find_device(device.unique_id) if device.position_id is None else device
        if current is None or current.position_id is None:
            return None
        known = self._fixes.get(current.position_id)
        if known is not None:
            return known
        positions = self._get("/positions", {"id": current.position_id})
        if not positions:
            return None
        position = positions[0]
        at = parse_time(position.get("fixTime")) or parse_time(position.get("deviceTime"))
        if at is None:
            return None
        fix = Fix(at=at, lat=float(position["latitude"]), lon=float(position["longitude"]),
                  valid=bool(position.get("valid", True)))
        if len(self._fixes) >= FIX_CACHE:
            self._fixes.clear()
        self._fixes[current.position_id] = fix
        return fix

    def device_statuses(self, page_size: int) -> Iterator[list[Device]]:
        offset = 0
        while True:
            page = self._get("/devices", {"excludeAttributes": "true", "limit": page_size,
                                          "offset": offset})
            yield [device_from(item) for item in page]
            if len(page) < page_size:
                return
            offset += page_size

    def command_types(self, device: Device) -> list[str]:
        types = self._get("/commands/types", {"deviceId": device.platform_id})
        return [str(item["type"]) for item in types if item.get("type")]

    def send_command(self, device: Device, command_type: str,
                     attributes: Mapping[str, Any]) -> CommandResult:
        response = self._once("POST", "/commands/send", json={
            "deviceId": device.platform_id, "type": command_type,
            "attributes": dict(attributes)})
        if response.status_code == 400:
            raise CommandRefused(response.text[:300] or "HTTP 400")
        if response.status_code not in (200, 202):
            raise PlatformDown(UNREACHABLE, f"HTTP {response.status_code}")
        return CommandResult(type=command_type, queued=response.status_code == 202,
                             attributes=dict(attributes))

    def probe(self) -> str:
        try:
            self._get("/devices", {"excludeAttributes": "true", "limit": 1})
        except PlatformDown as down:
            return down.state
        return "ok"
