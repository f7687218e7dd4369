"""Payroll: pay periods per station, frozen pay slips with their lines, adjustments, rate changes, payees.

Money is integer fen; piece rates integer rate units (1/100 fen, see `factory.money`). A slip is written
once, when its period closes, and never changed afterwards: a later correction is an `Adjustment` in an
open period whose `corrects_slip_id` / `corrects_line_id` names what it corrects. Hours of the
minimum-wage check are exact rationals, kept as numerator and denominator.
"""

from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from factory.accounts.models import Station, User
from factory.extensions import db
from factory.types import UTCDateTime, utcnow

REASON_MAX = 500
PERIOD_STATUSES = ("open", "closed")
# The order's own rate applies "from the start": rate changes get rows with later dates.
RATE_ORIGIN = date(2000, 1, 1)


class PayPeriod(db.Model):
    """A station's span of days whose accepted pieces are paid together (both ends included)."""

    __tablename__ = "pay_period"
    __table_args__ = (
        UniqueConstraint("station_id", "start"),
        UniqueConstraint("id", "station_id"),  # the target of the slips' (period, station) key
        CheckConstraint('"end" >= start', name="end_after_start"),
        Index("ix_pay_period_station_status", "station_id", "status"),
        Index("ix_pay_period_status_end", "status", "end"),  # closed periods by the day they end
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    start: Mapped[date] = mapped_column()
    end: Mapped[date] = mapped_column()
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Filled in when the period closes, for summaries without summing the slips again.
    workers_paid: Mapped[int] = mapped_column(default=0)
    total_fen: Mapped[int] = mapped_column(default=0)
    hourly_minimum_fen: Mapped[int | None] = mapped_column()

    station: Mapped[Station] = relationship(lazy="joined")
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def __repr__(self) -> str:
        return f"<PayPeriod {self.id} {self.start}..{self.end} {self.status}>"


class PaySlip(db.Model):
    """One worker's pay for one closed period (工资条), frozen when the period closed.

    `station_id` repeats the period's station (for per-station reports); one foreign key on
    (period, station) both ties the slip to its period and keeps the two the same.
    """

    __tablename__ = "pay_slip"
    __table_args__ = (
        UniqueConstraint("period_id", "worker_id"),
        # The target of the lines' (slip, worker) key, and the index of a worker's slips.
        UniqueConstraint("worker_id", "id"),
        ForeignKeyConstraint(["period_id", "station_id"], ["pay_period.id", "pay_period.station_id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column()
    worker_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    station_id: Mapped[int] = mapped_column(index=True)
    worker_name: Mapped[str] = mapped_column(String(50))  # as it was when the slip was made
    accepted_pieces: Mapped[int] = mapped_column(default=0)
    rejected_pieces: Mapped[int] = mapped_column(default=0)  # rejected for good (rework rejections are not)
    # Pieces rejected for rework in the period (inspected again, paid if they pass then): the first-pass
    # rejections are rejected_pieces + rework_pieces.
    rework_pieces: Mapped[int] = mapped_column(default=0, server_default="0")
    lines_fen: Mapped[int] = mapped_column(default=0)
    adjustments_fen: Mapped[int] = mapped_column(default=0)
    total_fen: Mapped[int] = mapped_column(default=0)
    # The minimum-wage check as computed at closing (piece earnings only, adjustments excluded).
    hourly_minimum_fen: Mapped[int | None] = mapped_column()
    hours_numerator: Mapped[int] = mapped_column(default=0)
    hours_denominator: Mapped[int] = mapped_column(default=1)
    hours_source: Mapped[str | None] = mapped_column(String(10))
    required_fen: Mapped[int | None] = mapped_column()
    shortfall_fen: Mapped[int] = mapped_column(default=0)
    earnings_per_hour_fen: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    period: Mapped[PayPeriod] = relationship(lazy="joined")
    worker: Mapped[User] = relationship()
    lines: Mapped[list[PayLine]] = relationship(order_by="PayLine.id", back_populates="slip")
    adjustments: Mapped[list[Adjustment]] = relationship(
        order_by="Adjustment.id", foreign_keys="Adjustment.slip_id", back_populates="slip"
    )

    @property
    def hours(self) -> Fraction:
        return Fraction(self.hours_numerator, self.hours_denominator)

    @property
    def number(self) -> str:
        """The number printed on the slip."""
        return f"GZ{self.period.start:%Y%m%d}-{self.id:06d}"

    @property
    def topped_up_fen(self) -> int:
        """Top-ups of this slip's own period (a top-up carried here for an earlier slip covers that one)."""
        return sum(
            a.amount_fen
            for a in self.adjustments
            if a.kind == "minimum_wage_top_up" and a.corrects_slip_id is None
        )

    @property
    def top_ups_paid_fen(self) -> int:
        """Every minimum-wage top-up paid with this slip: its own period's and those for earlier slips."""
        return sum(a.amount_fen for a in self.adjustments if a.kind == "minimum_wage_top_up")

    @property
    def shortfall_left_fen(self) -> int:
        """Shortfall not covered by a top-up on this slip or by a later top-up that corrects it."""
        return max(0, self.shortfall_fen - self.topped_up_fen)


class PayLine(db.Model):
    """Accepted pieces of one order at one rate on a slip; `prior_pieces` explain cumulative rounding.

    `worker_id` repeats the slip's worker (for the pieces already paid per worker, order and rate); one
    foreign key on (slip, worker) both ties the line to its slip and keeps the two the same.
    """

    __tablename__ = "pay_line"
    __table_args__ = (
        Index("ix_pay_line_worker_order_rate", "worker_id", "order_id", "rate_units"),
        ForeignKeyConstraint(["slip_id", "worker_id"], ["pay_slip.id", "pay_slip.worker_id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slip_id: Mapped[int] = mapped_column(index=True)
    worker_id: Mapped[int] = mapped_column()
    order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"))
    product: Mapped[str] = mapped_column(String(100))
    rate_units: Mapped[int] = mapped_column()
    accepted_pieces: Mapped[int] = mapped_column()
    rejected_pieces: Mapped[int] = mapped_column(default=0)  # rejected for good, as on the slip
    prior_pieces: Mapped[int] = mapped_column(default=0)
    amount_fen: Mapped[int] = mapped_column()

    slip: Mapped[PaySlip] = relationship(back_populates="lines")


class Adjustment(db.Model):
    """A bonus, deduction, correction or minimum-wage top-up for a worker in an open period.

    `amount_fen` is the signed effect on the total. When the period closes, `slip_id` ties it to the
    worker's slip and it is frozen with it.
    """

    __tablename__ = "pay_adjustment"
    __table_args__ = (
        Index("ix_pay_adjustment_period_worker", "period_id", "worker_id"),
        CheckConstraint("amount_fen <> 0", name="nonzero"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("pay_period.id"))
    worker_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(30))
    amount_fen: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(String(REASON_MAX))
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    corrects_slip_id: Mapped[int | None] = mapped_column(ForeignKey("pay_slip.id"), index=True)
    corrects_line_id: Mapped[int | None] = mapped_column(ForeignKey("pay_line.id"))
    slip_id: Mapped[int | None] = mapped_column(ForeignKey("pay_slip.id"), index=True)

    period: Mapped[PayPeriod] = relationship()
    worker: Mapped[User] = relationship(foreign_keys=[worker_id])
    made_by: Mapped[User | None] = relationship(foreign_keys=[made_by_id])
    slip: Mapped[PaySlip | None] = relationship(foreign_keys=[slip_id], back_populates="adjustments")
    corrects_slip: Mapped[PaySlip | None] = relationship(foreign_keys=[corrects_slip_id])
    corrects_line: Mapped[PayLine | None] = relationship(foreign_keys=[corrects_line_id])


class OrderRate(db.Model):
    """A piece rate of an order in force from `effective_from` (the order's own rate is the first row)."""

    __tablename__ = "pay_order_rate"
    __table_args__ = (
        UniqueConstraint("order_id", "effective_from"),
        CheckConstraint("rate_units > 0", name="positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"), index=True)
    effective_from: Mapped[date] = mapped_column()
    rate_units: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(String(REASON_MAX), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PayeeAccount(db.Model):
    """Where a worker's pay is transferred: the bank and the account number, encrypted, shown masked."""

    __tablename__ = "payee_account"

    worker_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    holder_name: Mapped[str] = mapped_column(String(50))
    bank_name: Mapped[str] = mapped_column(String(100))
    account_cipher: Mapped[str] = mapped_column(Text)  # Fernet token; the key lives outside the database
    account_masked: Mapped[str] = mapped_column(String(40))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
