"""A Traccar-compatible test server: a real HTTP server in a thread, speaking the API of
``shared/reference/traccar-openapi.yaml`` — and checking itself against it.

Every request the dispatch system sends and every response this server gives is validated with
openapi-core against the published document; a mismatch is recorded in ``violations`` (the
``traccar`` fixture fails the test on any). Only the server list of the document is replaced
(the tests run on a random local port); paths, parameters and schemas are Traccar's own.

One behaviour the document does not list is kept from Traccar itself: a request whose token is
refused gets ``401`` from Traccar's security filter on every path, documented there or not.

What it holds: devices (``add_device``), their positions (``report``), command types per device
and the commands sent (``commands``); ``requests`` lists (method, path, query) of every call.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

DOCUMENT = Path("/work/shared/reference/traccar-openapi.yaml")
if not DOCUMENT.exists():  # a checkout beside the shared folder
    DOCUMENT = Path(__file__).resolve().parents[3] / "shared" / "reference" / "traccar-openapi.yaml"
DEFAULT_COMMAND_TYPES = ("rebootDevice", "positionSingle", "setConnection", "custom")


@cache
def openapi() -> OpenAPI:
    spec = yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))
    spec["servers"] = [{"url": "/api"}]
    return OpenAPI.from_dict(spec)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class FakeDevice:
    id: int
    name: str
    unique_id: str
    status: str = "unknown"
    last_update: datetime | None = None
    position_id: int | None = None
    command_types: tuple[str, ...] = DEFAULT_COMMAND_TYPES

    def json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "uniqueId": self.unique_id,
                "status": self.status, "disabled": False,
                "lastUpdate": iso(self.last_update) if self.last_update else None,
                "positionId": self.position_id, "groupId": None, "phone": None, "model": None,
                "contact": None, "category": None}


@dataclass
class TraccarState:
    token: str = "test-token"
    validate: bool = True
    devices: dict[int, FakeDevice] = field(default_factory=dict)
    by_unique: dict[str, FakeDevice] = field(default_factory=dict)
    positions: dict[int, dict[str, Any]] = field(default_factory=dict)
    commands: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str, str]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    #: The next N calls answer 503 (a platform restarting).
    fail_next: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_id: int = 1


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class TraccarServer:
    def __init__(self, validate: bool = True):
        self.state = TraccarState(validate=validate)
        if validate:
            openapi()  # read the document now, not during the first request
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True,
                                   request_handler=_Quiet)
        self._server.daemon_threads = True
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> TraccarServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- what tests set up -------------------------------------------------------------------
    def add_device(self, unique_id: str, name: str = "", **fields: Any) -> FakeDevice:
        with self.state.lock:
            return self._add(unique_id, name or unique_id, **fields)

    def _add(self, unique_id: str, name: str, **fields: Any) -> FakeDevice:
        device = FakeDevice(id=self.state.next_id, name=name, unique_id=unique_id, **fields)
        self.state.next_id += 1
        self.state.devices[device.id] = device
        self.state.by_unique[unique_id] = device
        return device

    def report(self, unique_id: str, lat: float, lon: float, at: datetime | None = None) -> None:
        """The device sends a fix: it becomes online, its latest position this one."""
        at = at or datetime.now(UTC)
        with self.state.lock:
            device = self.state.by_unique[unique_id]
            position_id = len(self.state.positions) + 1
            self.state.positions[position_id] = {
                "id": position_id, "deviceId": device.id, "protocol": "gt06",
                "deviceTime": iso(at), "fixTime": iso(at), "serverTime": iso(at), "valid": True,
                "latitude": lat, "longitude": lon, "altitude": 0.0, "speed": 0.0, "course": 0.0,
                "accuracy": 0.0, "attributes": {}}
            device.position_id, device.last_update, device.status = position_id, at, "online"

    def posts(self, path: str) -> int:
        return sum(1 for method, p, _ in self.state.requests if method == "POST" and p == path)

    # -- HTTP --------------------------------------------------------------------------------
    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        response = self._answer(request)
        return response(environ, start_response)

    def _answer(self, request: Request) -> Response:
        state = self.state
        with state.lock:
            state.requests.append((request.method, request.path, request.query_string.decode()))
        if state.validate:
            errors = openapi().unmarshal_request(WerkzeugOpenAPIRequest(request)).errors
            if errors:
                self._check(errors, request)
                return Response("not in the document", status=400)
        if state.fail_next > 0:
            with state.lock:
                state.fail_next -= 1
            return Response("restarting", status=503)
        if request.path != "/api/server" and \
                request.headers.get("Authorization") != f"Bearer {state.token}":
            return Response("", status=401)  # Traccar's security filter, on every path
        response = self._route(request)
        if state.validate:
            self._check(openapi().unmarshal_response(
                WerkzeugOpenAPIRequest(request), WerkzeugOpenAPIResponse(response)).errors,
                request)
        return response

    def _check(self, errors: list[Any], request: Request) -> None:
        for error in errors:
            detail = "; ".join(str(e) for e in getattr(error, "schema_errors", ())) or str(error)
            with self.state.lock:
                self.state.violations.append(f"{request.method} {request.full_path}: {detail}")

    def _route(self, request: Request) -> Response:
        routes = {("GET", "/api/server"): self._server_info,
                  ("GET", "/api/devices"): self._devices,
                  ("POST", "/api/devices"): self._create_device,
                  ("GET", "/api/positions"): self._positions,
                  ("GET", "/api/commands/types"): self._command_types,
                  ("POST", "/api/commands/send"): self._send}
        handler = routes.get((request.method, request.path))
        if handler is None:
            return Response("", status=404)
        with self.state.lock:
            return handler(request)

    @staticmethod
    def _json(data: Any, status: int = 200) -> Response:
        return Response(json.dumps(data), status=status, mimetype="application/json")

    def _server_info(self, request: Request) -> Response:
        return self._json({"id": 1, "registration": False, "readonly": False,
                           "version": "6.14.5", "attributes": {}})

    def _devices(self, request: Request) -> Response:
        state = self.state
        uniques, ids = request.args.getlist("uniqueId"), request.args.getlist("id")
        if uniques or ids:
            found = [state.by_unique[u] for u in uniques if u in state.by_unique]
            found += [state.devices[int(i)] for i in ids if int(i) in state.devices]
        else:
            found = sorted(state.devices.values(), key=lambda d: (d.name, d.id))
            offset, limit = int(request.args.get("offset", 0)), int(request.args.get("limit", 0))
            found = found[offset:offset + limit] if limit else found[offset:]
        return self._json([device.json() for device in found])

    def _create_device(self, request: Request) -> Response:
        body = request.get_json(silent=True) or {}
        unique_id = str(body.get("uniqueId") or "")
        if not unique_id or unique_id in self.state.by_unique:
            return Response("Duplicate entry", status=400)
        return self._json(self._add(unique_id, str(body.get("name") or unique_id)).json())

    def _positions(self, request: Request) -> Response:
        ids = [int(i) for i in request.args.getlist("id")]
        return self._json([self.state.positions[i] for i in ids if i in self.state.positions])

    def _command_types(self, request: Request) -> Response:
        device = self.state.devices.get(int(request.args.get("deviceId", 0)))
        types = device.command_types if device else DEFAULT_COMMAND_TYPES
        return self._json([{"type": kind} for kind in types])

    def _send(self, request: Request) -> Response:
        body = request.get_json(silent=True) or {}
        device = self.state.devices.get(int(body.get("deviceId", 0)))
        if device is None or body.get("type") not in device.command_types:
            return Response("Command not supported", status=400)
        command = {"id": len(self.state.commands) + 1, "deviceId": device.id,
                   "type": body["type"], "textChannel": False,
                   "attributes": body.get("attributes") or {}}
        self.state.commands.append(command)
        return self._json(command, status=200 if device.status == "online" else 202)
