"""Import every feature's models so that SQLAlchemy and Alembic know all tables."""

from factory.accounts.models import ApiToken, Enterprise, LoginFailure, Station, User, UserSession
from factory.audit.models import AuditEntry
from factory.jobs.models import Job
from factory.orders.models import (
    Acceptance,
    Delivery,
    DeliveryLine,
    Lot,
    Order,
    OrderMaterial,
    OrderRequestKey,
    OrderTarget,
)
from factory.payroll.models import Adjustment, OrderRate, PayeeAccount, PayLine, PayPeriod, PaySlip
from factory.production.models import (
    Inspection,
    InspectionPhoto,
    MaterialMovement,
    Notice,
    RejectReason,
    Report,
    Task,
    TaskDay,
)
from factory.reference.models import District, MinimumWage, Skill

__all__ = [
    "Adjustment",
    "OrderRate",
    "PayeeAccount",
    "PayLine",
    "PayPeriod",
    "PaySlip",
    "Acceptance",
    "Delivery",
    "DeliveryLine",
    "Lot",
    "Order",
    "OrderMaterial",
    "OrderRequestKey",
    "OrderTarget",
    "ApiToken",
    "AuditEntry",
    "District",
    "Enterprise",
    "Inspection",
    "InspectionPhoto",
    "Job",
    "LoginFailure",
    "MaterialMovement",
    "MinimumWage",
    "Notice",
    "RejectReason",
    "Report",
    "Skill",
    "Station",
    "Task",
    "TaskDay",
    "User",
    "UserSession",
]
