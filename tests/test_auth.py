"""Sign-in for pages and tokens for the API; hashed passwords; rate limits; the CLI."""

from sqlalchemy import select

from dispatch.auth.models import ApiToken, User
from dispatch.extensions import db
from tests.conftest import PASSWORD, csrf_from


def test_login_page_and_session(client, make_user):
    user = make_user("agent")
    assert client.get("/customers").status_code == 302
    page = client.get("/login")
    assert 'name="username"' in page.get_data(as_text=True)
    response = client.post("/login", data={"username": user.username, "password": PASSWORD,
                                           "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 302
    assert client.get("/customers").status_code == 200


def test_wrong_password_is_refused(client, make_user):
    user = make_user("agent")
    page = client.get("/login")
    response = client.post("/login", data={"username": user.username, "password": "wrong-one",
                                           "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 401
    assert client.get("/customers").status_code == 302


def test_login_without_csrf_token_is_refused(client, make_user):
    user = make_user("agent")
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/customers").status_code == 302


def test_login_is_rate_limited(client, make_user):
    user = make_user("agent")
    token = csrf_from(client.get("/login").get_data(as_text=True))
    codes = [client.post("/login", data={"username": user.username, "password": "bad-password",
                                         "csrf_token": token}).status_code for _ in range(12)]
    assert codes[:10] == [401] * 10
    assert codes[10:] == [429, 429]


def test_token_endpoint_is_rate_limited(client, make_user):
    user = make_user("agent")
    codes = [client.post("/api/v1/auth/token",
                         json={"username": user.username, "password": "nope-nope"}).status_code
             for _ in range(11)]
    assert codes[:10] == [401] * 10 and codes[10] == 429


def test_passwords_and_tokens_are_stored_hashed(api_as, make_user):
    user = make_user("agent")
    api = api_as(user)
    stored = db.session.get(User, user.id).password_hash
    assert PASSWORD not in stored and stored.startswith("pbkdf2:")
    token_row = db.session.scalars(select(ApiToken)).one()
    assert api.token not in token_row.token_hash and len(token_row.token_hash) == 64


def test_inactive_user_cannot_use_token(api_as, make_user):
    user = make_user("agent")
    api = api_as(user)
    assert api.get("/api/v1/customers").status_code == 200
    db.session.get(User, user.id).active = False
    db.session.commit()
    assert api.get("/api/v1/customers").status_code == 401


def test_me_says_whose_token_it_is_and_a_role_change_shows_at_once(client, api_as, make_user):
    user = make_user("agent", "dispatcher")
    api = api_as(user)
    me = api.get("/api/v1/auth/me")
    assert me.status_code == 200
    assert me.get_json() | {"locale": None} == {"id": user.id, "username": user.username,
                                                "name": user.display_name,
                                                "roles": ["agent", "dispatcher"], "locale": None}
    stored = db.session.get(User, user.id)
    stored.role_rows = [row for row in stored.role_rows if row.role == "agent"]
    db.session.commit()
    assert api.get("/api/v1/auth/me").get_json()["roles"] == ["agent"]
    assert client.get("/api/v1/auth/me").status_code == 401


def test_create_user_command(runner):
    result = runner.invoke(args=["create-user", "lin", "--role", "agent", "--role", "dispatcher",
                                 "--password", "long-enough-pw"])
    assert result.exit_code == 0, result.output
    user = db.session.scalars(select(User).where(User.username == "lin")).one()
    assert user.roles == {"agent", "dispatcher"}
    again = runner.invoke(args=["create-user", "lin", "--role", "agent", "--password", "x"])
    assert again.exit_code == 1
    assert "username" in again.output and "password" in again.output
