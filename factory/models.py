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
from factory.planning.models import PlanPin, PlanRun
from factory.production.models import (
    Inspection,
    InspectionPhoto,
    MaterialMovement,
    Notice,
    RejectReason,
    Report,
    Task,
    TaskDay,
    TaskRequestKey,
)
from factory.reference.models import District, MinimumWage, Skill
from factory.reports.models import MonthFigures
from factory.workers.models import (
    Attendance,
    Course,
    CourseParticipant,
    CourseSession,
    HoursException,
    SkillTrial,
    WeeklyHours,
    WorkerProfile,
    WorkerReach,
    WorkerSkill,
)

__all__ = [
    "PlanPin",
    "PlanRun",
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
    "Attendance",
    "Course",
    "CourseParticipant",
    "CourseSession",
    "HoursException",
    "AuditEntry",
    "District",
    "Enterprise",
    "Inspection",
    "InspectionPhoto",
    "Job",
    "LoginFailure",
    "MaterialMovement",
    "MinimumWage",
    "MonthFigures",
    "Notice",
    "RejectReason",
    "Report",
    "Skill",
    "SkillTrial",
    "Station",
    "Task",
    "TaskDay",
    "TaskRequestKey",
    "User",
    "UserSession",
    "WeeklyHours",
    "WorkerProfile",
    "WorkerReach",
    "WorkerSkill",
]
