"""The API's token check (issue 23): one indexed read per call and nothing cached, so revoking a
token, its expiry, deactivating the account, changing its roles and moving its session version
(for the app's own pages calling the API with their session cookie) all count from the very
next request. Run on SQLite and on PostgreSQL (``--db=postgresql``)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from dispatch.audit.log import AuditLog
from dispatch.auth.models import ApiToken, User, UserRole
from dispatch.auth.services import deactivate_user, end_sessions, revoke_tokens
from dispatch.auth.tokens import digest, token_holder
from dispatch.extensions import db
from dispatch.timeutil import utcnow
from tests.test_customers_api import GOOD


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def test_a_revoked_token_is_refused_on_the_next_call(api_as, make_user):
    user = make_user("agent")
    api, other = api_as(user), api_as(user)
    assert api.get("/api/v1/customers").status_code == 200
    db.session.execute(update(ApiToken).where(ApiToken.token_hash == digest(api.token))
                       .values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert api.get("/api/v1/customers").status_code == 401  # expired
    assert other.get("/api/v1/customers").status_code == 200
    revoke_tokens(_user(user.id))
    db.session.commit()
    response = other.get("/api/v1/customers")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_deactivation_counts_on_the_next_call_even_with_the_token_row_left(api_as, make_user):
    user = make_user("dispatcher")
    api = api_as(user)
    assert api.get("/api/v1/auth/me").status_code == 200
    _user(user.id).active = False  # the flag alone, the token row kept
    db.session.commit()
    assert api.get("/api/v1/auth/me").status_code == 401
    _user(user.id).active = True
    db.session.commit()
    assert api.get("/api/v1/auth/me").status_code == 200
    deactivate_user(_user(user.id))
    db.session.commit()
    assert api.get("/api/v1/auth/me").status_code == 401


def test_a_role_change_counts_on_the_next_call(api_as, make_user):
    user = make_user("agent")
    api = api_as(user)
    assert api.post("/api/v1/customers", json=GOOD).status_code == 201
    stored = _user(user.id)
    stored.role_rows = [UserRole(role="dispatcher")]
    db.session.commit()
    assert api.post("/api/v1/customers", json={**GOOD, "name": "Other"}).status_code == 403
    assert api.get("/api/v1/auth/me").get_json()["roles"] == ["dispatcher"]
    stored = _user(user.id)
    stored.role_rows = [*stored.role_rows, UserRole(role="agent")]
    db.session.commit()
    assert api.get("/api/v1/auth/me").get_json()["roles"] == ["agent", "dispatcher"]
    assert api.post("/api/v1/customers", json={**GOOD, "name": "Third"}).status_code == 201


def test_a_session_version_change_ends_the_pages_api_calls_on_the_next_request(login, make_user):
    user = make_user("agent")
    browser = login(user)
    assert browser.get("/api/v1/auth/me").status_code == 200
    end_sessions(_user(user.id))
    db.session.commit()
    assert browser.get("/api/v1/auth/me").status_code == 401


def test_the_checked_account_acts_in_services_and_the_audit(api_as, make_user):
    """The mapped user a view hands to services is built from the check's read: it works like
    a loaded one (its other columns load on use) and is the audit's actor."""
    user = make_user("agent", name="Lin Agent")
    api = api_as(user)
    created = api.post("/api/v1/customers", json=GOOD)
    assert created.status_code == 201
    rows = db.session.scalars(select(AuditLog).where(AuditLog.entity == "customers")).all()
    assert rows and {row.user_id for row in rows} == {user.id}
    me = api.get("/api/v1/auth/me").get_json()
    assert me == {"id": user.id, "username": user.username, "name": "Lin Agent",
                  "roles": ["agent"], "locale": None}


def test_the_check_reads_the_holder_with_every_role(app, api_as, make_user):
    user = make_user("agent", "dispatcher", "finance")
    api = api_as(user)
    with app.test_request_context():
        holder = token_holder(api.token)
        assert holder is not None and holder.id == user.id
        assert holder.roles == {"agent", "dispatcher", "finance"}
        assert holder.can("customer.edit") and holder.has_role("finance")
        assert token_holder(api.token + "x") is None and token_holder("") is None
        db.session.rollback()
