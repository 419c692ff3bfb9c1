"""Who may call what.

``test_who_may_do_what`` holds the expected answers, written by hand from the product brief
(SPEC §1 users, §8 "who" column, README and docs/decisions.md where the brief is silent), for a
representative set of API calls and pages, and checks the app against them role by role. It
does not read the app's permission table.

``test_every_endpoint_for_every_role`` sweeps every endpoint (pages and API) × every role × no
login against the permission each route declares: the declaration is enforced before anything
else happens (403, and the refusal is logged); no login is 401 on the API, a redirect to the
sign-in page for pages (a form posted without a session fails its CSRF check first); no
combination ends in a server error. Whether the declarations are right is the first test's job.
"""

from __future__ import annotations

import logging
import re

import pytest

from dispatch.auth.roles import PERMISSIONS, ROLES
from tests.conftest import PASSWORD, csrf_from
from tests.world import order_on_site, repair_request

SKIP_METHODS = {"HEAD", "OPTIONS"}

COLUMNS = ("agent", "manager", "dispatcher", "technician", "finance", "warehouse", "admin")
# y: allowed; .: refused with 403. "technician" is the technician the order is assigned to.
# {order}: an order on site with that technician; {new}: a new order; {tech}: that technician.
#                                                                 ag ma di te fi wh ad
MATRIX = [
    # §8: customers and orders are taken by agents and managers.
    ("POST", "/api/v1/customers",                                  "y  y  .  .  .  .  ."),
    ("GET", "/customers/new",                                      "y  y  .  .  .  .  ."),
    ("POST", "/api/v1/workorders",                                 "y  y  .  .  .  .  ."),
    ("GET", "/workorders/new",                                     "y  y  .  .  .  .  ."),
    # §8 "staff; technician sees own". The app keeps the admin out of orders (as it keeps them
    # out of customers, devices and money): §1 gives the admin users, roles, settings and
    # backups, and R18 makes customer data a matter of role; an order carries the customer's
    # name, address and contact. Kept as the app has it; reported as a question for the brief.
    ("GET", "/api/v1/workorders",                                  "y  y  y  y  y  y  ."),
    ("GET", "/api/v1/workorders/{order}",                          "y  y  y  y  y  y  ."),
    ("GET", "/api/v1/workorders/{order}/documents",                "y  y  y  y  y  y  ."),
    # R3 / §4: only a manager approves.
    ("POST", "/api/v1/workorders/{new}/approve",                   ".  y  .  .  .  .  ."),
    ("GET", "/workorders/approvals",                               ".  y  .  .  .  .  ."),
    # §8: dispatchers and managers rank, assign and auto-assign; the board is theirs (§1).
    ("GET", "/api/v1/workorders/{order}/candidates",               ".  y  y  .  .  .  ."),
    ("POST", "/api/v1/workorders/{order}/assign",                  ".  y  y  .  .  .  ."),
    ("POST", "/api/v1/dispatch/auto-assign",                       ".  y  y  .  .  .  ."),
    ("POST", "/api/v1/dispatch/day-plans",                         ".  y  y  .  .  .  ."),
    ("GET", "/board",                                              ".  y  y  .  .  .  ."),
    # §8: field work is the assigned technician's alone.
    ("POST", "/api/v1/workorders/{order}/status",                  ".  .  .  y  .  .  ."),
    ("POST", "/api/v1/workorders/{order}/swaps",                   ".  .  .  y  .  .  ."),
    ("POST", "/api/v1/workorders/{order}/parts",                   ".  .  .  y  .  .  ."),
    ("POST", "/api/v1/workorders/{order}/complete",                ".  .  .  y  .  .  ."),
    ("POST", "/api/v1/technicians/{tech}/location",                ".  .  .  y  .  .  ."),
    ("GET", "/tablet/",                                            ".  .  .  y  .  .  ."),
    # §8: agents and managers cancel.
    ("POST", "/api/v1/workorders/{order}/cancel",                  "y  y  .  .  .  .  ."),
    # §8: the parts catalogue is the warehouse's and the manager's; moving stock the warehouse's.
    ("POST", "/api/v1/parts",                                      ".  y  .  .  .  y  ."),
    ("GET", "/inventory/parts/new",                                ".  y  .  .  .  y  ."),
    ("POST", "/api/v1/stock/receipts",                             ".  .  .  .  .  y  ."),
    ("POST", "/api/v1/stock/transfers",                            ".  .  .  .  .  y  ."),
    ("GET", "/inventory/receive",                                  ".  .  .  .  .  y  ."),
    ("GET", "/inventory/transfer",                                 ".  .  .  .  .  y  ."),
    # §8: stock and locations are read by staff. A technician also reads stock, limited to
    # their own van (R11: accountable for what they carry; docs/decisions.md "Who").
    ("GET", "/api/v1/stock",                                       "y  y  y  y  y  y  y"),
    ("GET", "/api/v1/locations",                                   "y  y  y  .  y  y  y"),
    # §8: reconciliation is finance's and the manager's; taking cash in is finance's.
    ("GET", "/api/v1/finance/reconciliation",                      ".  y  .  .  y  .  ."),
    ("POST", "/api/v1/finance/handovers",                          ".  .  .  .  y  .  ."),
    # Invoices are read where reconciliation is (R8: finance sees what was invoiced).
    ("GET", "/api/v1/finance/invoices",                            ".  y  .  .  y  .  ."),
    ("GET", "/finance/invoices",                                   ".  y  .  .  y  .  ."),
    # §8: complaints are registered by agents and managers, callbacks recorded by agents.
    ("POST", "/api/v1/complaints",                                 "y  y  .  .  .  .  ."),
    ("GET", "/care/complaints/new",                                "y  y  .  .  .  .  ."),
    ("POST", "/api/v1/callbacks",                                  "y  .  .  .  .  .  ."),
    # The callback queue is also the manager's (R14: a manager re-checks a 20 % sample).
    ("GET", "/care/callbacks",                                     "y  y  .  .  .  .  ."),
    # R14/R17 monthly figures: customer care's own (agents) and the manager's (KPIs, §1).
    ("GET", "/api/v1/care/stats",                                  "y  y  .  .  .  .  ."),
    ("GET", "/care/stats",                                         "y  y  .  .  .  .  ."),
    # R20: the shift handover log is the outgoing and incoming dispatcher's or agent's.
    ("GET", "/handovers",                                          "y  .  y  .  .  .  ."),
    # §8: technicians are created by managers and admins.
    ("POST", "/api/v1/technicians",                                ".  y  .  .  .  .  y"),
    ("GET", "/technicians/new",                                    ".  y  .  .  .  .  y"),
    # The brief names no reader of the audit log: the manager (exceptions and oversight, §1)
    # and the admin (users and roles, §1) read it; it is not for every desk.
    ("GET", "/audit",                                              ".  y  .  .  .  .  y"),
    # §1: users and roles are the admin's alone.
    ("GET", "/api/v1/users",                                       ".  .  .  .  .  .  y"),
    ("POST", "/api/v1/users",                                      ".  .  .  .  .  .  y"),
    ("GET", "/admin/users/",                                       ".  .  .  .  .  .  y"),
    ("GET", "/admin/users/new",                                    ".  .  .  .  .  .  y"),
]


