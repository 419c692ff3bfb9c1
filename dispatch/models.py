"""Imports every model module so the metadata (and Alembic) sees all tables.

The one place allowed to import from every domain package.
"""

from dispatch.audit import AuditLog
from dispatch.auth.models import ApiToken, User, UserRole
from dispatch.cache import CacheVersion
from dispatch.care_log import Handover, Notification
from dispatch.geo.models import GeocodeCache
from dispatch.idempotency import IdempotencyKey
from dispatch.jobs.models import Job
from dispatch.registry.models import Customer, Installation, Sim, Terminal, Vehicle
from dispatch.sequences import Sequence
from dispatch.technicians.models import Technician
from inventory.models import Location, Part, StockBalance, StockMovement
from workorders.care_models import (
    AuditCheck,
    Callback,
    Complaint,
    ComplaintFollowUp,
    SafetyIncident,
    ServicePoints,
)
from workorders.finance_models import Adjustment, CashHandover, Collection, LockedDay
from workorders.invoices import Invoice
from workorders.models import (
    OrderPart,
    PlannedPart,
    ShortageApproval,
    Swap,
    WorkOrder,
    WorkOrderEvent,
)
from workorders.photos import OrderPhoto

__all__ = [
    "Adjustment", "ApiToken", "AuditCheck", "AuditLog", "CacheVersion", "Callback", "CashHandover",
    "Collection", "Complaint", "ComplaintFollowUp", "Customer", "GeocodeCache", "Handover",
    "IdempotencyKey", "Installation", "Invoice", "Job", "Location", "LockedDay", "Notification",
    "OrderPart", "OrderPhoto", "Part", "PlannedPart", "SafetyIncident", "Sequence",
    "ServicePoints", "ShortageApproval", "Sim", "StockBalance", "StockMovement", "Swap",
    "Technician", "Terminal", "User", "UserRole", "Vehicle", "WorkOrder", "WorkOrderEvent",
]
