"""Accounts API for admins: list, create (with a set-password link), change roles, deactivate."""

from __future__ import annotations

from datetime import datetime

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, DateTime, Integer, List, Nested, String
from apiflask.validators import Length, OneOf
from flask import url_for

from dispatch.accounts import services
from dispatch.auth.models import User
from dispatch.auth.roles import ROLES
from dispatch.auth.services import has_usable_password
from dispatch.extensions import db
from dispatch.web.api import api_requires, current_api_user
from dispatch.web.schemas import PageQuery, paginate

bp = APIBlueprint("accounts_api", __name__, url_prefix="/api/v1", tag="Accounts")


class AccountQuery(PageQuery):
    role = String(load_default="", validate=OneOf(("", *ROLES)))
    state = String(load_default="active", validate=OneOf(services.STATES))


class AccountIn(Schema):
    username = String(required=True, validate=Length(max=40))
    name = String(load_default="", validate=Length(max=100))
    roles = List(String(validate=Length(max=20)), required=True, validate=Length(max=len(ROLES)))


class AccountPatch(Schema):
    name = String(validate=Length(max=100))
    roles = List(String(validate=Length(max=20)), validate=Length(max=len(ROLES)))
    active = Boolean()


class AccountOut(Schema):
    id = Integer()
    username = String()
    name = String()
    roles = List(String())
    active = Boolean()
    has_password = Boolean(metadata={"description": "false until the owner opens their link"})
    created_at = DateTime()


class AccountPage(Schema):
    items = List(Nested(AccountOut))
    total = Integer()
    page = Integer()
    per_page = Integer()


class AccountLinkOut(Schema):
    account = Nested(AccountOut)
    set_password_url = String(metadata={"description": "one-time link for the account's owner"})
    expires_at = DateTime()


def _out(user: User) -> dict:
    return {"id": user.id, "username": user.username, "name": user.name,
            "roles": sorted(user.roles), "active": user.active,
            "has_password": has_usable_password(user), "created_at": user.created_at}


def _link(user: User, token: str, expires: datetime) -> dict:
    return {"account": _out(user), "expires_at": expires,
            "set_password_url": url_for("auth.set_password", token=token, _external=True)}


@bp.get("/users")
@api_requires("user.admin")
@bp.input(AccountQuery, location="query", arg_name="args")
@bp.output(AccountPage)
def list_accounts(args):
    """Staff accounts by username or name, role and state."""
    page = paginate(services.account_query(args["q"], args["role"], args["state"]), args)
    return {**page, "items": [_out(user) for user in page["items"]]}


@bp.post("/users")
@api_requires("user.admin")
@bp.input(AccountIn, arg_name="body")
@bp.output(AccountLinkOut, status_code=201)
def create_account(body):
    """A staff account without a password and the one-time link its owner sets one with."""
    user, token, expires = services.create_account(body)
    db.session.commit()
    return _link(user, token, expires), 201, {
        "Location": url_for("accounts_api.get_account", user_id=user.id)}


@bp.get("/users/<int:user_id>")
@api_requires("user.admin")
@bp.output(AccountOut)
def get_account(user_id: int):
    return _out(services.get_account(user_id))


@bp.patch("/users/<int:user_id>")
@api_requires("user.admin")
@bp.input(AccountPatch, arg_name="body")
@bp.output(AccountOut)
def update_account(user_id: int, body):
    """Rename, change roles, deactivate (signed out everywhere at once) or reactivate."""
    actor = current_api_user()
    user = services.get_account(user_id)
    services.update_account(user, body, actor)
    if "active" in body:
        services.set_active(user, body["active"], actor)
    db.session.commit()
    return _out(user)


@bp.post("/users/<int:user_id>/password-link")
@api_requires("user.admin")
@bp.output(AccountLinkOut)
def password_link(user_id: int):
    """A forgotten password: the old one, sessions and tokens end; a one-time link is made."""
    user = services.get_account(user_id)
    token, expires = services.new_password_link(user, current_api_user())
    db.session.commit()
    return _link(user, token, expires)