def test_the_matrix_is_well_formed():
    assert tuple(ROLES) == COLUMNS  # a new role needs its column here
    for method, path, row in MATRIX:
        assert method in {"GET", "POST"} and path.startswith("/")
        assert len(row.split()) == len(COLUMNS) and set(row.split()) <= {"y", "."}, path
    assert len({(m, p) for m, p, _ in MATRIX}) == len(MATRIX)


def test_who_may_do_what(app, client, world, make_user):
    tokens = {"agent": world.agent.token, "manager": world.manager.token,
              "dispatcher": world.dispatcher.token, "technician": world.tech.token}
    users = {"technician": world.technician.user}
    for role in ("finance", "warehouse", "admin"):  # the token endpoint is rate limited
        users[role] = make_user(role)
        tokens[role] = client.post("/api/v1/auth/token", json={
            "username": users[role].username, "password": PASSWORD}).get_json()["token"]
    for role in ("agent", "manager", "dispatcher"):
        users[role] = _user(tokens[role])
    browsers = {role: _browser(app, user) for role, user in users.items()}
    ids = {"order": order_on_site(world), "tech": world.technician.id,
           "new": world.agent.post("/api/v1/workorders", json=repair_request(world)).get_json()["id"]}

    wrong = []
    for method, template, row in MATRIX:
        path = template.format(**ids)
        for role, expected in zip(COLUMNS, row.split(), strict=True):
            if path.startswith("/api/"):
                response = client.open(path, method=method, json={},
                                       headers={"Authorization": f"Bearer {tokens[role]}"})
            else:
                response = browsers[role].open(path, method=method)
            status = response.status_code
            assert status < 500, f"{role} {method} {path}: {status}"
            assert status not in (401, 404, 405), f"{role} {method} {path}: {status}"
            if (status != 403) != (expected == "y"):
                wrong.append(f"{role:>10} {method} {template}: {status}, expected "
                             f"{'allowed' if expected == 'y' else 'refused'}")
    assert not wrong, "\n".join(["who may do what differs from the brief:", *wrong])


def _browser(app, user):
    browser = app.test_client()
    page = browser.get("/login")
    signed_in = browser.post("/login", data={"username": user.username, "password": PASSWORD,
                                             "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert signed_in.status_code == 302
    return browser


def _allowed(required: tuple[str | None, tuple[str, ...]], role: str) -> bool:
    permission, roles = required
    ok = permission is None or role in PERMISSIONS.get(permission, frozenset())
    return ok and (not roles or role in roles)


def _routes(app, ids: dict[str, int]):
    """Every guarded route, its parameters 1 except those in ``ids``."""
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        required = getattr(view, "required", None)
        if required is None or any(c.__class__.__name__ == "PathConverter"
                                   for c in rule._converters.values()):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>",
                      lambda match: str(ids.get(match.group(1), 1)), rule.rule)
        for method in sorted(rule.methods - SKIP_METHODS):
            yield method, path, required


def _user(token: str):
    from dispatch.auth.services import user_for_token

    return user_for_token(token)


@pytest.mark.slow
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
    # An admin's account actions (deactivate, new password link) fall on a bystander's account.
    routes = list(_routes(app, {"user_id": make_user("agent").id}))
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
