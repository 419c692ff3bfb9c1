"""The audit log page for managers and admins."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import select

from dispatch.audit.log import AuditLog
from dispatch.auth.models import User
from dispatch.extensions import db
from dispatch.web.security import page_requires

bp = Blueprint("audit", __name__)


@bp.get("/audit")
@page_requires("audit.view")
def index():
    entity = request.args.get("entity", "").strip()
    entity_id = request.args.get("entity_id", "").strip()
    query = (select(AuditLog, User.username).outerjoin(User, User.id == AuditLog.user_id)
             .order_by(AuditLog.id.desc()))
    if entity:
        query = query.where(AuditLog.entity == entity)
    if entity_id:
        query = query.where(AuditLog.entity_id == entity_id)
    rows = db.session.execute(query.limit(200)).all()
    entities = db.session.scalars(select(AuditLog.entity).distinct().order_by(AuditLog.entity))
    return render_template("audit/index.html", rows=rows, entity=entity, entity_id=entity_id,
                           entities=list(entities))
