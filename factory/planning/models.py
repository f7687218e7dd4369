"""Planning runs (the exact instance the engine solved and the plan it made) and the organisers' pins."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from factory.accounts.models import Station, User
from factory.extensions import db
from factory.jobs.models import Job
from factory.orders.models import Lot
from factory.types import UTCDateTime, utcnow

RUN_STATUSES = ("queued", "running", "done", "failed", "cancelled")


class PlanRun(db.Model):
    """One solve of one station's open work (or the whole city's, `station_id` None)."""

    __tablename__ = "plan_run"
    __table_args__ = (Index("ix_plan_run_station_created", "station_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))
    status: Mapped[str] = mapped_column(String(20), default="queued")
    message: Mapped[str] = mapped_column(String(1000), default="")
    start_date: Mapped[date] = mapped_column()
    days: Mapped[int] = mapped_column()
    time_limit: Mapped[int] = mapped_column(default=30)
    instance: Mapped[dict[str, Any]] = deferred(mapped_column(JSON))
    lots: Mapped[dict[str, list[int]]] = deferred(mapped_column(JSON))  # instance order id -> lot ids
    plan: Mapped[dict[str, Any] | None] = deferred(mapped_column(JSON))
    stats: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"))
    previous_run_id: Mapped[int | None] = mapped_column(ForeignKey("plan_run.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a lot moved by hand
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    publish_result: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    station: Mapped[Station | None] = relationship()
    job: Mapped[Job | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])
    previous_run: Mapped[PlanRun | None] = relationship(remote_side=[id])

    @property
    def is_city(self) -> bool:
        return self.station_id is None

    @property
    def state(self) -> str:
        """The run's status, with a failure or cancelling of its job shown even before the run row knew."""
        if self.status in ("done", "failed", "cancelled") or self.job is None:
            return self.status
        if self.job.status in ("failed", "cancelled"):
            return self.job.status
        if self.job.status == "running":
            return "running"
        return self.status

    @property
    def failure(self) -> str:
        if self.state == "failed":
            return self.message or (self.job.message if self.job else "")
        return ""


class PlanPin(db.Model):
    """A lot an organiser fixed to a worker: every later run of the same scope keeps it.

    The scope is a station (`station_id`), or the city's runs (`station_id` None); `run_id` is the run the
    organiser was looking at when they pinned it.
    """

    __tablename__ = "plan_pin"
    __table_args__ = (Index("ix_plan_pin_station_lot", "station_id", "lot_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("plan_run.id", ondelete="SET NULL"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("order_lot.id", ondelete="CASCADE"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lot: Mapped[Lot] = relationship(lazy="joined")
    worker: Mapped[User] = relationship(foreign_keys=[worker_id], lazy="joined")
