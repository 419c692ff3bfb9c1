"""Each role lands where its day starts; the manager's overview counts link to their lists;
the header groups a manager's links and counts the approval queue."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD, csrf_from
from tests.world import order_on_site, repair_request

LANDINGS = {"technician": "/tablet/", "dispatcher": "/board", "agent": "/search",
            "manager": "/overview", "finance": "/finance/", "warehouse": "/inventory/",
            "admin": "/"}


@pytest.mark.parametrize("role", sorted(LANDINGS))
def test_each_role_lands_where_its_day_starts(app, make_user, make_technician, role):
    user = make_technician().user if role == "technician" else make_user(role)
    browser = app.test_client()
    page = browser.get("/login").get_data(as_text=True)
    response = browser.post("/login", data={"username": user.username, "password": PASSWORD,
                                            "csrf_token": csrf_from(page)})
    assert response.headers["Location"] == LANDINGS[role]
    assert browser.get(LANDINGS[role]).status_code == 200


def test_a_next_page_still_wins_over_the_landing(app, make_user):
    user, browser = make_user("manager"), app.test_client()
    page = browser.get("/login").get_data(as_text=True)
    response = browser.post("/login?next=/customers", data={
        "username": user.username, "password": PASSWORD, "csrf_token": csrf_from(page)})
    assert response.headers["Location"] == "/customers"


def test_overview_numbers_link_to_their_lists(world, login, make_user):
    order_on_site(world)
    for _ in range(2):
        assert world.agent.post("/api/v1/workorders", json=repair_request(
            world, plate="浙A12345")).status_code == 201
    client = login(make_user("manager"))
    page = client.get("/overview").get_data(as_text=True)
    awaiting = re.search(r'href="([^"]+)" id="tile-awaiting">\s*<span class="stat-number">(\d+)',
                         page)
    assert awaiting and awaiting.groups() == ("/workorders/approvals", "2")
    assert 'id="tile-completed_today"' in page and "completed_on=" in page
    assert 'id="chart-orders"' in page and "<rect" in page and 'id="chart-arrival"' in page
    assert 'id="cash-outstanding"' in page
    assert "cdn" not in page.lower()
    listed = client.get("/workorders/approvals").get_data(as_text=True)
    assert listed.count('action="/workorders/') >= 2


def test_header_counts_the_approval_queue_and_groups_a_managers_links(world, login, make_user):
    assert world.agent.post("/api/v1/workorders", json=repair_request(world)).status_code == 201
    page = login(make_user("manager")).get("/overview").get_data(as_text=True)
    approvals = re.search(r'data-nav="workorders.approvals">[^<]*<span class="badge warn '
                          r'nav-count">(\d+)', page)
    assert approvals and approvals.group(1) == "1"
    assert page.count('<details class="nav-group"') >= 4
    technician_page = login(world.technician.user, fresh=True).get("/tablet/").get_data(
        as_text=True)
    assert '<details class="nav-group"' not in technician_page


def test_overview_counts_late_and_at_risk_orders_and_lists_them(world, app, login, make_user):
    from datetime import timedelta

    from dispatch.extensions import db
    from dispatch.timeutil import utcnow
    from workorders.models import WorkOrder

    numbers = []
    for hours in (-2, 0.25, 30):  # overdue, due within the at-risk margin, comfortably ahead
        created = world.agent.post("/api/v1/workorders", json=repair_request(world)).get_json()
        with app.app_context():
            order = db.session.get(WorkOrder, created["id"])
            order.arrive_by = utcnow() + timedelta(hours=hours)
            db.session.commit()
        numbers.append(created["number"])
    page = login(make_user("manager")).get("/overview").get_data(as_text=True)
    late = re.search(r'href="#late-orders" id="tile-late">\s*<span class="stat-number">(\d+)', page)
    at_risk = re.search(r'href="#late-orders" id="tile-at_risk">\s*<span class="stat-number">(\d+)',
                        page)
    assert late and late.group(1) == "1"
    assert at_risk and at_risk.group(1) == "1"
    listed = page[page.index('id="late-orders"'):]
    assert numbers[0] in listed and numbers[1] in listed and numbers[2] not in listed
