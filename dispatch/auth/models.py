"""User accounts, their roles and API tokens."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ColumnElement, ForeignKey, String, func
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.auth.roles import ROLES, allowed
from dispatch.extensions import Model
from dispatch.timeutil import UTCDateTime, utcnow

_ROLE_LIST = ", ".join(f"'{role}'" for role in ROLES)


class User(UserMixin, Model):
    __tablename__ = "users"
    __audit_exclude__ = ("password_hash",)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Moved by signing out, a password change and deactivation (``auth.services.end_sessions``):
    #: a session cookie names the value it was signed in with, and one naming an older value
    #: is signed out, wherever it was copied to.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> set[str]:
        checked = self.__dict__.get("_checked_roles")  # built by the token check (auth/tokens.py)
        if checked is not None and "role_rows" not in self.__dict__:
            return set(checked)
        return {row.role for row in self.role_rows}

    def get_id(self) -> str:
        """What a session cookie holds (Flask-Login): the id and the session version."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def can(self, permission: str) -> bool:
        return allowed(self.roles, permission)

    @hybrid_property
    def display_name(self) -> str:
        return self.name or self.username

    @display_name.inplace.expression
    @classmethod
    def _display_name_expression(cls) -> ColumnElement[str]:
        return func.coalesce(func.nullif(cls.name, ""), cls.username)


class UserRole(Model):
    __tablename__ = "user_roles"
    __table_args__ = (CheckConstraint(f"role IN ({_ROLE_LIST})", name="role_known"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class ApiToken(Model):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    __audit_exclude__ = ("token_hash",)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
