"""An admin manages staff accounts: new accounts get a one-time link, roles change at once,
deactivation signs out everywhere, and nobody can lock the company out."""

from __future__ import annotations

import re

from sqlalchemy import select

from dispatch.audit.log import AuditLog
from dispatch.auth.models import User
from dispatch.extensions import db
from tests.conftest import PASSWORD, csrf_from, post_form


def _link_token(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_admin_creates_an_account_whose_owner_sets_the_password_through_the_link(
        api_as, client):
    admin = api_as("admin")
    made = admin.post("/api/v1/users", json={"username": " Li.Na ", "name": "李娜",
                                             "roles": ["agent", "finance"]})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["account"]["username"] == "li.na"
    assert body["account"]["roles"] == ["agent", "finance"]
    assert body["account"]["has_password"] is False
    page = client.get(body["set_password_url"].split("localhost", 1)[1])
    assert page.status_code == 200
    answer = client.post(page.request.path, data={
        "password": "a-new-secret", "password_again": "a-new-secret",
        "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert answer.status_code in (200, 302), answer.get_data(as_text=True)
    token = client.post("/api/v1/auth/token", json={"username": "li.na", "password": "a-new-secret"})
    assert token.status_code == 200
    again = admin.get(f"/api/v1/users/{body['account']['id']}").get_json()
    assert again["has_password"] is True


def test_bad_accounts_are_refused_field_by_field_and_nothing_is_written(api_as, make_user):
    admin = api_as("admin")
    taken = make_user("agent")
    before = db.session.scalar(select(db.func.count()).select_from(User))
    answer = admin.post("/api/v1/users", json={"username": taken.username, "roles": ["wizard"]})
    assert answer.status_code == 422
    fields = answer.get_json()["error"]["fields"]
    assert set(fields) == {"username", "roles"}
    technician = admin.post("/api/v1/users", json={"username": "new.tech", "roles": ["technician"]})
    assert technician.status_code == 422
    assert "Technicians page" in technician.get_json()["error"]["fields"]["roles"]
    assert admin.post("/api/v1/users", json={"username": "x y", "roles": []}).status_code == 422
    assert db.session.scalar(select(db.func.count()).select_from(User)) == before


def test_only_admins_reach_accounts(api_as, login, make_user, app):
    for role in ("manager", "dispatcher", "agent", "finance", "warehouse", "technician"):
        assert api_as(role).get("/api/v1/users").status_code == 403, role
    browser = login(make_user("manager"))
    assert browser.get("/admin/users/").status_code == 403
    assert app.test_client().get("/api/v1/users").status_code == 401


def test_a_role_change_and_a_deactivation_take_effect_on_the_next_request(
        api_as, make_user, app):
    admin = api_as("admin")
    user = make_user("agent", "finance")
    staff = api_as(user)
    assert staff.get("/api/v1/finance/receivables").status_code == 200
    changed = admin.patch(f"/api/v1/users/{user.id}", json={"roles": ["agent"]})
    assert changed.status_code == 200 and changed.get_json()["roles"] == ["agent"]
    assert staff.get("/api/v1/finance/receivables").status_code == 403
    assert admin.patch(f"/api/v1/users/{user.id}", json={"active": False}).status_code == 200
    assert staff.get("/api/v1/auth/me").status_code == 401
    listed = admin.get("/api/v1/users?state=inactive").get_json()["items"]
    assert [row["username"] for row in listed] == [user.username]
    assert admin.patch(f"/api/v1/users/{user.id}", json={"active": True}).status_code == 200
    assert staff.get("/api/v1/auth/me").status_code == 401  # its tokens stay revoked
    entries = db.session.scalars(select(AuditLog).where(
        AuditLog.entity.in_(("users", "user_roles")))).all()
    assert any(str(entry.entity_id).startswith(str(user.id)) for entry in entries)


def test_an_admin_cannot_lock_themselves_out(api_as, make_user):
    me = make_user("admin")
    admin = api_as(me)
    refused = admin.patch(f"/api/v1/users/{me.id}", json={"roles": ["manager"]})
    assert refused.status_code == 422 and "roles" in refused.get_json()["error"]["fields"]
    assert admin.patch(f"/api/v1/users/{me.id}", json={"active": False}).status_code == 409
    assert admin.post(f"/api/v1/users/{me.id}/password-link").status_code == 409
    assert admin.get("/api/v1/auth/me").get_json()["roles"] == ["admin"]
    other = make_user("admin")
    assert admin.patch(f"/api/v1/users/{other.id}", json={"roles": ["manager"]}).status_code == 200


def test_a_forgotten_password_gets_a_new_link_and_the_old_password_stops(api_as, make_user, client):
    admin = api_as("admin")
    user = make_user("dispatcher")
    staff = api_as(user)
    answer = admin.post(f"/api/v1/users/{user.id}/password-link")
    assert answer.status_code == 200
    assert staff.get("/api/v1/auth/me").status_code == 401
    assert client.post("/api/v1/auth/token", json={"username": user.username,
                                                   "password": PASSWORD}).status_code == 401
    assert re.search(r"/set-password/[\w.-]+$", answer.get_json()["set_password_url"])


def test_the_pages_create_edit_and_deactivate(login, make_user):
    browser = login(make_user("admin"))
    listing = browser.get("/admin/users/")
    assert listing.status_code == 200
    made = post_form(browser, "/admin/users/new",
                     {"username": "wang.fang", "name": "王芳", "roles": ["agent", "dispatcher"]})
    assert made.status_code == 201
    html = made.get_data(as_text=True)
    assert "/set-password/" in html
    user = db.session.scalar(select(User).where(User.username == "wang.fang"))
    assert user.roles == {"agent", "dispatcher"}
    bad = post_form(browser, "/admin/users/new", {"username": "wang.fang", "roles": []})
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert "This username is taken." in page and "Give at least one role." in page
    saved = post_form(browser, f"/admin/users/{user.id}", {"name": "王芳", "roles": ["agent"]})
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).roles == {"agent"}
    form = browser.get(f"/admin/users/{user.id}")
    off = browser.post(f"/admin/users/{user.id}/deactivate",
                       data={"csrf_token": csrf_from(form.get_data(as_text=True))})
    assert off.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).active is False
    assert "wang.fang" not in browser.get("/admin/users/").get_data(as_text=True)
    assert "wang.fang" in browser.get("/admin/users/?state=inactive").get_data(as_text=True)


def test_a_technicians_role_stays_with_the_technician_record(login, make_user, make_technician):
    technician = make_technician()
    browser = login(make_user("admin"))
    saved = post_form(browser, f"/admin/users/{technician.user_id}",
                      {"name": "Tech", "roles": ["dispatcher"]})
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, technician.user_id).roles == {"technician", "dispatcher"}
