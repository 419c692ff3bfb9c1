"""Sessions end (issue 18): signing out, a password change and deactivation end every session of
the account — a session cookie copied before no longer works — and, on a password change or
deactivation, its API tokens too (signing out of a browser leaves the tablet's token alone)."""

from __future__ import annotations

from dispatch.auth.models import User
from dispatch.auth.services import deactivate_user
from dispatch.extensions import db
from tests.conftest import PASSWORD, csrf_from


def _copy(app, browser):
    """Another browser holding a copy of ``browser``'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", browser.get_cookie("session").value)
    return thief


def _signed_in(browser) -> bool:
    response = browser.get("/")
    return response.status_code == 200


def _token(client, user, password=PASSWORD) -> str:
    response = client.post("/api/v1/auth/token", json={"username": user.username,
                                                       "password": password})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["token"]


def _me(client, token: str) -> int:
    return client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code


def _post(browser, page_url, url, data):
    page = browser.get(page_url)
    return browser.post(url, data={**data, "csrf_token": csrf_from(page.get_data(as_text=True))})


def test_a_cookie_copied_before_sign_out_no_longer_works(app, client, login, make_user):
    user = make_user("agent")
    browser = login(user, fresh=True)
    copy, other_device = _copy(app, browser), login(user, fresh=True)
    token = _token(client, user)
    assert _signed_in(copy) and _signed_in(other_device)
    assert _post(browser, "/", "/logout", {}).status_code == 302
    assert not _signed_in(browser)
    assert not _signed_in(copy)  # the copy of the cookie is dead
    assert not _signed_in(other_device)  # signing out ends every session of the account
    assert _me(client, token) == 200  # the tablet's API token is not a browser session
    assert _signed_in(login(user, fresh=True))  # signing in again works


def test_a_password_change_ends_every_other_session_and_token(app, client, login, make_user):
    user = make_user("agent")
    browser, other_device = login(user, fresh=True), login(user, fresh=True)
    copy, token = _copy(app, other_device), _token(client, user)

    wrong = _post(browser, "/account/password", "/account/password", {
        "current_password": "not-it-at-all", "password": "short", "password_again": "x"})
    assert wrong.status_code == 422
    html = wrong.get_data(as_text=True)
    assert "This is not your current password." in html and "At least 8 characters" in html
    assert _signed_in(other_device) and _me(client, token) == 200  # nothing changed

    changed = _post(browser, "/account/password", "/account/password", {
        "current_password": PASSWORD, "password": "a-new-long-password",
        "password_again": "a-new-long-password"})
    assert changed.status_code == 302
    assert _signed_in(browser)  # the browser that changed it stays signed in
    assert not _signed_in(other_device) and not _signed_in(copy)
    assert _me(client, token) == 401
    assert _me(client, _token(client, user, "a-new-long-password")) == 200
    refused = client.post("/api/v1/auth/token", json={"username": user.username,
                                                       "password": PASSWORD})
    assert refused.status_code == 401


def test_deactivation_ends_sessions_and_tokens(app, client, login, make_user, runner):
    user = make_user("dispatcher")
    browser, token = login(user, fresh=True), _token(client, user)
    copy = _copy(app, browser)
    deactivate_user(db.session.get(User, user.id))
    db.session.commit()
    assert not _signed_in(browser) and not _signed_in(copy)
    assert _me(client, token) == 401

    other = make_user("agent")
    browser, token = login(other, fresh=True), _token(client, other)
    result = runner.invoke(args=["deactivate-user", other.username])
    assert result.exit_code == 0, result.output
    assert not _signed_in(browser) and _me(client, token) == 401
    assert runner.invoke(args=["deactivate-user", "nobody-at-all"]).exit_code != 0


def test_the_password_page_is_only_for_the_signed_in(client):
    response = client.get("/account/password")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
