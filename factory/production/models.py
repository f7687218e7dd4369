"""Production: workers' tasks, their daily plan, reports of finished pieces, inspections, material, notices.

A task keeps running totals (`reported`, `accepted`, `scrapped`, `rework`) beside the rows they add up, so
that the limits the floor lives by are single conditional updates the database checks itself:
pieces reported never exceed the lot, pieces accepted plus scrapped never exceed what was reported (CHECK
constraints back both). The rows (`Report`, `Inspection`) stay the record that pay and progress read.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    Numeric,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from factory.accounts.models import Station, User
from factory.extensions import db
from factory.orders.models import Lot, Order, OrderMaterial
from factory.types import UTCDateTime, utcnow

KEY_MAX = 100
REASON_MAX = 500
NOTE_MAX = 500
PHOTO_MAX_BYTES = 10 * 1024 * 1024


class TaskStatus(StrEnum):
    ASSIGNED = "assigned"
    PICKED_UP = "picked_up"
    IN_PROGRESS = "in_progress"
    RETURNED = "returned"
    INSPECTED = "inspected"
    DONE = "done"
    DECLINED = "declined"
    CANCELLED = "cancelled"


DEAD = (TaskStatus.DECLINED.value, TaskStatus.CANCELLED.value)
STARTED = (
    TaskStatus.PICKED_UP.value,
    TaskStatus.IN_PROGRESS.value,
    TaskStatus.RETURNED.value,
    TaskStatus.INSPECTED.value,
    TaskStatus.DONE.value,
)
# A worker may report pieces on these; a done, declined or cancelled task takes no more.
REPORTABLE = (
    TaskStatus.ASSIGNED.value,
    TaskStatus.PICKED_UP.value,
    TaskStatus.IN_PROGRESS.value,
    TaskStatus.RETURNED.value,
    TaskStatus.INSPECTED.value,
)
_LIVE_WHERE = "status NOT IN ('declined', 'cancelled')"


class Task(db.Model):
    """A lot published to a worker; at most one live task per lot."""

    __tablename__ = "production_task"
    __table_args__ = (
        Index(
            "uq_production_task_live_lot",
            "lot_id",
            unique=True,
            sqlite_where=text(_LIVE_WHERE),
            postgresql_where=text(_LIVE_WHERE),
        ),
        Index("ix_production_task_worker_status", "worker_id", "status"),
        Index("ix_production_task_station_status", "station_id", "status"),
        # Closing a pay period walks a station's tasks in (worker, order) order: the GROUP BY is an index scan.
        Index("ix_production_task_station_worker_order", "station_id", "worker_id", "order_id"),
        CheckConstraint("pieces > 0", name="pieces_positive"),
        CheckConstraint("reported >= 0 AND reported <= pieces", name="reported_within_lot"),
        CheckConstraint("accepted >= 0 AND scrapped >= 0 AND rework >= 0", name="counts_not_negative"),
        CheckConstraint("accepted + scrapped <= reported", name="inspected_within_reported"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("order_lot.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    pieces: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default=TaskStatus.ASSIGNED.value)
    plan_run_id: Mapped[int | None] = mapped_column()
    # Running totals of the rows below (see the module docstring).
    reported: Mapped[int] = mapped_column(default=0, server_default="0")
    accepted: Mapped[int] = mapped_column(default=0, server_default="0")
    scrapped: Mapped[int] = mapped_column(default=0, server_default="0")  # rejected for good
    rework: Mapped[int] = mapped_column(default=0, server_default="0")  # rejected, back with the worker
    declined_reason: Mapped[str | None] = mapped_column(String(REASON_MAX))
    picked_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reassigned_from_id: Mapped[int | None] = mapped_column(ForeignKey("production_task.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    lot: Mapped[Lot] = relationship()
    order: Mapped[Order] = relationship()
    worker: Mapped[User] = relationship(foreign_keys=[worker_id])
    station: Mapped[Station] = relationship()
    days: Mapped[list[TaskDay]] = relationship(
        order_by="TaskDay.day", cascade="all, delete-orphan", back_populates="task"
    )

    @property
    def live(self) -> bool:
        return self.status not in DEAD

    @property
    def left(self) -> int:
        """Pieces still to make."""
        return self.pieces - self.reported

    @property
    def awaiting_inspection(self) -> int:
        """Pieces reported and not yet inspected for good: those waiting plus those back for rework.
        An inspection may take up to this many (reworked pieces are inspected again when they come back)."""
        return self.reported - self.accepted - self.scrapped

    @property
    def ready_for_inspection(self) -> int:
        """Pieces handed in that wait for inspection (待质检): reported, not yet inspected, and not with the
        worker for rework. The task page and the day board both show this number, and rework beside it."""
        return max(0, self.awaiting_inspection - self.rework)

    def __repr__(self) -> str:
        return f"<Task {self.id} lot={self.lot_id} worker={self.worker_id} {self.status}>"


class TaskDay(db.Model):
    """Pieces of a task planned for one day (fractions allowed: a piece may span two days)."""

    __tablename__ = "production_task_day"
    __table_args__ = (UniqueConstraint("task_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("production_task.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(index=True)
    pieces: Mapped[Decimal] = mapped_column(Numeric(10, 2))

    task: Mapped[Task] = relationship(back_populates="days")


class Report(db.Model):
    """A worker's count of pieces finished since the last report; one per idempotency key."""

    __tablename__ = "production_report"
    __table_args__ = (
        UniqueConstraint("worker_id", "idempotency_key"),
        CheckConstraint("pieces > 0", name="pieces_positive"),
        Index("ix_production_report_task", "task_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("production_task.id"))
    worker_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    pieces: Mapped[int] = mapped_column()
    minutes: Mapped[int | None] = mapped_column()
    idempotency_key: Mapped[str] = mapped_column(String(KEY_MAX))
    body_hash: Mapped[str] = mapped_column(String(64))
    reported_after: Mapped[int] = mapped_column(default=0)  # the task's total with this report
    reported_on: Mapped[date] = mapped_column(index=True)  # the local day, for progress by day
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    task: Mapped[Task] = relationship()


class TaskRequestKey(db.Model):
    """A worker's change to a task (decline, hand in) sent with an idempotency key, one per (worker, key).

    The phone's outbox sends a change again when it did not get the answer; the same key with the same body
    is answered as the first time and changes nothing more, the same key with another body is refused.
    """

    __tablename__ = "production_task_request_key"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(KEY_MAX))
    task_id: Mapped[int] = mapped_column(ForeignKey("production_task.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    body_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RejectReason(db.Model):
    """A reason a station gives for rejecting pieces (its own list; a new station starts with a default)."""

    __tablename__ = "production_reject_reason"
    __table_args__ = (UniqueConstraint("station_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class Inspection(db.Model):
    """The organiser's count of accepted and rejected pieces of a returned lot."""

    __tablename__ = "production_inspection"
    __table_args__ = (
        CheckConstraint("accepted >= 0 AND rejected >= 0", name="counts_not_negative"),
        CheckConstraint("accepted + rejected > 0", name="something_inspected"),
        # Covers what pay needs of a task's inspections in a span of days, without reading the table.
        Index("ix_production_inspection_task_day", "task_id", "inspected_on", "accepted", "rejected"),
        Index("ix_production_inspection_on", "inspected_on"),
        # The employment figures' first paid day per worker: an index-only range over paid inspections.
        Index(
            "ix_production_inspection_paid_on",
            "inspected_on",
            "task_id",
            sqlite_where=text("accepted > 0"),
            postgresql_where=text("accepted > 0"),
        ),
        # The stored monthly figures ask what was recorded since they were computed.
        Index("ix_production_inspection_created", "created_at", "inspected_on"),
        # Pay leaves out the pieces sent back for rework (they are inspected again): an index-only look-up
        # of a task's few rework inspections in a span of days. The conditions are the ones SQLAlchemy
        # renders for `Inspection.rework` (SQLite only uses a partial index whose condition the query
        # repeats), and `rework` is a column too: SQLite reads a column of the query's condition from the
        # table otherwise.
        Index(
            "ix_production_inspection_rework",
            "task_id",
            "inspected_on",
            "rejected",
            "rework",
            sqlite_where=text("rework = 1"),
            postgresql_where=text("rework"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("production_task.id"))
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    accepted: Mapped[int] = mapped_column()
    rejected: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(String(REASON_MAX), default="")
    reason_code: Mapped[str | None] = mapped_column(String(40))
    inspected_on: Mapped[date] = mapped_column()  # the pay date of the accepted pieces
    rework: Mapped[bool] = mapped_column(default=False)  # the rejected pieces went back to the worker
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    task: Mapped[Task] = relationship()
    organiser: Mapped[User | None] = relationship()
    photo: Mapped[InspectionPhoto | None] = relationship(
        back_populates="inspection", cascade="all, delete-orphan", uselist=False
    )


class InspectionPhoto(db.Model):
    """A photo of rejected pieces, kept in the database (one per inspection, at most 10 MB)."""

    __tablename__ = "production_inspection_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("production_inspection.id", ondelete="CASCADE"), unique=True
    )
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column()
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    inspection: Mapped[Inspection] = relationship(back_populates="photo")


class MovementKind(StrEnum):
    ISSUE = "issue"
    RETURN = "return"
    LOSS = "loss"


class MaterialMovement(db.Model):
    """Material of one item of an order's list handed out to, taken back from, or lost by a worker."""

    __tablename__ = "production_material_movement"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_production_material_station_lot", "station_id", "lot_id"),
        Index("ix_production_material_task", "task_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("order_lot.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("production_task.id"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    material_id: Mapped[int] = mapped_column(ForeignKey("order_material.id"))
    kind: Mapped[str] = mapped_column(String(10))
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    note: Mapped[str] = mapped_column(String(NOTE_MAX), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    material: Mapped[OrderMaterial] = relationship(lazy="joined")
    lot: Mapped[Lot] = relationship()


class Notice(db.Model):
    """Something a user should see on their phone or board: a new or changed task, a declined task."""

    __tablename__ = "production_notice"
    __table_args__ = (Index("ix_production_notice_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
