"""Technician profiles: creation with their account, edits, position reports."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import time
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select

from dispatch import settings
from dispatch.auth.models import User
from dispatch.auth.roles import TECHNICIAN
from dispatch.auth.services import clean_user, new_user
from dispatch.errors import FieldErrors, Forbidden, NotFound, ValidationFailed
from dispatch.extensions import db
from dispatch.labels import label
from dispatch.technicians.models import KIND_SKILLS, Technician
from dispatch.text import boolean, clean_text
from dispatch.timeutil import utcnow
from dispatch.validators import normalize_phone, validate_latlon

PROFILE_FIELDS = ("phone", "home_address", "home_lat", "home_lon", "skills", "work_start",
                  "work_end", "daily_capacity", "active", "contractor", "van_tracker_id")
#: What separates skills in one cell or field: commas or semicolons (also full-width), 、.
SKILL_SEPARATORS = re.compile(r"[,;，；、]")


def skill_text(skill: str) -> str:
    """A skill as people read it: an order kind by its label, ``model:<name>`` as it is."""
    return str(label(skill)) if skill in KIND_SKILLS else skill


def _kind_by_label() -> dict[str, str]:
    """Order kinds by their labels in every language, so a skill may be typed as it reads."""
    found: dict[str, str] = {}
    for locale in ("en", "zh_Hans"):
        with force_locale(locale):
            found.update({str(label(kind)).lower(): kind for kind in KIND_SKILLS})
    return found


def parse_skills(raw: Any) -> list[str]:
    """Order kinds (install, repair, removal, inspection) and ``model:<name>`` entries, as a
    list or as text separated by commas or semicolons (``install;repair``)."""
    items = SKILL_SEPARATORS.split(raw) if isinstance(raw, str) else list(raw or [])
    skills: list[str] = []
    for item in items:
        skill = str(item).strip()
        if not skill:
            continue
        if skill.lower() in KIND_SKILLS:
            skill = skill.lower()
        elif skill.lower() in _kind_by_label():
            skill = _kind_by_label()[skill.lower()]
        elif skill.lower().startswith("model:") and 6 < len(skill) <= 66:
            skill = "model:" + skill[6:].strip()
        else:
            raise ValueError(_l("Unknown skill “%(skill)s”: use %(kinds)s or model:<name>.",
                                skill=skill, kinds="、".join(map(skill_text, KIND_SKILLS))))
        if skill not in skills:
            skills.append(skill)
    return skills


def _parse_time(raw: Any) -> time:
    if isinstance(raw, time):
        return raw
    try:
        return time.fromisoformat(str(raw).strip())
    except ValueError as exc:
        raise ValueError(_l("Enter a time as HH:MM.")) from exc


def _parse_capacity(raw: Any) -> int:
    try:
        value = int(str(raw).strip())
    except ValueError as exc:
        raise ValueError(_l("Enter a whole number.")) from exc
    if not 0 <= value <= 50:
        raise ValueError(_l("Between 0 and 50 orders a day."))
    return value


def _clean_profile(data: Mapping[str, Any]) -> dict[str, Any]:
    errors = FieldErrors()
    clean: dict[str, Any] = {
        "phone": errors.check("phone", normalize_phone, data["phone"], settings.phone_region())
        if data.get("phone") else "",
        "home_address": errors.check("home_address", clean_text, data.get("home_address"),
                                     max_len=300) or "",
        "skills": errors.check("skills", parse_skills, data.get("skills")),
        "work_start": errors.check("work_start", _parse_time, data.get("work_start") or "08:30"),
        "work_end": errors.check("work_end", _parse_time, data.get("work_end") or "17:30"),
        "daily_capacity": errors.check(
            "daily_capacity", _parse_capacity,
            data.get("daily_capacity") if data.get("daily_capacity") not in (None, "")
            else settings.daily_capacity(),
        ),
        "active": errors.check("active", boolean, data.get("active", True)),
        "contractor": errors.check("contractor", boolean, data.get("contractor", False)),
        # The van's own tracker on the tracking platform (its uniqueId), if it has one.
        "van_tracker_id": errors.check("van_tracker_id", clean_text, data.get("van_tracker_id"),
                                       max_len=32) or None,
    }
    home = data.get("home_lat"), data.get("home_lon")
    if home[0] in (None, "") or home[1] in (None, ""):
        errors.add("home_lat", _l("Enter the home base latitude and longitude."))
    else:
        point = errors.check("home_lat", validate_latlon, *home)
        if point:
            clean["home_lat"], clean["home_lon"] = point
    if not errors.errors and clean["work_start"] >= clean["work_end"]:
        errors.add("work_end", _l("The working day must end after it starts."))
    errors.raise_if_any()
    return clean


def clean_new_technician(data: Mapping[str, Any], *, with_password: bool = True
                         ) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new technician's account and profile values, checked together (every field's problem
    at once, nothing written). ``with_password=False``: the account gets no usable password
    (an import; its owner sets one through a one-time link)."""
    fields: dict[str, str] = {}
    message = ""
    profile: dict[str, Any] = {}
    account: dict[str, Any] = {}
    try:
        profile = _clean_profile(data)
    except ValidationFailed as exc:
        fields.update(exc.fields)
        message = exc.message
    try:
        account = clean_user(data.get("username") or "",
                             (data.get("password") or "") if with_password else None,
                             [TECHNICIAN], name=data.get("name") or "")
    except ValidationFailed as exc:
        fields = {**exc.fields, **fields}
        message = exc.message
    if fields:
        raise ValidationFailed(message, fields)
    return account, profile


