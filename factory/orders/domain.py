"""Order rules: lots, the life cycle, pay at the standard pace and field validation.

Pure: no Flask, no database.

Units
    Piece rates are ``int`` rate units (1/100 fen, see `factory.money`); fees are ``int`` fen.
    Standard minutes per piece are exact rationals: the functions take ``int``, ``Decimal``, ``Fraction``
    or decimal text and never a ``float``. People enter them with up to two decimals ("1.5", "0.75");
    a database column ``Numeric(8, 2)`` holds them exactly and comes back as ``Decimal``.

Messages
    Every message shown to a user is in `MESSAGES`, a plain English source string with ``%(name)s``
    placeholders, so the web layer can pass it through gettext before filling it in.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from factory.money import RATE_UNITS_PER_FEN

ExactNumber = int | Decimal | Fraction | str

MAX_QUANTITY = 10_000_000
MINUTES_DECIMALS = 2
_MINUTES_RE = re.compile(r"[0-9]+(\.[0-9]{1,2})?|\.[0-9]{1,2}")  # up to MINUTES_DECIMALS

MESSAGES: dict[str, str] = {
    "quantity_required": "Enter the number of pieces.",
    "quantity_positive": "The quantity must be at least 1.",
    "quantity_too_large": "The quantity can be at most %(max)s pieces.",
    "lot_size_required": "Enter the lot size.",
    "lot_size_positive": "The lot size must be at least 1.",
    "lot_size_above_quantity": "A lot cannot hold more pieces than the order (%(quantity)s).",
    "piece_rate_required": "Enter the piece rate.",
    "piece_rate_positive": "The piece rate must be more than zero.",
    "standard_minutes_required": "Enter the standard minutes per piece.",
    "standard_minutes_positive": "The standard minutes per piece must be more than zero.",
    "standard_minutes_invalid": "Enter the standard minutes as a number with up to 2 decimals, e.g. 1.5.",
    "due_date_required": "Enter the due date.",
    "due_date_past": "The due date cannot be in the past.",
    "service_fee_negative": "The service fee cannot be negative.",
    "status_unknown": "Unknown order status: %(status)s.",
    "transition_not_allowed": "An order that is %(from)s cannot become %(to)s.",
    "cancel_in_production": "The order cannot be cancelled: %(pieces)s pieces are already in production.",
    "close_not_short": (
        "An order still in production can be closed only when the whole order was delivered, every delivery "
        "is confirmed and some arrived short."
    ),
}


class OrderError(ValueError):
    """A request about an order breaks an order rule; `code` names the rule for the API."""

    def __init__(self, message: str, code: str = "invalid_order") -> None:
        super().__init__(message)
        self.code = code


class OrderTransitionError(OrderError):
    """An order cannot move from its status to the one asked for."""


def _message(key: str, **params: object) -> str:
    return MESSAGES[key] % params if params else MESSAGES[key]


# --- lots -------------------------------------------------------------------------------------------


def lot_count(quantity: int, lot_size: int) -> int:
    """Return how many lots an order of `quantity` pieces makes."""
    if quantity <= 0:
        raise OrderError(_message("quantity_positive"))
    if lot_size <= 0:
        raise OrderError(_message("lot_size_positive"))
    return -(-quantity // lot_size)


def lot_sizes(quantity: int, lot_size: int) -> list[int]:
    """Split `quantity` pieces into lots of `lot_size`; the last lot takes the remainder."""
    lot_count(quantity, lot_size)  # refuses a quantity or lot size below 1
    full, remainder = divmod(quantity, lot_size)
    return [lot_size] * full + ([remainder] if remainder else [])


# --- life cycle -------------------------------------------------------------------------------------


class OrderStatus(StrEnum):
    DRAFT = "draft"
    POSTED = "posted"
    ACCEPTED = "accepted"
    IN_PRODUCTION = "in_production"
    DELIVERED = "delivered"
    CLOSED = "closed"
    CANCELLED = "cancelled"


TRANSITIONS: Mapping[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.DRAFT: frozenset({OrderStatus.POSTED, OrderStatus.CANCELLED}),
    # A posted order no station has taken on can go back to draft to be corrected.
    OrderStatus.POSTED: frozenset({OrderStatus.DRAFT, OrderStatus.ACCEPTED, OrderStatus.CANCELLED}),
    OrderStatus.ACCEPTED: frozenset({OrderStatus.IN_PRODUCTION, OrderStatus.CANCELLED}),
    # Closed short: every delivery confirmed, some pieces never arrived, and the coordinator says why.
    OrderStatus.IN_PRODUCTION: frozenset({OrderStatus.DELIVERED, OrderStatus.CLOSED}),
    OrderStatus.DELIVERED: frozenset({OrderStatus.CLOSED}),
    OrderStatus.CLOSED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}


def _status(value: str) -> OrderStatus:
    try:
        return OrderStatus(value)
    except ValueError:
        raise OrderError(_message("status_unknown", status=value), "unknown_status") from None


def allowed_transitions(status: str) -> frozenset[OrderStatus]:
    """Return the statuses an order in `status` may move to."""
    return TRANSITIONS[_status(status)]


def check_transition(
    from_status: str, to_status: str, *, pieces_in_production: int = 0, settled_short: bool = False
) -> OrderStatus:
    """Return the new status, or raise `OrderTransitionError` when the move is not allowed.

    Cancelling is allowed only while nothing is in production: `pieces_in_production` counts the pieces
    whose material is already with workers. An order in production may be closed only `settled_short`:
    every delivery confirmed and some of it missing on arrival.
    """
    source, target = _status(from_status), _status(to_status)
    if target not in TRANSITIONS[source]:
        raise OrderTransitionError(
            _message("transition_not_allowed", **{"from": source.value, "to": target.value}),
            "invalid_transition",
        )
    if target is OrderStatus.CANCELLED and pieces_in_production > 0:
        raise OrderTransitionError(
            _message("cancel_in_production", pieces=pieces_in_production), "in_production"
        )
    if source is OrderStatus.IN_PRODUCTION and target is OrderStatus.CLOSED and not settled_short:
        raise OrderTransitionError(_message("close_not_short"), "not_short")
    return target


# --- pay at the standard pace -----------------------------------------------------------------------


def to_minutes(value: ExactNumber) -> Fraction:
    """Convert standard minutes (int, Decimal, Fraction or text, never float) to an exact Fraction."""
    if isinstance(value, bool | float):
        raise TypeError(
            f"standard minutes must be exact (int, Decimal, Fraction or text), not {type(value).__name__}"
        )
    if isinstance(value, str):
        return parse_standard_minutes(value)
    return Fraction(value)


def parse_standard_minutes(text: str) -> Fraction:
    """Parse minutes per piece typed by a person: a positive number with up to 2 decimals."""
    cleaned = text.strip()
    if not _MINUTES_RE.fullmatch(cleaned):
        raise OrderError(_message("standard_minutes_invalid"))
    minutes = Fraction(Decimal(cleaned))
    if minutes <= 0:
        raise OrderError(_message("standard_minutes_positive"))
    return minutes


def pay_per_hour_at_standard_pace(rate_units: int, standard_minutes: ExactNumber) -> Fraction:
    """Return the fen per hour a worker earns at the standard pace: rate × 60 / standard minutes."""
    minutes = to_minutes(standard_minutes)
    if minutes <= 0:
        raise OrderError(_message("standard_minutes_positive"))
    return Fraction(rate_units, RATE_UNITS_PER_FEN) * 60 / minutes


def below_minimum(rate_units: int, standard_minutes: ExactNumber, hourly_min_fen: int) -> bool:
    """Return whether the rate pays less than the hourly minimum wage at the standard pace."""
    return pay_per_hour_at_standard_pace(rate_units, standard_minutes) < hourly_min_fen


def minimum_rate_units(standard_minutes: ExactNumber, hourly_min_fen: int) -> int:
    """Return the smallest piece rate (rate units) that reaches the hourly minimum at the standard pace."""
    minutes = to_minutes(standard_minutes)
    if minutes <= 0:
        raise OrderError(_message("standard_minutes_positive"))
    return math.ceil(hourly_min_fen * RATE_UNITS_PER_FEN * minutes / 60)


# --- validation -------------------------------------------------------------------------------------


def validate_order_fields(
    *,
    quantity: int | None,
    lot_size: int | None,
    piece_rate_units: int | None,
    standard_minutes: ExactNumber | None,
    due_date: date | None,
    today: date,
    service_fee_fen: int | None = 0,
) -> dict[str, list[str]]:
    """Return the problems with an order's fields, keyed by field; an empty dict means valid.

    Keys: quantity, lot_size, piece_rate, standard_minutes, due_date, service_fee.
    """
    errors: dict[str, list[str]] = {}

    def add(field: str, key: str, **params: object) -> None:
        errors.setdefault(field, []).append(_message(key, **params))

    if quantity is None:
        add("quantity", "quantity_required")
    elif quantity <= 0:
        add("quantity", "quantity_positive")
    elif quantity > MAX_QUANTITY:
        add("quantity", "quantity_too_large", max=f"{MAX_QUANTITY:,}")

    if lot_size is None:
        add("lot_size", "lot_size_required")
    elif lot_size <= 0:
        add("lot_size", "lot_size_positive")
    elif quantity is not None and 0 < quantity < lot_size:
        add("lot_size", "lot_size_above_quantity", quantity=quantity)

    if piece_rate_units is None:
        add("piece_rate", "piece_rate_required")
    elif piece_rate_units <= 0:
        add("piece_rate", "piece_rate_positive")

    if standard_minutes is None or standard_minutes == "":
        add("standard_minutes", "standard_minutes_required")
    else:
        try:
            if to_minutes(standard_minutes) <= 0:
                add("standard_minutes", "standard_minutes_positive")
        except OrderError as exc:
            errors.setdefault("standard_minutes", []).append(str(exc))

    if due_date is None:
        add("due_date", "due_date_required")
    elif due_date < today:
        add("due_date", "due_date_past")

    if service_fee_fen is not None and service_fee_fen < 0:
        add("service_fee", "service_fee_negative")
    return errors
