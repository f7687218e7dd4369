"""Deliveries of accepted pieces to the enterprise, their receipt, and what the enterprise owes.

A lot can deliver at most its pieces that passed inspection and were not delivered yet (counted per lot
through `services.LOT_SOURCES`), so every line of a delivery note is backed by inspected pieces. A delivery
given as a total is split over the station's lots in that way, oldest lot first. The statement prices received pieces:
each line is pieces × piece rate rounded half up to the fen once (`factory.money.round_half_up`), plus
pieces × the service fee (whole fen, no rounding).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import extract, func, select

from factory.accounts.models import Station, User
from factory.audit.services import record
from factory.extensions import db
from factory.money import RATE_UNITS_PER_FEN, round_half_up
from factory.orders import domain, services
from factory.orders import models as m
from factory.orders.models import Delivery, DeliveryLine, Lot, Order
from factory.orders.services import (
    OrderServiceError,
    advance,
    local_today,
    parse_date,
    parse_int,
    text_problem,
)
from factory.types import utcnow

DELIVERABLE = (domain.OrderStatus.ACCEPTED, domain.OrderStatus.IN_PRODUCTION)


def delivered_by_lot(order_id: int, station_id: int | None = None) -> dict[int, int]:
    stmt = (
        select(DeliveryLine.lot_id, func.sum(DeliveryLine.pieces))
        .join(Delivery)
        .where(Delivery.order_id == order_id)
        .group_by(DeliveryLine.lot_id)
    )
    if station_id is not None:
        stmt = stmt.where(Delivery.station_id == station_id)
    return {lot_id: int(total) for lot_id, total in db.session.execute(stmt)}


def deliverable_by_lot(order: Order, station_id: int) -> list[tuple[Lot, int]]:
    """The station's lots (oldest first) with the pieces each may still deliver.

    A lot may deliver what passed inspection in it and was not delivered yet, never more than it holds.
    """
    lots = db.session.scalars(
        select(Lot).where(Lot.order_id == order.id, Lot.station_id == station_id).order_by(Lot.index)
    ).all()
    passed = services.accepted_by_lot(order.id)
    already = delivered_by_lot(order.id, station_id)
    out = []
    for lot in lots:
        sent = already.get(lot.id, 0)
        out.append((lot, max(0, min(passed.get(lot.id, 0), lot.pieces) - sent)))
    return out


def deliverable(order: Order, station_id: int) -> int:
    """Pieces the station may still deliver: passed inspection there and not delivered yet."""
    return sum(room for _lot, room in deliverable_by_lot(order, station_id))


def record_delivery(
    order: Order,
    station_id: int,
    actor: User | None,
    *,
    pieces: Any = None,
    lines: Mapping[int, int] | None = None,
    delivered_on: Any = None,
    note: str = "",
) -> Delivery:
    """Record a delivery of accepted pieces from the station's lots.

    Give `lines` ({lot index: pieces}) to say which lots, or `pieces` to fill the station's lots in order.
    """
    # Two deliveries at once must not both spend the same passed pieces: the order's row is locked for the
    # rest of the transaction (PostgreSQL), and on SQLite the delivery requests begin with the write lock.
    db.session.execute(select(Order.id).where(Order.id == order.id).with_for_update())
    if order.status not in DELIVERABLE:
        raise OrderServiceError(
            "not_deliverable", _("Pieces of this order cannot be delivered now."), status=409
        )
    errors: dict[str, list[str]] = {}
    day, problem = parse_date(delivered_on) if delivered_on not in (None, "") else (local_today(), None)
    if problem or day is None:
        errors["delivered_on"] = [problem or _("Enter a date as YYYY-MM-DD.")]
    elif day > local_today():
        errors["delivered_on"] = [_("The delivery date cannot be in the future.")]
    problem = text_problem(note or "", m.NOTE_MAX)
    if problem:
        errors["note"] = [problem]
    ready = deliverable_by_lot(order, station_id)
    if not ready:
        raise OrderServiceError("not_taken", _("Your station has not taken this order on."), status=403)
    lots = [lot for lot, _room in ready]
    room = {lot.index: space for lot, space in ready}
    limit = sum(room.values())
    wanted: dict[int, int] = {}
    too_many: list[str] = []
    if lines:
        for index, count in lines.items():
            if index not in room:
                errors.setdefault("lines", []).append(
                    _("Lot %(index)s is not one of your station's lots.", index=index)
                )
            elif count <= 0:
                errors.setdefault("lines", []).append(
                    _("Lot %(index)s: enter pieces above zero.", index=index)
                )
            elif count > room[index]:
                too_many.append(
                    _(
                        "Lot %(index)s has only %(room)s pieces that passed inspection and are not "
                        "delivered yet.",
                        index=index,
                        room=room[index],
                    )
                )
            else:
                wanted[index] = count
    else:
        total, problem = parse_int(pieces)
        if problem or total is None or total <= 0:
            errors["pieces"] = [problem or _("Enter the number of pieces delivered.")]
        elif total > limit:
            too_many.append(
                _(
                    "Only pieces that passed inspection can be delivered: %(limit)s pieces of this order "
                    "are ready, not %(total)s.",
                    limit=limit,
                    total=total,
                )
            )
        else:
            remaining = total
            for index, space in room.items():
                take = min(space, remaining)
                if take > 0:
                    wanted[index] = take
                    remaining -= take
    if errors:
        if too_many:
            errors.setdefault("lines" if lines else "pieces", []).extend(too_many)
        raise OrderServiceError("invalid", _("Some of what you entered is not valid."), errors)
    if too_many:
        raise OrderServiceError(
            "more_than_accepted", too_many[0], {"lines" if lines else "pieces": too_many}, status=409
        )
    total = sum(wanted.values())
    by_index = {lot.index: lot for lot in lots}
    delivery = Delivery(
        order=order,
        order_id=order.id,
        station_id=station_id,
        delivered_on=day,
        pieces=total,
        note=(note or "").strip(),
        created_by=actor,
        lines=[DeliveryLine(lot=by_index[i], pieces=n) for i, n in sorted(wanted.items())],
    )
    db.session.add(delivery)
    db.session.flush()
    record(
        actor,
        "delivery.create",
        delivery,
        after={"order_id": order.id, "pieces": total, "lots": {str(i): n for i, n in sorted(wanted.items())}},
    )
    advance(order, actor)
    return delivery


def confirm_receipt(
    delivery: Delivery, actor: User | None, *, received: Any = None, note: str = ""
) -> Delivery:
    """The enterprise confirms it received the pieces of a delivery, or fewer (`received`, with a note).

    Only received pieces are owed; missing pieces stay counted as delivered by the station.
    """
    if delivery.received_at is not None:
        raise OrderServiceError("already_received", _("This delivery was confirmed already."), status=409)
    count = delivery.pieces
    errors: dict[str, list[str]] = {}
    if received not in (None, ""):
        value, problem = parse_int(received)
        if problem or value is None or value < 0:
            errors["received"] = [problem or _("Enter the pieces received, 0 or more.")]
        elif value > delivery.pieces:
            errors["received"] = [
                _("The delivery has %(pieces)s pieces; enter at most that.", pieces=delivery.pieces)
            ]
        else:
            count = value
    note = (note or "").strip()
    problem = text_problem(note, m.NOTE_MAX)
    if problem:
        errors["receipt_note"] = [problem]
    elif count < delivery.pieces and not note:
        errors["receipt_note"] = [_("Say what was missing or damaged.")]
    if errors:
        raise OrderServiceError("invalid", _("Some of what you entered is not valid."), errors)
    delivery.received_at = utcnow()
    delivery.received_by = actor
    delivery.received_pieces = count if count < delivery.pieces else None
    delivery.receipt_note = note
    record(
        actor,
        "delivery.receive",
        delivery,
        after={"pieces": delivery.pieces, "received": count, **({"note": note} if note else {})},
    )
    db.session.flush()
    advance(delivery.order, actor)
    return delivery


def deliveries_for(order_id: int, station_id: int | None = None) -> list[Delivery]:
    stmt = select(Delivery).where(Delivery.order_id == order_id).order_by(Delivery.delivered_on, Delivery.id)
    if station_id is not None:
        stmt = stmt.where(Delivery.station_id == station_id)
    return list(db.session.scalars(stmt))


def awaiting_receipt(enterprise_id: int) -> list[Delivery]:
    """The enterprise's deliveries whose receipt nobody confirmed yet, oldest first (what is owed waits on them)."""
    return list(
        db.session.scalars(
            select(Delivery)
            .join(Order, Order.id == Delivery.order_id)
            .where(Order.enterprise_id == enterprise_id, Delivery.received_at.is_(None))
            .order_by(Delivery.delivered_on, Delivery.id)
        )
    )


