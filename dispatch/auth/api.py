"""``POST /api/v1/auth/token``: exchange a username and password for a bearer token;
``GET /api/v1/auth/me``: whose token it is."""

from __future__ import annotations

from apiflask import APIBlueprint, Schema
from apiflask.fields import Integer, List, String
from apiflask.validators import Length
from flask import current_app
from flask_babel import gettext as _

from dispatch.auth.services import authenticate, issue_token
from dispatch.errors import DomainError
from dispatch.extensions import db, limiter
from dispatch.web.api import api_requires, current_api_holder, rows_response

bp = APIBlueprint("auth_api", __name__, url_prefix="/api/v1", tag="Auth")


class TokenIn(Schema):
    username = String(required=True, validate=Length(max=40))
    password = String(required=True, validate=Length(max=200))


class TokenOut(Schema):
    token = String()
    expires_at = String()


class MeOut(Schema):
    id = Integer()
    username = String()
    name = String()
    roles = List(String())
    locale = String(allow_none=True)


class BadCredentials(DomainError):
    status = 401
    code = "unauthorized"


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.post("/auth/token")
@limiter.limit(_login_limit)
@bp.input(TokenIn, arg_name="body")
@bp.output(TokenOut)
@bp.doc(responses={401: "Wrong username or password", 429: "Too many attempts"})
def token(body):
    """Exchange credentials for a bearer token."""
    user = authenticate(body["username"], body["password"])
    if user is None:
        raise BadCredentials(_("Wrong username or password."))
    value = issue_token(user)
    db.session.commit()
    return {"token": value}


@bp.get("/auth/me")
@api_requires()
@bp.output(MeOut)
def me():
    """The account the bearer token belongs to and its roles (what a client shows and may do)."""
    user = current_api_holder()  # what the token check read: nothing more is loaded
    return rows_response({"id": user.id, "username": user.username, "name": user.display_name,
                          "roles": sorted(user.roles), "locale": user.locale})