def add_technician(account: Mapping[str, Any], profile: Mapping[str, Any]) -> Technician:
    """The user and technician profile of :func:`clean_new_technician`'s values, added to the
    session (not flushed). The van follows on demand (``inventory/locations.py``)."""
    technician = Technician(user=new_user(dict(account)), **profile)
    db.session.add(technician)
    return technician


def create_technician(data: Mapping[str, Any]) -> Technician:
    """A new user with the technician role and its profile, validated together."""
    technician = add_technician(*clean_new_technician(data))
    db.session.flush()
    return technician


def clean_technician_changes(technician: Technician, changes: Mapping[str, Any]
                             ) -> tuple[str | None, dict[str, Any]]:
    """The technician's profile with ``changes`` applied, checked (nothing written), and the
    new name (None when ``changes`` has none)."""
    current = {key: getattr(technician, key) for key in PROFILE_FIELDS}
    fields: dict[str, str] = {}
    clean: dict[str, Any] = {}
    try:
        clean = _clean_profile({**current, **{k: v for k, v in changes.items()
                                              if k in PROFILE_FIELDS}})
    except ValidationFailed as exc:
        fields.update(exc.fields)
    name = None
    if "name" in changes:
        errors = FieldErrors()
        name = errors.check("name", clean_text, changes["name"], max_len=100)
        fields.update(errors.errors)
    if fields:
        raise ValidationFailed(str(_l("Some fields are not valid.")), fields)
    return name, clean


def update_technician(technician: Technician, changes: Mapping[str, Any]) -> Technician:
    name, clean = clean_technician_changes(technician, changes)
    if name is not None:
        technician.user.name = name
    for key, value in clean.items():
        setattr(technician, key, value)
    db.session.flush()
    return technician


def get_technician(technician_id: int) -> Technician:
    technician = db.session.get(Technician, technician_id)
    if technician is None:
        raise NotFound(_l("No such technician."))
    return technician


def technician_for_user(user: User) -> Technician | None:
    return db.session.scalar(select(Technician).where(Technician.user_id == user.id))


def report_location(technician: Technician, user: User, lat: Any, lon: Any) -> Technician:
    """Record the position a technician's tablet reports; only that technician may."""
    if technician.user_id != user.id:
        raise Forbidden(_l("You can only report your own position."))
    errors = FieldErrors()
    point = errors.check("lat", validate_latlon, lat, lon)
    if point is None and not errors.errors:
        errors.add("lat", _l("Enter the latitude and longitude."))
    errors.raise_if_any()
    technician.last_lat, technician.last_lon = point
    technician.last_seen_at = utcnow()
    db.session.flush()
    return technician


def technician_choices() -> list[Any]:
    """``(id, name)`` of every technician by name, for filter drop-downs: columns only, since
    there may be hundreds (the name as :attr:`Technician.name` gives it)."""
    return list(db.session.execute(
        select(Technician.id, User.display_name.label("name"))
        .join(User, User.id == Technician.user_id).order_by(User.name, User.username)).all())


def search_technicians(q: str = "", active_only: bool = False) -> Select[Technician]:
    query = select(Technician).join(Technician.user).order_by(User.name, User.username)
    if q.strip():
        like = f"%{q.strip()}%"
        query = query.where(or_(User.name.ilike(like), User.username.ilike(like),
                                Technician.phone.ilike(like)))
    if active_only:
        query = query.where(Technician.active.is_(True))
    return query