# ------------------------------------------------------------------ what is owed


def amount_fen(pieces: int, rate_units: int, fee_fen: int) -> int:
    """What `pieces` cost: pieces × rate (rounded half up to the fen, once) + pieces × service fee."""
    return round_half_up(pieces * rate_units, RATE_UNITS_PER_FEN) + pieces * fee_fen


@dataclass(frozen=True)
class StatementLine:
    month: str  # YYYY-MM
    order_id: int
    reference: str
    product: str
    station: str
    pieces: int
    piece_rate_units: int
    service_fee_fen: int
    amount_fen: int


@dataclass(frozen=True)
class Statement:
    lines: list[StatementLine]
    pending_pieces: int  # delivered, not yet confirmed as received (not owed yet)

    @property
    def total_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines)

    @property
    def total_pieces(self) -> int:
        return sum(line.pieces for line in self.lines)

    def months(self) -> list[tuple[str, int, int]]:
        """(month, pieces, amount) per month."""
        acc: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for line in self.lines:
            acc[line.month][0] += line.pieces
            acc[line.month][1] += line.amount_fen
        return [(month, v[0], v[1]) for month, v in sorted(acc.items())]


def statement(
    enterprise_id: int | None, *, month: str | None = None, order_id: int | None = None
) -> Statement:
    """Received pieces priced per order, station and month of delivery (all enterprises when None)."""
    stmt = (
        select(
            extract("year", Delivery.delivered_on),
            extract("month", Delivery.delivered_on),
            Order.id,
            Order.reference,
            Order.product,
            Station.name,
            func.sum(func.coalesce(Delivery.received_pieces, Delivery.pieces)),
            Order.piece_rate_units,
            Order.service_fee_fen,
        )
        .join(Order, Delivery.order_id == Order.id)
        .join(Station, Delivery.station_id == Station.id)
        .where(Delivery.received_at.is_not(None))
        .group_by(
            extract("year", Delivery.delivered_on),
            extract("month", Delivery.delivered_on),
            Order.id,
            Order.reference,
            Order.product,
            Station.name,
            Order.piece_rate_units,
            Order.service_fee_fen,
        )
    )
    pending = (
        select(func.coalesce(func.sum(Delivery.pieces), 0)).join(Order).where(Delivery.received_at.is_(None))
    )
    if enterprise_id is not None:
        stmt = stmt.where(Order.enterprise_id == enterprise_id)
        pending = pending.where(Order.enterprise_id == enterprise_id)
    if order_id is not None:
        stmt = stmt.where(Order.id == order_id)
        pending = pending.where(Order.id == order_id)
    if month:
        year, mon = (int(p) for p in month.split("-"))
        first = date(year, mon, 1)
        nxt = date(year + mon // 12, mon % 12 + 1, 1)
        stmt = stmt.where(Delivery.delivered_on >= first, Delivery.delivered_on < nxt)
        pending = pending.where(Delivery.delivered_on >= first, Delivery.delivered_on < nxt)
    lines = [
        StatementLine(
            month=f"{int(y):04d}-{int(mo):02d}",
            order_id=oid,
            reference=ref,
            product=product,
            station=station,
            pieces=int(pieces),
            piece_rate_units=rate,
            service_fee_fen=fee,
            amount_fen=amount_fen(int(pieces), rate, fee),
        )
        for y, mo, oid, ref, product, station, pieces, rate, fee in db.session.execute(stmt)
    ]
    lines.sort(key=lambda line: (line.month, line.order_id, line.station))
    return Statement(lines=lines, pending_pieces=int(db.session.scalar(pending) or 0))


def statement_csv(st: Statement) -> bytes:
    """The statement as CSV for spreadsheet programs (UTF-8 with BOM, formula-safe cells)."""
    from factory.money import format_fen, format_rate
    from factory.tabular import write_csv

    headers = [
        _("Month"),
        _("Order"),
        _("Your reference"),
        _("Product"),
        _("Station"),
        _("Pieces received"),
        _("Piece rate (yuan)"),
        _("Service fee per piece (yuan)"),
        _("Amount (yuan)"),
    ]
    rows: list[list[object]] = [
        [
            line.month,
            line.order_id,
            line.reference,
            line.product,
            line.station,
            line.pieces,
            format_rate(line.piece_rate_units).lstrip("¥"),
            format_fen(line.service_fee_fen).lstrip("¥"),
            format_fen(line.amount_fen).lstrip("¥"),
        ]
        for line in st.lines
    ]
    rows.append([_("Total"), "", "", "", "", st.total_pieces, "", "", format_fen(st.total_fen).lstrip("¥")])
    return write_csv(headers, rows)
