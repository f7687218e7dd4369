"""Orders: what an enterprise posts, the lots it splits into, the stations that take it on, deliveries.

Lots are rows keyed by (order, index) because planning and production refer to them that way; a lot's
`station_id` is set when a station takes it on. Piece rates are integer rate units (1/100 fen, see
`factory.money`), fees are fen, standard minutes are exact decimals.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from factory.accounts.models import Enterprise, Station, User
from factory.extensions import db
from factory.reference.models import Skill
from factory.types import UTCDateTime, utcnow

# Field lengths, shared by the forms, the API and the import so that each refuses the same text.
PRODUCT_MAX = 100
REFERENCE_MAX = 60
DESCRIPTION_MAX = 2000
QUALITY_MAX = 2000
NOTE_MAX = 1000
REASON_MAX = 500
MATERIAL_ITEM_MAX = 100
MATERIAL_UNIT_MAX = 20


class Order(db.Model):
    __tablename__ = "work_order"
    __table_args__ = (
        Index("ix_work_order_enterprise_status", "enterprise_id", "status"),
        Index("ix_work_order_due_date", "due_date"),  # orders due in a span (on-time delivery)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    reference: Mapped[str] = mapped_column(String(REFERENCE_MAX), default="")  # the enterprise's own number
    product: Mapped[str] = mapped_column(String(PRODUCT_MAX))
    description: Mapped[str] = mapped_column(String(DESCRIPTION_MAX), default="")
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id"))
    quantity: Mapped[int] = mapped_column()
    lot_size: Mapped[int] = mapped_column()
    piece_rate_units: Mapped[int] = mapped_column()  # paid to the worker, 1/100 fen
    standard_minutes: Mapped[Decimal] = mapped_column(Numeric(8, 2))  # per piece, the quota behind the rate
    service_fee_fen: Mapped[int] = mapped_column(default=0)  # per piece, paid to the station
    due_date: Mapped[date] = mapped_column()
    quality_standard: Mapped[str] = mapped_column(String(QUALITY_MAX), default="")
    note: Mapped[str] = mapped_column(String(NOTE_MAX), default="")
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    open_to_all: Mapped[bool] = mapped_column(default=True)
    below_minimum_reason: Mapped[str | None] = mapped_column(String(REASON_MAX))
    wage_check: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the figures compared when posted
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "Order again": the order this one was made from, and whether it was made for the pieces that order
    # missed on receipt (those count as ordered again, so the same pieces are not ordered twice).
    follows_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("work_order.id", ondelete="SET NULL"), index=True
    )
    for_missing_pieces: Mapped[bool] = mapped_column(default=False, server_default=false())

    enterprise: Mapped[Enterprise] = relationship()
    follows: Mapped[Order | None] = relationship(remote_side="Order.id")
    skill: Mapped[Skill] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()
    materials: Mapped[list[OrderMaterial]] = relationship(
        order_by="OrderMaterial.position", cascade="all, delete-orphan", back_populates="order"
    )
    targets: Mapped[list[OrderTarget]] = relationship(cascade="all, delete-orphan", back_populates="order")
    lots: Mapped[list[Lot]] = relationship(
        order_by="Lot.index", cascade="all, delete-orphan", back_populates="order"
    )
    acceptances: Mapped[list[Acceptance]] = relationship(
        order_by="Acceptance.id", cascade="all, delete-orphan", back_populates="order"
    )

    @property
    def target_station_ids(self) -> list[int]:
        return sorted(t.station_id for t in self.targets)

    def __repr__(self) -> str:
        return f"<Order {self.id} {self.product} {self.status}>"


class OrderMaterial(db.Model):
    """One line of an order's material list: an item and how much of it goes into one piece."""

    __tablename__ = "order_material"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    item: Mapped[str] = mapped_column(String(MATERIAL_ITEM_MAX))
    quantity_per_piece: Mapped[Decimal] = mapped_column(Numeric(10, 3))
    unit: Mapped[str] = mapped_column(String(MATERIAL_UNIT_MAX), default="")

    order: Mapped[Order] = relationship(back_populates="materials")


class OrderTarget(db.Model):
    """A station an order is offered to (an order not open to all is offered only to these)."""

    __tablename__ = "order_target"
    __table_args__ = (UniqueConstraint("order_id", "station_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"), index=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"), index=True)

    order: Mapped[Order] = relationship(back_populates="targets")
    station: Mapped[Station] = relationship()


class Acceptance(db.Model):
    """A station taking on part of an order: the pieces of the lots allotted to it."""

    __tablename__ = "order_acceptance"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"), index=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"), index=True)
    quantity: Mapped[int] = mapped_column()
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[Order] = relationship(back_populates="acceptances")
    station: Mapped[Station] = relationship(lazy="joined")
    accepted_by: Mapped[User | None] = relationship()


class Lot(db.Model):
    """The pieces whose material goes to one worker as one kit; planning and production key it by (order, index)."""

    __tablename__ = "order_lot"
    __table_args__ = (UniqueConstraint("order_id", "index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"))
    index: Mapped[int] = mapped_column()  # 1, 2, 3 … as printed on the kit
    pieces: Mapped[int] = mapped_column()
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"), index=True)
    acceptance_id: Mapped[int | None] = mapped_column(
        ForeignKey("order_acceptance.id", ondelete="SET NULL"), index=True
    )

    order: Mapped[Order] = relationship(back_populates="lots")
    station: Mapped[Station | None] = relationship()


class Delivery(db.Model):
    """Accepted pieces a station hands to the enterprise, with a printed delivery note (送货单)."""

    __tablename__ = "order_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"), index=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"), index=True)
    delivered_on: Mapped[date] = mapped_column()
    pieces: Mapped[int] = mapped_column()  # the sum of the lines, kept for quick totals
    note: Mapped[str] = mapped_column(String(NOTE_MAX), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Pieces the enterprise counted on receipt when fewer than delivered (None: all of them).
    received_pieces: Mapped[int | None] = mapped_column()
    receipt_note: Mapped[str] = mapped_column(String(NOTE_MAX), default="", server_default="")

    order: Mapped[Order] = relationship()
    station: Mapped[Station] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    received_by: Mapped[User | None] = relationship(foreign_keys=[received_by_id])
    lines: Mapped[list[DeliveryLine]] = relationship(
        order_by="DeliveryLine.id", cascade="all, delete-orphan", back_populates="delivery"
    )

    @property
    def number(self) -> str:
        """The number printed on the delivery note."""
        return f"SH{self.delivered_on:%Y%m%d}-{self.id:05d}"

    @property
    def enterprise_id(self) -> int:
        return self.order.enterprise_id

    @property
    def pieces_received(self) -> int:
        """Pieces the enterprise confirmed it received (0 before receipt)."""
        if self.received_at is None:
            return 0
        return self.pieces if self.received_pieces is None else self.received_pieces

    @property
    def short(self) -> int:
        """Pieces missing on receipt."""
        return self.pieces - self.pieces_received if self.received_at is not None else 0


class DeliveryLine(db.Model):
    __tablename__ = "order_delivery_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("order_delivery.id", ondelete="CASCADE"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("order_lot.id"), index=True)
    pieces: Mapped[int] = mapped_column()

    delivery: Mapped[Delivery] = relationship(back_populates="lines")
    lot: Mapped[Lot] = relationship(lazy="joined")


class OrderRequestKey(db.Model):
    """An `Idempotency-Key` seen on an order write: the same key and body answers the first answer again."""

    __tablename__ = "order_request_key"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    body_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column()
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
