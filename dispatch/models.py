"""Imports every model module so the metadata (and Alembic) sees all tables."""

from dispatch.audit import AuditLog
from dispatch.auth.models import ApiToken, User, UserRole
from dispatch.registry.models import Customer, Sim, Terminal, Vehicle
from dispatch.technicians.models import Technician

__all__ = [
    "ApiToken", "AuditLog", "Customer", "Sim", "Technician", "Terminal", "User", "UserRole",
    "Vehicle",
]
