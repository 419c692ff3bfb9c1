"""Hostile input through the whole API: schemathesis generates requests from the app's own
OpenAPI document (loaded from the WSGI app, never over the network) for every operation, with a
bearer token of each role, both schema-conforming and schema-breaking data. Whatever arrives,
the answer is never a server error, every refusal (4xx) is JSON in the SPEC §8 error format, and
every answer the document describes matches it (schemathesis' ``response_schema_conformance``:
a money field sent as a string where the document says number fails it).

Days, months and times are where random data rarely looks: besides the generated examples,
every date, month and date-time field of every operation is sent at the far ends (year 1 and
9999) and just outside and inside the accepted range (1990–2100), the rest of the request a
schema-conforming example — the ``date_to=0001-01-01`` overflow of issue 18 is one such request.

The run is bounded and reproducible: a few examples per operation, derandomized, no shrinking
(every failing request is collected and reported at once instead), and path parameters are often
replaced by ids of real objects from the ``world`` so the fuzzer gets past the 404s.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

from dispatch.auth.roles import PERMISSIONS, ROLES
from tests.conftest import PASSWORD
from tests.world import order_on_site, repair_request

pytestmark = pytest.mark.slow

#: Examples per operation: several where the role may call it (the input reaches the services),
#: one where it may not (refused before the input is read; the access matrix covers the rest).
#: With ~85 operations × 7 roles this keeps the module well within a minute per pass.
#: ``FUZZ_EXAMPLES=50 pytest tests/security/test_api_fuzz.py`` digs deeper, with fresh random
#: inputs each run (not part of ``make test``).
DEEP = int(os.environ.get("FUZZ_EXAMPLES", "0"))
EXAMPLES_ALLOWED = DEEP or 4
EXAMPLES_REFUSED = 1


def _settings(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, derandomize=not DEEP, database=None,
                    phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


ERROR_KEYS = {"code", "message", "fields"}
#: Values at and beyond the edges of what a day, month or time field accepts (1990–2100).
EDGES = {
    "date": ("0001-01-01", "9999-12-31", "1989-12-31", "2101-01-01", "1990-01-01", "2100-12-31"),
    "month": ("0000-01", "0001-01", "9999-12", "1989-12", "2101-01", "2100-12"),
    "date-time": ("0001-01-01T00:00", "9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00-12:00",
                  "2100-12-31T23:59"),
}
#: Fields that hold a day, month or time although the document only says "string".
DAY_NAMES = {"purchase_date": "date", "month": "month", "window_start": "date-time",
             "window_end": "date-time", "promised_reply_at": "date-time"}


def error_format_problem(response: Any) -> str | None:
    """Why ``response`` breaks the contract (5xx, or a 4xx not in the SPEC §8 JSON form)."""
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if status < 400:
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    if not content_type.startswith("application/json"):
        return f"{status} with content type {content_type!r}"
    try:
        body = json.loads(response.content)
    except ValueError:
        return f"{status} body is not JSON"
    if not isinstance(body, dict) or set(body) != {"error"} or not isinstance(body["error"], dict):
        return f"{status} body is not {{'error': {{...}}}}: {body!r:.200}"
    error = body["error"]
    if set(error) != ERROR_KEYS:
        return f"{status} error keys {sorted(error)}"
    if not (isinstance(error["code"], str) and error["code"]):
        return f"{status} error code {error['code']!r}"
    if not (isinstance(error["message"], str) and error["message"]):
        return f"{status} error message {error['message']!r}"
    fields = error["fields"]
    if not isinstance(fields, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in fields.items()):
        return f"{status} error fields {fields!r:.200}"
    return None


def _known_ids(world) -> dict[str, list[int]]:
    """Ids of real objects, by path parameter name."""
    order_id = order_on_site(world)
    new_order = world.agent.post("/api/v1/workorders", json=repair_request(world))
    assert new_order.status_code == 201, new_order.get_json()
    complaint = world.agent.post("/api/v1/complaints", json={
        "customer_id": world.customer.id, "workorder_id": order_id, "severity": "minor",
        "channel": "hotline", "description": "终端不上线"})
    assert complaint.status_code == 201, complaint.get_json()
    return {
        "order_id": [order_id, new_order.get_json()["id"]],
        "complaint_id": [complaint.get_json()["id"]],
        "customer_id": [world.customer.id],
        "vehicle_id": [world.truck.id],
        "terminal_pk": [world.old_terminal.id, world.spare_terminal.id],
        "sim_pk": [world.old_sim.id, world.spare_sim.id],
        "part_id": [part.id for part in world.parts.values()],
        "technician_id": [world.technician.id, world.other_technician.id],
        "invoice_id": [1], "job_id": [1], "photo_id": [1],
    }


@pytest.fixture(scope="module")
def api_schema():
    """The OpenAPI document, read once from an app (the document does not depend on data)."""
    from dispatch import create_app

    app = create_app({"DISPATCH_ENV": "testing", "SECRET_KEY": "fuzz",
                      "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # apispec: nested schema added twice
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    return schema, operations


def _token(client, world, make_user, role: str) -> str:
    if role == "agent":
        return world.agent.token
    if role == "technician":
        return world.tech.token
    user = make_user(role)
    response = client.post("/api/v1/auth/token", json={"username": user.username, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["token"]


def _strategy(operation, known: dict[str, list[int]]):
    positive = operation.as_strategy(GenerationMode.POSITIVE)
    negative = operation.as_strategy(GenerationMode.NEGATIVE)
    names = [p.name for p in operation.path_parameters]
    if not names:
        return st.one_of(positive, negative)

    def with_real_ids(data: tuple[Any, dict[str, int]]):
        case, ids = data
        case.path_parameters = {**(case.path_parameters or {}), **ids}
        return case

    real = st.fixed_dictionaries({name: st.sampled_from(known.get(name, [1])) for name in names})
    return st.one_of(st.tuples(positive, real).map(with_real_ids),
                     st.tuples(negative, real).map(with_real_ids), positive, negative)


def _allowed(app, operation, role: str) -> bool:
    """Whether ``role`` passes the operation's permission check (from the view's record)."""
    path = re.sub(r"\{[^}]+\}", "1", operation.path)
    endpoint, _args = app.url_map.bind("localhost").match(path, method=operation.method.upper())
    permission, roles = getattr(app.view_functions[endpoint], "required", (None, ()))
    return (permission is None or role in PERMISSIONS.get(permission, frozenset())) and \
        (not roles or role in roles)


def _day_fields(operation) -> list[tuple[str, str, str]]:
    """(location, name, kind) of every day, month or date-time field: query or JSON body."""
    found = []
    for parameter in operation.query:
        kind = parameter.definition.get("schema", {}).get("format") or DAY_NAMES.get(parameter.name)
        if kind in EDGES:
            found.append(("query", parameter.name, kind))
    for body in operation.body:
        if body.media_type != "application/json":
            continue
        for name, prop in (body.resolved_schema or {}).get("properties", {}).items():
            kind = prop.get("format") or DAY_NAMES.get(name)
            if kind in EDGES:
                found.append(("body", name, kind))
    return found


def _at_edge(operation, known: dict[str, list[int]], location: str, name: str, value: str):
    """Schema-conforming requests (path ids of real objects) with ``name`` set to ``value``."""

    def put(case):
        if location == "query":
            case.query = {**(case.query or {}), name: value}
        elif isinstance(case.body, dict):
            case.body = {**case.body, name: value}
        return case

    positive = operation.as_strategy(GenerationMode.POSITIVE).map(put)
    names = [p.name for p in operation.path_parameters]
    if not names:
        return positive
    real = st.fixed_dictionaries({name: st.just(known.get(name, [1])[0]) for name in names})

    def with_real_ids(data):
        case, ids = data
        case.path_parameters = {**(case.path_parameters or {}), **ids}
        return case

    return st.tuples(positive, real).map(with_real_ids)


def response_problem(case, response) -> str | None:
    """Why ``response`` does not match what the document says the operation answers."""
    try:
        case.validate_response(response, checks=[response_schema_conformance])
    except (Failure, FailureGroup) as exc:
        return f"answer breaks the document: {str(exc).strip()[:600]}"
    return None


def _fuzz(operation, strategy, examples, client, app, headers, failures: list[str], seen: set,
          statuses: Counter) -> None:
    @_settings(examples)
    @given(case=strategy)
    def fuzz(case):
        response = case.call(session=client, headers=headers, app=app)
        statuses[operation.label, response.status_code // 100] += 1
        problem = error_format_problem(response) or response_problem(case, response)
        if problem and (operation.label, problem) not in seen:
            seen.add((operation.label, problem))
            failures.append(f"{operation.label}: {problem}\n    {case.as_curl_command(headers=headers)}"
                            f"\n    → {response.content[:300]!r}")

    fuzz()


@pytest.mark.parametrize("role", ROLES)
def test_no_server_error_and_json_errors_for_any_input(role, app, client, world, make_user, api_schema):
    _schema, operations = api_schema
    known = _known_ids(world)
    headers = {"Authorization": f"Bearer {_token(client, world, make_user, role)}"}
    failures: list[str] = []
    seen: set[str] = set()
    statuses: Counter = Counter()

    assert len(operations) >= 80  # the whole API, not an empty document
    for operation in operations:
        allowed = _allowed(app, operation, role)
        examples = EXAMPLES_ALLOWED if allowed else EXAMPLES_REFUSED
        _fuzz(operation, _strategy(operation, known), examples, client, app, headers, failures, seen,
              statuses)
        if not allowed:
            continue
        for location, name, kind in _day_fields(operation):
            for value in EDGES[kind]:
                _fuzz(operation, _at_edge(operation, known, location, name, value), 1, client, app,
                      headers, failures, seen, statuses)

    assert {label for label, _status in statuses} == {op.label for op in operations}
    assert sum(n for (_label, status), n in statuses.items() if status == 2) >= 5, statuses
    assert not failures, f"{len(failures)} contract breaks as {role}:\n" + "\n".join(failures)


def test_every_day_field_is_sent_at_the_edges_by_some_role(app, api_schema):
    """Each day, month and time field is called at the edges by at least one role that may
    call its operation (the per-role runs above send them)."""
    _schema, operations = api_schema
    fields = {(operation.label, name) for operation in operations
              for _location, name, _kind in _day_fields(operation)}
    reached = {(operation.label, name) for operation in operations
               for _location, name, _kind in _day_fields(operation)
               if any(_allowed(app, operation, role) for role in ROLES)}
    assert len(fields) >= 20 and reached == fields, fields - reached


def test_the_checker_catches_what_it_should():
    """The contract check itself: a 500, an HTML error and a bare JSON error all fail it."""

    class Fake:
        def __init__(self, status, body, content_type="application/json"):
            self.status_code, self.content = status, body
            self.headers = {"content-type": [content_type]}

    good = json.dumps({"error": {"code": "not_found", "message": "No such thing.", "fields": {}}})
    assert error_format_problem(Fake(404, good.encode())) is None
    assert error_format_problem(Fake(200, b"[]")) is None
    assert error_format_problem(Fake(500, good.encode())) == "server error 500"
    assert "content type" in error_format_problem(Fake(404, b"<h1>x</h1>", "text/html"))
    assert "not {'error'" in error_format_problem(Fake(400, b'{"message": "bad"}'))
    assert "fields" in error_format_problem(Fake(422, json.dumps(
        {"error": {"code": "x", "message": "y", "fields": {"a": ["b"]}}}).encode()))


def test_the_document_check_catches_money_sent_as_a_number(world, api_schema):
    """The response check itself: the fee as the API sends it passes; the same answer with the
    fee as a JSON number (what the document said before issue 18) fails."""
    _schema, operations = api_schema
    operation = next(op for op in operations if op.label == "GET /api/v1/workorders/{order_id}/fee")
    order_id = order_on_site(world)
    response = world.tech.get(f"/api/v1/workorders/{order_id}/fee")
    case = operation.Case(path_parameters={"order_id": order_id})
    assert response.status_code == 200 and response_problem(case, response) is None
    body = response.get_json()
    body["fee"] = float(body["fee"])
    response.set_data(json.dumps(body))
    assert "answer breaks the document" in (response_problem(case, response) or "")
