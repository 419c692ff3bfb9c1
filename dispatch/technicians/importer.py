"""Technicians as an import kind: one row is one technician — the account, the home base, the
skills and the daily capacity.

Natural key: the username. A new username makes the account (role technician) and its profile
through ``dispatch/technicians/services.py``, as creating one by the API does; its van follows
on demand, as for every technician (``inventory/locations.py``). **Passwords are never in the
file** (a file with a password column is refused at upload): a new account has no usable
password, and the run's page and JSON show a one-time set-password link per new account
(``dispatch/auth/links.py``) for the manager to hand over. An existing technician's name,
phone, home base, skills and capacity are updated, nothing else (not the password, roles,
hours or active flag); an empty cell leaves what is stored. A username of someone who is not a
technician is a row error: the import never turns an office account into a technician.

The home base is ``home_lat``/``home_lon``; when both are empty, ``home_address`` is located
(``dispatch/geo/geocoder.py``: cache, provider, gazetteer), for a new technician or when the
address differs from the stored one. Skills are separated by ``;`` (or ``,``).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from dispatch.audit.log import AuditLog
from dispatch.auth.links import make_token
from dispatch.auth.models import User
from dispatch.auth.services import has_usable_password, validate_username
from dispatch.errors import ValidationFailed
from dispatch.extensions import db
from dispatch.geo.geocoder import locate
from dispatch.imports.kinds import ImportContext, ImportKind, Problems, Row, RunLink
from dispatch.imports.models import ImportRun
from dispatch.technicians import services
from dispatch.technicians.models import Technician
from dispatch.text import clean_text

COLUMNS = ("username", "name", "phone", "home_address", "home_lat", "home_lon", "skills",
           "daily_capacity")
REQUIRED = ("username",)
#: Profile columns an existing technician's row may change (and ``name``, on the account).
PROFILE = ("phone", "home_address", "home_lat", "home_lon", "skills", "daily_capacity")
#: The separator of skills in the export (the import takes ``,`` too).
SKILLS_SEPARATOR = ";"
#: Usernames asked for the same IN (…) list at most at once.
LOOKUP_CHUNK = 900
#: A point standing in for an address not yet located, while the rest of the row is checked.
_SOMEWHERE = (0.0, 0.0)


def _username_key(raw: str) -> str:
    return (raw or "").strip().lower()


class Technicians(ImportKind):
    name = "technicians"
    title = _l("Technicians: accounts, home bases, skills and capacity")
    columns = COLUMNS
    required = REQUIRED
    permission = "technician.edit"
    records = ("technicians",)
    refused_columns = dict.fromkeys(
        ("password", "passwords", "passwd", "pwd", "密码", "初始密码"),
        _l("passwords are never imported. Delete the column: each new technician gets a "
           "one-time link to set their own."))

    def template_row(self) -> dict[str, str]:
        return {"username": "li.wei", "name": "李伟", "phone": "13900139000",
                "home_address": "浙江省杭州市西湖区文三路90号", "home_lat": "30.2766",
                "home_lon": "120.1371", "skills": "install;repair;model:GT06N",
                "daily_capacity": "8"}

    def keys(self, row: Row) -> Iterable[Hashable]:
        yield "username", _username_key(row["username"])

    def prepare(self, rows: Sequence[Row], ctx: ImportContext) -> None:
        index: dict[str, tuple[User, Technician | None]] = {}
        wanted = sorted({_username_key(row["username"]) for row in rows} - {""})
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            part = wanted[start:start + LOOKUP_CHUNK]
            for user, technician in db.session.execute(
                    select(User, Technician).outerjoin(Technician, Technician.user_id == User.id)
                    .where(User.username.in_(part))):
                index[user.username] = (user, technician)
        ctx.cache["index"] = index

    # --- one row ------------------------------------------------------------------------------

    def apply_row(self, row: Row, ctx: ImportContext) -> None:
        problems = Problems(row)
        username = problems.check("username", validate_username, row["username"])
        problems.raise_if_any()
        assert username is not None
        index: dict[str, tuple[User, Technician | None]] = ctx.cache["index"]
        user, technician = index.get(username, (None, None))
        if user is not None and technician is None:
            problems.add("username", _l("%(username)s is a user who is not a technician: the "
                                        "import changes technicians only.", username=username))
            problems.raise_if_any()
        given: dict[str, Any] = {column: row[column] for column in ("name", *PROFILE) if row[column]}
        address = self._address(row, problems)
        locating = (not row["home_lat"] and not row["home_lon"] and address is not None
                    and (technician is None or address != technician.home_address))
        if locating:  # checked with a stand-in point first: nothing is located for a bad row
            given["home_lat"], given["home_lon"] = _SOMEWHERE
        if technician is None:
            if not row["name"]:
                problems.add("name", _l("Required for a new technician."))
            if not locating and not (row["home_lat"] or row["home_lon"]):
                problems.add("home_lat", _l("Enter home_lat and home_lon, or a home_address "
                                            "that can be located."))
            values = self._check(problems, services.clean_new_technician,
                                 {**given, "username": username,
                                  "skills": given.get("skills", "")}, with_password=False)
        else:
            values = self._check(problems, services.clean_technician_changes, technician, given)
        problems.raise_if_any()
        point = None
        if locating:
            assert address is not None
            point = locate(address)
            if point is None:
                problems.add("home_address", _l("This address could not be located: enter "
                                                "home_lat and home_lon."))
                problems.raise_if_any()
        assert values is not None
        if technician is None:
            account, profile = values
            if point is not None:
                profile.update(home_lat=point.lat, home_lon=point.lon)
            technician = services.add_technician(account, profile)
            index[username] = (technician.user, technician)
            ctx.record("technicians", username, "created")
            return
        name, profile = values
        touched = [column for column in PROFILE if column in given]
        changes = {column: profile[column] for column in touched}
        if point is not None:
            changes.update(home_lat=point.lat, home_lon=point.lon)
        if "skills" in changes and set(changes["skills"]) == set(technician.skills):
            del changes["skills"]  # the same skills in another order change nothing
        changed = ctx.update(technician, changes)
        if name is not None:
            changed = ctx.update(technician.user, {"name": name}) or changed
        ctx.record("technicians", username, "updated" if changed else "unchanged")

    @staticmethod
    def _address(row: Row, problems: Problems) -> str | None:
        if not row["home_address"]:
            return None
        return problems.check("home_address", clean_text, row["home_address"], max_len=300)

    @staticmethod
    def _check(problems: Problems, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """``fn(...)`` of the services; its field errors become the row's problems."""
        try:
            return fn(*args, **kwargs)
        except ValidationFailed as exc:
            for field, message in exc.fields.items():
                problems.add(field if field in COLUMNS else "", message)
            return None

    # --- the other way ---------------------------------------------------------------------------

    def export_rows(self, user: User) -> Iterable[Sequence[Any]]:
        query = (select(User.username, User.name, Technician.phone, Technician.home_address,
                        Technician.home_lat, Technician.home_lon, Technician.skills,
                        Technician.daily_capacity)
                 .join(User, User.id == Technician.user_id).order_by(User.username))
        for (username, name, phone, address, lat, lon, skills,
             capacity) in db.session.execute(query):
            yield [username, name, phone, address, lat, lon,
                   SKILLS_SEPARATOR.join(skills or []), capacity]

    # --- what a run leaves to hand over ----------------------------------------------------------

    def run_links(self, run: ImportRun, viewer: User) -> list[RunLink]:
        """A one-time set-password link for each account the run created that still has no
        password. The accounts are found in the audit log, which names the run and the row of
        every record an import creates (``import #12 row 5``); each view makes fresh links."""
        if run.dry_run or not viewer.can(self.permission):
            return []
        prefix = f"import #{run.id} row "
        created: dict[int, int] = {}
        for after, note in db.session.execute(
                select(AuditLog.after, AuditLog.note).where(
                    AuditLog.entity == User.__tablename__, AuditLog.action == "create",
                    AuditLog.note.like(f"{prefix}%"))):
            user_id = (after or {}).get("id")  # a new record's row holds its id in ``after``
            if note and note[len(prefix):].isdigit() and isinstance(user_id, int):
                created[user_id] = int(note[len(prefix):])
        if not created:
            return []
        users = db.session.scalars(select(User).where(User.id.in_(list(created)))).all()
        links = []
        for user in sorted(users, key=lambda found: created[found.id]):
            row, label = created[user.id], user.display_name
            if has_usable_password(user):
                links.append(RunLink(row, user.username, label, None, None,
                                     str(_l("Password set."))))
            elif not user.active:
                links.append(RunLink(row, user.username, label, None, None,
                                     str(_l("Account deactivated."))))
            else:
                token, expires = make_token(user)
                links.append(RunLink(row, user.username, label,
                                     url_for("auth.set_password", token=token, _external=True),
                                     expires))
        return links

    def sample_rows(self, count: int, seed: int = 1) -> Iterable[Sequence[Any]]:
        example = self.template_row()
        for number in range(1, count + 1):
            row = {**example, "username": f"tech.{seed}.{number:05d}", "name": f"技术员{number}",
                   "phone": ""}
            yield [row[column] for column in COLUMNS]
