"""Imports every model module so the metadata (and Alembic) sees all tables.

The one place allowed to import from every domain package.
"""

from dispatch.audit.log import AuditLog
from dispatch.auth.models import ApiToken, User, UserRole
from dispatch.cache import CacheVersion
from dispatch.geo.models import GeocodeCache
from dispatch.handovers.log import Handover, Notification
from dispatch.jobs.models import Job
from dispatch.registry.models import Customer, Installation, Sim, Terminal, Vehicle
from dispatch.sequences import Sequence
from dispatch.technicians.models import Technician
from dispatch.web.idempotency import IdempotencyKey
from inventory.models import Location, Part, StockBalance, StockMovement
from workorders.care.models import (
    AuditCheck,
    Callback,
    Complaint,
    ComplaintFollowUp,
    SafetyIncident,
    ServicePoints,
)
from workorders.finance.invoices import Invoice
from workorders.finance.models import Adjustment, CashHandover, Collection, LockedDay
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
