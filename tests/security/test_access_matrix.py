"""The access matrix, generated from the app's own routes: every endpoint (pages and API) ×
every role × no login. A role the permission table does not name is refused with 403 before
anything else happens (and the refusal is logged); no login is 401 on the API, a redirect to
the sign-in page for pages (a form posted without a session fails its CSRF check first); no
combination ends in a server error."""

from __future__ import annotations

import logging
import re

import pytest

from dispatch.auth.roles import PERMISSIONS, ROLES
from tests.conftest import PASSWORD, csrf_from

pytestmark = pytest.mark.slow
SKIP_METHODS = {"HEAD", "OPTIONS"}


def _allowed(required: tuple[str | None, tuple[str, ...]], role: str) -> bool:
    permission, roles = required
    ok = permission is None or role in PERMISSIONS.get(permission, frozenset())
    return ok and (not roles or role in roles)


def _routes(app):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        required = getattr(view, "required", None)
        if required is None or any(c.__class__.__name__ == "PathConverter"
                                   for c in rule._converters.values()):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", "1", rule.rule)
        for method in sorted(rule.methods - SKIP_METHODS):
            yield method, path, required


def _user(token: str):
    from dispatch.auth.services import user_for_token

    return user_for_token(token)


def test_every_endpoint_for_every_role(app, client, world, make_user, caplog):
    users = {role: make_user(role) for role in ("finance", "warehouse", "admin")}
    tokens = {"agent": world.agent.token, "manager": world.manager.token,
              "dispatcher": world.dispatcher.token, "technician": world.tech.token}
    browsers = {}
    for role, user in users.items():  # the token endpoint is rate limited: reuse the world's
        tokens[role] = client.post("/api/v1/auth/token", json={
            "username": user.username, "password": PASSWORD}).get_json()["token"]
    users.update(agent=_user(world.agent.token), manager=_user(world.manager.token),
                 dispatcher=_user(world.dispatcher.token), technician=world.technician.user)
    for role, user in users.items():
        browser = app.test_client()
        page = browser.get("/login")
        browser.post("/login", data={"username": user.username, "password": PASSWORD,
                                     "csrf_token": csrf_from(page.get_data(as_text=True))})
        browsers[role] = (browser, csrf_from(browser.get("/").get_data(as_text=True)))
    anonymous = app.test_client()
    routes = list(_routes(app))
    failures, refusals = [], 0
    caplog.set_level(logging.WARNING, logger="dispatch.web.security")
    for method, path, required in routes:
        api = path.startswith("/api/")
        response = anonymous.open(path, method=method, json={} if api else None)
        # Pages: sign in first; a form posted without a session has no valid CSRF token (400).
        expected = {401} if api else ({302} if method == "GET" else {400})
        if response.status_code not in expected:
            failures.append(f"anonymous {method} {path}: {response.status_code} not in {expected}")
        for role in ROLES:
            if api:
                response = client.open(path, method=method, json={},
                                       headers={"Authorization": f"Bearer {tokens[role]}"})
            else:
                browser, token = browsers[role]
                response = browser.open(path, method=method,
                                        data={"csrf_token": token} if method == "POST" else None)
            status = response.status_code
            if status >= 500:
                failures.append(f"{role} {method} {path}: server error {status}")
            elif not _allowed(required, role):
                refusals += 1
                if status != 403:
                    failures.append(f"{role} {method} {path}: {status}, expected 403")
            elif status in (401, 405):
                failures.append(f"{role} {method} {path}: allowed role got {status}")
    assert not failures, "\n".join(failures)
    logged = sum("refused" in record.getMessage() for record in caplog.records)
    assert logged >= refusals, "every refusal is logged (who, what, when)"
    print(f"\naccess matrix: {len(routes)} endpoint-methods × ({len(ROLES)} roles + no login) "
          f"= {len(routes) * (len(ROLES) + 1)} checks, {refusals} refusals")
