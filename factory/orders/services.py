"""Order services: create, edit, post, cancel, take on, and follow the progress of orders.

The pages, the API, the import and the CLI all call these functions. They take explicit arguments (ids,
the acting user), load rows, apply the rules of `factory.orders.domain`, write, audit, and flush; the
caller commits. A refused request raises `OrderServiceError` (with the problems by field) and leaves
the session as it found it.

Progress
    `order_progress(order_ids)` is the one place that counts an order's pieces. Acceptances and
    deliveries are this feature's own rows; pieces assigned to workers, reported, accepted and rejected in
    inspection come from the features that record them, through `PROGRESS_SOURCES` (see
    `register_progress_source`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, or_, select, update

from factory.accounts.models import Role, Station, User
from factory.audit.services import record
from factory.errors import ServiceError
from factory.extensions import db
from factory.orders import domain
from factory.orders import models as m
from factory.orders.models import Acceptance, Delivery, Lot, Order, OrderMaterial, OrderTarget
from factory.reference.models import Skill
from factory.types import LOCAL_TZ, utcnow

# Limits beyond the domain's own, so that absurd input is refused before it reaches the database.
MAX_LOTS = 5_000  # a lot is one worker's kit; more than this many kits in one order is a typing mistake
MAX_RATE_UNITS = 100_000_000  # ¥10,000 a piece
MAX_FEE_FEN = 1_000_000  # ¥10,000 a piece
MAX_MINUTES = Decimal("10000")
MAX_MATERIALS = 50
MAX_MATERIAL_QTY = Decimal("1000000")
MAX_STATIONS = 500

EDITABLE_TEXT_FIELDS = ("reference", "product", "description", "quality_standard", "note", "due_date")
PAY_FIELDS = ("skill_id", "quantity", "lot_size", "piece_rate_units", "standard_minutes", "service_fee_fen")


def local_today() -> date:
    """Today in Qingdao (due dates are local days)."""
    return datetime.now(LOCAL_TZ).date()


class OrderServiceError(ServiceError):
    """A refused order operation."""


# ------------------------------------------------------------------ input


@dataclass
class Material:
    item: str
    quantity_per_piece: Decimal
    unit: str = ""


@dataclass
class OrderInput:
    """An order's fields as typed, already converted to their types (see `parse_*`)."""

    product: str
    skill_code: str
    quantity: int | None
    lot_size: int | None
    piece_rate_units: int | None
    standard_minutes: Decimal | None
    due_date: date | None
    service_fee_fen: int = 0
    reference: str = ""
    description: str = ""
    quality_standard: str = ""
    note: str = ""
    materials: list[Material] = field(default_factory=list)
    open_to_all: bool = True
    station_ids: list[int] = field(default_factory=list)


def translate_message(message: str, templates: Iterable[str]) -> str:
    """Translate a filled-in English message made from one of `templates` into the user's language.

    The pure modules (`factory.orders.domain`, `factory.tabular`) return English source strings with their
    placeholders filled in; the catalogue holds the templates, so the values are read back out of the
    message and put into the translated template.
    """
    import re

    for template in templates:
        if "%(" not in template:
            if template == message:
                return _(template)  # noqa: INT001  (the templates are in the catalogue)
            continue
        pattern = re.sub(r"%\\\((\w+)\\\)s", r"(?P<\1>.+?)", re.escape(template))
        found = re.fullmatch(pattern, message)
        if found:
            return _(template) % found.groupdict()  # noqa: INT001
    return _(message)  # noqa: INT001


def translate_domain_message(message: str) -> str:
    """Translate a message of `factory.orders.domain` (filled in) into the user's language."""
    return translate_message(message, domain.MESSAGES.values())


MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database; a larger one cannot exist


def storable(value: str) -> bool:
    """Whether text can be stored: valid Unicode without NUL (PostgreSQL refuses both)."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a JSON body
        return False
    return True


def text_problem(value: str, limit: int, *, required: bool = False) -> str | None:
    if not storable(value):
        return _("This text contains characters that cannot be stored.")
    if required and not value.strip():
        return _("This field is required.")
    if len(value) > limit:
        return _("At most %(limit)s characters (this has %(count)s).", limit=limit, count=len(value))
    return None


def parse_int(value: Any) -> tuple[int | None, str | None]:
    """Read a whole number from a form, a spreadsheet cell or JSON; (None, message) when it is not one."""
    if value is None or value == "":
        return None, None
    if isinstance(value, bool):
        return None, _("Enter a whole number.")
    if isinstance(value, int):
        return value, None
    if isinstance(value, float):
        return (
            (int(value), None)
            if value.is_integer() and abs(value) < 1e15
            else (None, _("Enter a whole number."))
        )
    text = str(value).strip().replace(",", "").replace("，", "")
    if text.endswith(".0"):
        text = text[:-2]
    if not text.lstrip("+-").isdigit() or len(text) > 15:
        return None, _("Enter a whole number.")
    return int(text), None


def parse_decimal(value: Any, places: int) -> tuple[Decimal | None, str | None]:
    """Read an exact decimal with at most `places` decimals (a JSON float is read as the digits it shows)."""
    if value is None or value == "":
        return None, None
    if isinstance(value, bool):
        return None, _("Enter a number.")
    if isinstance(value, float):
        if not math.isfinite(value):
            return None, _("Enter a number.")
        value = repr(value)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None, _("Enter a number.")
    if not number.is_finite():
        return None, _("Enter a number.")
    if number.as_tuple().exponent < -places:  # type: ignore[operator]
        return None, _("At most %(places)s decimal places.", places=places)
    if abs(number) >= Decimal(10) ** 15:
        return None, _("This number is too large.")
    return number, None


def parse_date(value: Any) -> tuple[date | None, str | None]:
    if value is None or value == "":
        return None, None
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    if not isinstance(value, str):
        return None, _("Enter a date as YYYY-MM-DD.")
    text = value.strip().replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat(text), None
    except ValueError:
        parts = text.split("-")
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            try:
                return date(int(parts[0]), int(parts[1]), int(parts[2])), None
            except ValueError:
                pass
    return None, _("Enter a date as YYYY-MM-DD.")


def parse_materials_text(text: str) -> tuple[list[Material], str | None]:
    """Read a material list typed one item a line (or `;` between items): name, quantity per piece, unit."""
    out: list[Material] = []
    chunks = [c.strip() for line in text.replace("；", ";").splitlines() for c in line.split(";")]
    for chunk in chunks:
        if not chunk:
            continue
        parts = [p.strip() for p in chunk.replace("，", ",").replace("\t", ",").split(",")]
        if len(parts) < 2 or len(parts) > 3 or not parts[0]:
            return [], _(
                "Write each material as: name, quantity per piece, unit (for example: 外壳, 1, 个). "
                "This line is not like that: %(line)s",
                line=chunk[:60],
            )
        quantity, problem = parse_decimal(parts[1], 3)
        if problem or quantity is None or quantity <= 0:
            return [], _(
                "The quantity per piece of %(item)s must be a number above zero.", item=parts[0][:60]
            )
        out.append(Material(parts[0], quantity, parts[2] if len(parts) == 3 else ""))
    return out, None


def materials_text(materials: Iterable[OrderMaterial | Material]) -> str:
    """The material list as the form shows it, one item a line."""
    lines = []
    for item in materials:
        qty = format(item.quantity_per_piece.normalize(), "f")
        lines.append(", ".join(p for p in (item.item, qty, item.unit) if p))
    return "\n".join(lines)


def check_input(data: OrderInput, *, today: date | None = None) -> dict[str, list[str]]:
    """Return the problems with an order's fields by field name (empty when the order is valid)."""
    today = today or local_today()
    errors: dict[str, list[str]] = defaultdict(list)
    raw = domain.validate_order_fields(
        quantity=data.quantity,
        lot_size=data.lot_size,
        piece_rate_units=data.piece_rate_units,
        standard_minutes=data.standard_minutes,
        due_date=data.due_date,
        today=today,
        service_fee_fen=data.service_fee_fen,
    )
    for name, messages in raw.items():
        errors[name].extend(translate_domain_message(msg) for msg in messages)
    if data.piece_rate_units is not None and data.piece_rate_units > MAX_RATE_UNITS:
        errors["piece_rate"].append(_("The piece rate can be at most ¥10,000."))
    if data.service_fee_fen is not None and data.service_fee_fen > MAX_FEE_FEN:
        errors["service_fee"].append(_("The service fee can be at most ¥10,000 a piece."))
    if data.standard_minutes is not None and data.standard_minutes > MAX_MINUTES:
        errors["standard_minutes"].append(_("The standard minutes can be at most 10,000 a piece."))
    if (
        data.quantity
        and data.lot_size
        and "quantity" not in errors
        and "lot_size" not in errors
        and domain.lot_count(data.quantity, data.lot_size) > MAX_LOTS
    ):
        errors["lot_size"].append(
            _(
                "This makes %(count)s lots; an order can have at most %(max)s. Use larger lots.",
                count=format(domain.lot_count(data.quantity, data.lot_size), ","),
                max=format(MAX_LOTS, ","),
            )
        )
    for name, value, limit, required in (
        ("product", data.product, m.PRODUCT_MAX, True),
        ("reference", data.reference, m.REFERENCE_MAX, False),
        ("description", data.description, m.DESCRIPTION_MAX, False),
        ("quality_standard", data.quality_standard, m.QUALITY_MAX, False),
        ("note", data.note, m.NOTE_MAX, False),
    ):
        problem = text_problem(value, limit, required=required)
        if problem:
            errors[name].append(problem)
    if not data.skill_code:
        errors["skill"].append(_("Choose a skill."))
    elif skill_by_code(data.skill_code) is None:
        code = data.skill_code[:40] if storable(data.skill_code) else "?"
        errors["skill"].append(_("There is no skill %(code)s.", code=code))
    if len(data.materials) > MAX_MATERIALS:
        errors["materials"].append(_("At most %(max)s materials.", max=MAX_MATERIALS))
    for item in data.materials:
        problem = text_problem(item.item, m.MATERIAL_ITEM_MAX, required=True) or text_problem(
            item.unit, m.MATERIAL_UNIT_MAX
        )
        if problem:
            errors["materials"].append(problem)
        elif item.quantity_per_piece <= 0 or item.quantity_per_piece >= MAX_MATERIAL_QTY:
            errors["materials"].append(
                _("The quantity per piece of %(item)s must be a number above zero.", item=item.item[:60])
            )
    if not data.open_to_all:
        if not data.station_ids:
            errors["stations"].append(_("Choose at least one station, or offer the order to all stations."))
        elif len(data.station_ids) > MAX_STATIONS:
            errors["stations"].append(_("Too many stations."))
        else:
            wanted = [s for s in data.station_ids if 0 < s <= MAX_ID]
            known = set(db.session.scalars(select(Station.id).where(Station.id.in_(wanted))))
            unknown = [str(s) for s in data.station_ids if s not in known]
            if unknown:
                errors["stations"].append(_("There is no station %(ids)s.", ids=", ".join(unknown[:5])))
    return {name: messages for name, messages in errors.items() if messages}


def skill_by_code(code: str) -> Skill | None:
    if not storable(code) or len(code) > 40:
        return None
    return db.session.scalar(select(Skill).where(Skill.code == code))


def _require_valid(data: OrderInput, today: date | None) -> Skill:
    errors = check_input(data, today=today)
    if errors:
        raise OrderServiceError("invalid", _("Some of what you entered is not valid."), errors)
    skill = skill_by_code(data.skill_code)
    if skill is None:  # checked above; a concurrent delete of a skill is the only way here
        raise OrderServiceError("invalid", _("Choose a skill."), {"skill": [_("Choose a skill.")]})
    return skill


# ------------------------------------------------------------------ create, edit


def _snapshot(order: Order) -> dict[str, Any]:
    return {
        "product": order.product,
        "reference": order.reference,
        "skill": order.skill.code if order.skill else None,
        "quantity": order.quantity,
        "lot_size": order.lot_size,
        "piece_rate_units": order.piece_rate_units,
        "standard_minutes": str(order.standard_minutes),
        "service_fee_fen": order.service_fee_fen,
        "due_date": order.due_date.isoformat(),
        "status": order.status,
        "open_to_all": order.open_to_all,
        "station_ids": order.target_station_ids,
    }


def _apply(order: Order, data: OrderInput, skill: Skill, *, text_only: bool = False) -> None:
    order.reference = data.reference.strip()
    order.product = data.product.strip()
    order.description = data.description.strip()
    order.quality_standard = data.quality_standard.strip()
    order.note = data.note.strip()
    order.due_date = data.due_date  # type: ignore[assignment]
    order.materials = [
        OrderMaterial(
            position=i, item=x.item.strip(), quantity_per_piece=x.quantity_per_piece, unit=x.unit.strip()
        )
        for i, x in enumerate(data.materials)
    ]
    if text_only:
        return
    order.skill = skill
    order.skill_id = skill.id
    order.quantity = data.quantity  # type: ignore[assignment]
    order.lot_size = data.lot_size  # type: ignore[assignment]
    order.piece_rate_units = data.piece_rate_units  # type: ignore[assignment]
    order.standard_minutes = data.standard_minutes  # type: ignore[assignment]
    order.service_fee_fen = data.service_fee_fen or 0
    order.open_to_all = data.open_to_all
    wanted = set() if data.open_to_all else set(data.station_ids)
    order.targets = [t for t in order.targets if t.station_id in wanted] + [
        OrderTarget(station_id=s) for s in sorted(wanted - {t.station_id for t in order.targets})
    ]


def _make_lots(order: Order) -> None:
    """Replace the order's lots by the split of its quantity (only while no lot is allotted)."""
    db.session.flush()
    db.session.execute(delete(Lot).where(Lot.order_id == order.id))
    sizes = domain.lot_sizes(order.quantity, order.lot_size)
    db.session.execute(
        insert(Lot), [{"order_id": order.id, "index": i, "pieces": p} for i, p in enumerate(sizes, start=1)]
    )
    db.session.expire(order, ["lots"])


def create_order(
    enterprise_id: int, data: OrderInput, actor: User | None, *, today: date | None = None
) -> Order:
    """Create a draft order for the enterprise, with its lots."""
    return _create(enterprise_id, data, actor, today=today)


def _create(
    enterprise_id: int,
    data: OrderInput,
    actor: User | None,
    *,
    today: date | None = None,
    follows: Order | None = None,
    missing: int = 0,
) -> Order:
    skill = _require_valid(data, today)
    order = Order(enterprise_id=enterprise_id, status=domain.OrderStatus.DRAFT, created_by=actor)
    if follows is not None:
        order.follows_order_id, order.for_missing_pieces = follows.id, bool(missing)
    _apply(order, data, skill)
    db.session.add(order)
    db.session.flush()
    _make_lots(order)
    after = _snapshot(order)
    if follows is not None:  # the audit log names it "Order", with a link, beside "Pieces missing"
        after["order_id"] = follows.id
        if missing:
            after["missing"] = missing
    record(actor, "order.create", order, after=after)
    db.session.flush()
    return order


def reorder(
    order: Order, data: OrderInput, actor: User | None, *, missing: bool, today: date | None = None
) -> Order:
    """Create a draft order made from `order` ("order again"), which records the order it follows.

    With `missing` it is for the pieces `order` missed on receipt that no other follow-up order (not
    cancelled) has ordered again yet; when there are none left it is refused (409), so the same missing
    pieces are not ordered twice (a second tab, a double tap). Otherwise it orders `order` again whole.
    """
    db.session.execute(select(Order.id).where(Order.id == order.id).with_for_update())
    left = missing_not_reordered(order) if missing else 0
    if missing and not left:
        raise OrderServiceError(
            "already_reordered",
            _("The pieces missing from order #%(id)s have already been ordered again.", id=order.id),
            status=409,
        )
    return _create(order.enterprise_id, data, actor, today=today, follows=order, missing=left)


def edit_mode(order: Order) -> str:
    """What may still change: "all", "text" (not quantities or pay: stations took it on) or "none"."""
    if order.status == domain.OrderStatus.DRAFT:
        return "all"
    if order.status == domain.OrderStatus.POSTED and not order.acceptances:
        return "all"
    if order.status in (domain.OrderStatus.POSTED, domain.OrderStatus.ACCEPTED) and not pieces_in_production(
        order.id
    ):
        return "text"
    return "none"


def update_order(
    order: Order,
    data: OrderInput,
    actor: User | None,
    *,
    reason: str | None = None,
    today: date | None = None,
) -> Order:
    """Change an order while nothing of it is in production; a posted order's pay is checked again."""
    mode = edit_mode(order)
    if mode == "none":
        raise OrderServiceError(
            "not_editable", _("This order can no longer be changed: work on it has started."), status=409
        )
    if mode == "text":
        # Stations took it on at the agreed quantities and pay: those stay as they are.
        data.skill_code = order.skill.code
        data.quantity, data.lot_size = order.quantity, order.lot_size
        data.piece_rate_units, data.standard_minutes = order.piece_rate_units, order.standard_minutes
        data.service_fee_fen = order.service_fee_fen
        data.open_to_all, data.station_ids = order.open_to_all, order.target_station_ids
    skill = _require_valid(data, today)
    before = _snapshot(order)
    resplit = mode == "all" and (data.quantity, data.lot_size) != (order.quantity, order.lot_size)
    _apply(order, data, skill, text_only=mode == "text")
    if order.status == domain.OrderStatus.POSTED:
        _check_wage_for_posting(order, reason, today)
    db.session.flush()
    if resplit:
        _make_lots(order)
    after = _snapshot(order)
    changed = {k for k in after if after[k] != before[k]}
    record(
        actor,
        "order.update",
        order,
        before={k: before[k] for k in sorted(changed)},
        after={k: after[k] for k in sorted(changed)},
    )
    db.session.flush()
    return order


# ------------------------------------------------------------------ minimum wage


@dataclass(frozen=True)
class WageRow:
    tier: int
    hourly_fen: int | None  # None: no minimum wage is recorded for the tier on that day
    effective_from: date | None
    confirmed: bool
    districts: tuple[str, ...]
    stations: tuple[str, ...]
    below: bool


@dataclass(frozen=True)
class WageCheck:
    """Pay at the standard pace compared with the hourly minimum of each tier where the order may be made."""

    pay_per_hour_fen: Decimal  # exact to the cent of a fen, for display
    on: date
    rows: tuple[WageRow, ...]
    minimum_rate_units: int | None  # the lowest rate that meets every minimum

    @property
    def below(self) -> bool:
        return any(r.below for r in self.rows)

    def as_json(self) -> dict[str, Any]:
        return {
            "pay_per_hour_fen": str(self.pay_per_hour_fen),
            "on": self.on.isoformat(),
            "below": self.below,
            "minimum_rate_units": self.minimum_rate_units,
            "tiers": [
                {
                    "tier": r.tier,
                    "hourly_fen": r.hourly_fen,
                    "effective_from": r.effective_from.isoformat() if r.effective_from else None,
                    "confirmed": r.confirmed,
                    "districts": list(r.districts),
                    "stations": list(r.stations),
                    "below": r.below,
                }
                for r in self.rows
            ],
        }


def wage_check(
    piece_rate_units: int,
    standard_minutes: Decimal,
    due_date: date,
    *,
    open_to_all: bool = True,
    station_ids: Sequence[int] = (),
) -> WageCheck:
    """Compare the pay per hour at the standard pace with the minimum in force on the due date.

    The stations that may take the order decide the districts (all stations when it is open to all; every
    district when there is no station yet).
    """
    from factory.reference.models import District
    from factory.reference.services import minimum_wage_on

    stmt = select(Station)
    if not open_to_all:
        stmt = stmt.where(Station.id.in_(list(station_ids) or [-1]))
    stations = db.session.scalars(stmt.order_by(Station.id)).all()
    by_tier: dict[int, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    if stations:
        for station in stations:
            by_tier[station.district.tier][0].add(station.district.name)
            by_tier[station.district.tier][1].add(station.name)
    else:
        for district in db.session.scalars(select(District)):
            by_tier[district.tier][0].add(district.name)
    pay = domain.pay_per_hour_at_standard_pace(piece_rate_units, standard_minutes)
    rows = []
    needed: int | None = None
    for tier in sorted(by_tier):
        wage = minimum_wage_on(tier, due_date)
        below = wage is not None and domain.below_minimum(piece_rate_units, standard_minutes, wage.hourly_fen)
        if wage is not None:
            rate = domain.minimum_rate_units(standard_minutes, wage.hourly_fen)
            needed = rate if needed is None else max(needed, rate)
        districts, names = by_tier[tier]
        rows.append(
            WageRow(
                tier=tier,
                hourly_fen=wage.hourly_fen if wage else None,
                effective_from=wage.effective_from if wage else None,
                confirmed=bool(wage and wage.confirmed),
                districts=tuple(sorted(districts)),
                stations=tuple(sorted(names)),
                below=below,
            )
        )
    shown = (Decimal(pay.numerator) / Decimal(pay.denominator)).quantize(Decimal("0.01"))
    return WageCheck(pay_per_hour_fen=shown, on=due_date, rows=tuple(rows), minimum_rate_units=needed)


def wage_check_for(order: Order) -> WageCheck:
    return wage_check(
        order.piece_rate_units,
        order.standard_minutes,
        order.due_date,
        open_to_all=order.open_to_all,
        station_ids=order.target_station_ids,
    )


def _yuan(fen: int | Decimal | None) -> str:
    if fen is None:
        return "—"
    return f"¥{Decimal(fen) / 100:.2f}"


def below_minimum_message(check: WageCheck) -> str:
    low = [r for r in check.rows if r.below]
    worst = max((r.hourly_fen or 0) for r in low)
    return _(
        "At the standard pace this pays %(pay)s an hour, below the minimum wage of %(minimum)s an hour "
        "in force on %(day)s where the order may be made (%(districts)s). Raise the piece rate to at least "
        "%(rate)s, or record why the order should go out as it is.",
        pay=_yuan(check.pay_per_hour_fen),
        minimum=_yuan(worst),
        day=check.on.isoformat(),
        districts="、".join(d for r in low for d in r.districts),
        rate=_rate_yuan(check.minimum_rate_units),
    )


def _rate_yuan(units: int | None) -> str:
    if units is None:
        return "—"
    from factory.money import format_rate

    return format_rate(units)


def _check_wage_for_posting(order: Order, reason: str | None, today: date | None) -> None:
    check = wage_check_for(order)
    reason = (reason or "").strip()
    if check.below and not reason:
        raise OrderServiceError(
            "below_minimum_wage",
            below_minimum_message(check),
            {"below_minimum_reason": [_("Give a reason to post an order that pays below the minimum wage.")]},
            details={"wage_check": check.as_json()},
        )
    problem = text_problem(reason, m.REASON_MAX)
    if problem:
        raise OrderServiceError("invalid", problem, {"below_minimum_reason": [problem]})
    order.wage_check = check.as_json()
    order.below_minimum_reason = reason if check.below else None


# ------------------------------------------------------------------ life cycle


def _move(order: Order, target: domain.OrderStatus, actor: User | None, action: str, **extra: Any) -> None:
    try:
        domain.check_transition(
            order.status,
            target,
            pieces_in_production=extra.pop("in_production", 0),
            settled_short=extra.pop("settled_short", False),
        )
    except domain.OrderError as exc:
        message = translate_domain_message(str(exc))
        if exc.code == "invalid_transition":  # say the statuses in words, as the pages show them
            from factory.orders.routes import status_label

            if order.status == target:
                message = _("This order is already %(status)s.", status=status_label(order.status))
            else:
                message = _(
                    "An order that is %(from)s cannot become %(to)s.",
                    **{"from": status_label(order.status), "to": status_label(target.value)},
                )
        raise OrderServiceError(exc.code, message, status=409) from None
    before = order.status
    order.status = target
    record(actor, action, order, before={"status": before}, after={"status": target.value, **extra})


def post_order(
    order: Order, actor: User | None, *, reason: str | None = None, today: date | None = None
) -> Order:
    """Post a draft order to the stations: checked again, and against the minimum wage on the due date."""
    if order.status != domain.OrderStatus.DRAFT:
        raise OrderServiceError("invalid_transition", _("Only a draft order can be posted."), status=409)
    today = today or local_today()
    if order.due_date < today:
        message = translate_domain_message(domain.MESSAGES["due_date_past"])
        raise OrderServiceError("invalid", message, {"due_date": [message]})
    _check_wage_for_posting(order, reason, today)
    order.posted_at = utcnow()
    _move(
        order,
        domain.OrderStatus.POSTED,
        actor,
        "order.post",
        below_minimum_reason=order.below_minimum_reason,
        pay_per_hour_fen=order.wage_check["pay_per_hour_fen"] if order.wage_check else None,
    )
    db.session.flush()
    return order


def withdraw_order(order: Order, actor: User | None) -> Order:
    """Take a posted order that no station has taken on back to draft, to correct it."""
    if order.acceptances:
        raise OrderServiceError(
            "accepted", _("A station has taken this order on; it cannot go back to draft."), status=409
        )
    _move(order, domain.OrderStatus.DRAFT, actor, "order.withdraw")
    db.session.flush()
    return order


def cancel_order(order: Order, actor: User | None) -> Order:
    """Cancel an order while nothing of it is in production; its lots are released."""
    in_production = pieces_in_production(order.id)
    _move(order, domain.OrderStatus.CANCELLED, actor, "order.cancel", in_production=in_production)
    db.session.flush()
    return order


def close_order(order: Order, actor: User | None, reason: str = "") -> Order:
    """Close an order whose pieces were all delivered, or one that is short.

    Short: nothing more of the order will be made or delivered (every piece was delivered or failed
    inspection for good), every delivery is confirmed, and some pieces never arrived (`missing_on_receipt`);
    they will not come, so the coordinator closes the order with a reason, kept in the log.
    """
    if order.status == domain.OrderStatus.IN_PRODUCTION:
        missing, waiting = missing_on_receipt(order)
        reason = (reason or "").strip()
        problem = text_problem(reason, 500, required=True)
        if missing and not waiting and problem:
            raise OrderServiceError("invalid", problem, {"reason": [problem]})
        _move(
            order,
            domain.OrderStatus.CLOSED,
            actor,
            "order.close_short",
            settled_short=bool(missing and not waiting),
            missing=missing,
            reason=reason,
        )
    else:
        _move(order, domain.OrderStatus.CLOSED, actor, "order.close")
    db.session.flush()
    return order


def _deliveries(order: Order) -> Sequence[Any]:
    from factory.orders.models import Delivery

    return db.session.scalars(select(Delivery).where(Delivery.order_id == order.id)).all()


def _not_coming(order: Order) -> tuple[int, int, bool]:
    """(pieces the enterprise will not get, deliveries not yet confirmed, whether that is settled).

    Settled once every piece of the order was delivered or rejected for good at inspection: nothing more
    will be made or delivered. The pieces not coming are then those found missing on receipt plus those
    never delivered (rejected for good). Before that, only the pieces found missing on receipt so far.
    """
    rows = _deliveries(order)
    waiting = sum(1 for d in rows if d.received_at is None)
    delivered = sum(d.pieces for d in rows)
    short = sum(d.short for d in rows)
    if delivered >= order.quantity:
        return short, waiting, True
    scrapped = order_progress([order.id])[order.id].rejected
    if delivered + scrapped < order.quantity:
        return short, waiting, False
    return short + order.quantity - delivered, waiting, True


def missing_on_receipt(order: Order) -> tuple[int, int]:
    """Pieces the enterprise will not get, once nothing more of the order will be made or delivered (the
    stations delivered every piece that passed inspection, the rest failed for good), and deliveries not
    yet confirmed. (0, …) while pieces are still to be made or delivered: nothing is settled yet."""
    missing, waiting, settled = _not_coming(order)
    return (missing if settled else 0), waiting


def missing_pieces(order: Order) -> int:
    """Pieces of the order the enterprise will not get, as far as known: found missing on receipt, and once
    nothing more will be made, those that failed inspection for good and were never delivered."""
    return _not_coming(order)[0]


def missing_reordered(order: Order) -> int:
    """Pieces ordered again for what `order` missed, in its follow-up orders that are not cancelled."""
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(Order.quantity), 0)).where(
                Order.follows_order_id == order.id,
                Order.for_missing_pieces.is_(True),
                Order.status != domain.OrderStatus.CANCELLED,
            )
        )
        or 0
    )


def missing_not_reordered(order: Order) -> int:
    """Pieces `order` missed on receipt that no follow-up order (not cancelled) has ordered again."""
    return max(0, missing_pieces(order) - missing_reordered(order))


def late_orders(enterprise_id: int) -> list[Order]:
    """The enterprise's orders past their due day and not yet delivered in full, most overdue first."""
    return list(
        db.session.scalars(
            select(Order)
            .where(
                Order.enterprise_id == enterprise_id,
                Order.due_date < local_today(),
                Order.status.in_(
                    [domain.OrderStatus.POSTED, domain.OrderStatus.ACCEPTED, domain.OrderStatus.IN_PRODUCTION]
                ),
            )
            .order_by(Order.due_date, Order.id)
        )
    )


def follow_ups(order_ids: Sequence[int], user: User) -> dict[int, list[Order]]:
    """The orders made from each of these orders ("order again") that `user` may see, oldest first."""
    out: dict[int, list[Order]] = {i: [] for i in order_ids}
    if not order_ids:
        return out
    stmt = visible_orders_query(user).where(Order.follows_order_id.in_(list(order_ids)))
    for row in db.session.scalars(stmt.order_by(None).order_by(Order.id)):
        out[row.follows_order_id].append(row)  # type: ignore[index]
    return out


def mark_in_production(order_id: int, actor: User | None) -> None:
    """Note that work on an accepted order has started (called by the features that assign work)."""
    order = db.session.get(Order, order_id)
    if order is not None and order.status == domain.OrderStatus.ACCEPTED:
        _move(order, domain.OrderStatus.IN_PRODUCTION, actor, "order.in_production")
        db.session.flush()


def advance(order: Order, actor: User | None) -> None:
    """Move the order along as its counts say: work started → in production; all received → delivered."""
    progress = order_progress([order.id])[order.id]
    if order.status == domain.OrderStatus.ACCEPTED and (
        progress.assigned or progress.reported or progress.accepted or progress.delivered
    ):
        _move(order, domain.OrderStatus.IN_PRODUCTION, actor, "order.in_production")
    if order.status == domain.OrderStatus.IN_PRODUCTION and progress.received >= order.quantity:
        _move(order, domain.OrderStatus.DELIVERED, actor, "order.delivered")
    db.session.flush()


# ------------------------------------------------------------------ visibility


def may_take(order: Order, station_id: int | None) -> bool:
    """Whether the station may take this order on (it is offered to all stations or to this one)."""
    if station_id is None or order.status not in (domain.OrderStatus.POSTED, domain.OrderStatus.ACCEPTED):
        return False
    return order.open_to_all or station_id in order.target_station_ids


def station_has_taken(order_id: int, station_id: int | None) -> bool:
    if station_id is None:
        return False
    return (
        db.session.scalar(
            select(Acceptance.id)
            .where(Acceptance.order_id == order_id, Acceptance.station_id == station_id)
            .limit(1)
        )
        is not None
    )


def can_see(order: Order, user: User) -> bool:
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.COORDINATOR:
        return order.enterprise_id == user.enterprise_id
    if user.role == Role.ORGANISER:
        return may_take(order, user.station_id) or station_has_taken(order.id, user.station_id)
    return False


def visible_orders_query(user: User) -> Any:
    """A select of the orders `user` may see (newest first)."""
    stmt = select(Order).order_by(Order.id.desc())
    if user.role == Role.ADMIN:
        return stmt
    if user.role == Role.COORDINATOR:
        return stmt.where(Order.enterprise_id == user.enterprise_id)
    if user.role == Role.ORGANISER:
        taken = select(Acceptance.order_id).where(Acceptance.station_id == user.station_id)
        targeted = select(OrderTarget.order_id).where(OrderTarget.station_id == user.station_id)
        offered = Order.status.in_([domain.OrderStatus.POSTED, domain.OrderStatus.ACCEPTED]) & or_(
            Order.open_to_all, Order.id.in_(targeted)
        )
        return stmt.where(or_(Order.id.in_(taken), offered))
    return stmt.where(Order.id == -1)


def offered_orders(station_id: int) -> list[Order]:
    """Posted orders this station may take on that still have pieces left."""
    targeted = select(OrderTarget.order_id).where(OrderTarget.station_id == station_id)
    orders = db.session.scalars(
        select(Order)
        .where(
            Order.status.in_([domain.OrderStatus.POSTED, domain.OrderStatus.ACCEPTED]),
            or_(Order.open_to_all, Order.id.in_(targeted)),
        )
        .order_by(Order.due_date, Order.id)
    ).all()
    left = pieces_left({o.id for o in orders})
    return [o for o in orders if left.get(o.id, 0) > 0]


def taken_orders(station_id: int) -> list[Order]:
    taken = select(Acceptance.order_id).where(Acceptance.station_id == station_id)
    return list(
        db.session.scalars(select(Order).where(Order.id.in_(taken)).order_by(Order.due_date, Order.id))
    )


# ------------------------------------------------------------------ taking orders on


def pieces_left(order_ids: Iterable[int]) -> dict[int, int]:
    """Pieces of each order not yet allotted to a station."""
    ids = list(order_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Lot.order_id, func.coalesce(func.sum(Lot.pieces), 0))
        .where(Lot.order_id.in_(ids), Lot.station_id.is_(None))
        .group_by(Lot.order_id)
    ).all()
    return {order_id: int(total) for order_id, total in rows}


def valid_take_quantities(order: Order) -> list[int]:
    """The quantities a station can take: whole lots, in lot order (the last lot may be smaller)."""
    free = db.session.scalars(
        select(Lot.pieces).where(Lot.order_id == order.id, Lot.station_id.is_(None)).order_by(Lot.index)
    ).all()
    out, total = [], 0
    for pieces in free:
        total += pieces
        out.append(total)
    return out


def accept_order(order: Order, station_id: int, quantity: Any, actor: User | None) -> Acceptance:
    """The station takes on `quantity` pieces (whole lots) of a posted order; the lots are allotted to it."""
    if order.status not in (domain.OrderStatus.POSTED, domain.OrderStatus.ACCEPTED):
        raise OrderServiceError("not_open", _("This order is not open to take on."), status=409)
    if not may_take(order, station_id):
        raise OrderServiceError("not_offered", _("This order is not offered to your station."), status=403)
    amount, problem = parse_int(quantity)
    if problem or amount is None:
        message = problem or _("Enter the number of pieces.")
        raise OrderServiceError("invalid", message, {"quantity": [message]})
    # Lock the order row so that two stations taking the last lots at once cannot both get them.
    db.session.execute(select(Order.id).where(Order.id == order.id).with_for_update())
    valid = valid_take_quantities(order)
    left = valid[-1] if valid else 0
    if left == 0:
        raise OrderServiceError(
            "nothing_left", _("Other stations have taken on every piece of this order."), status=409
        )
    if amount <= 0 or amount > left:
        message = _("Enter a number of pieces from 1 to %(left)s.", left=left)
        raise OrderServiceError("invalid", message, {"quantity": [message]})
    if amount not in valid:
        lower = max((v for v in valid if v < amount), default=None)
        upper = min(v for v in valid if v > amount)
        message = _(
            "Material comes in kits of %(lot)s pieces, so take whole lots: %(choices)s pieces.",
            lot=order.lot_size,
            choices=_(" or ").join(str(v) for v in (lower, upper) if v is not None),
        )
        raise OrderServiceError("whole_lots", message, {"quantity": [message]})
    acceptance = Acceptance(order=order, station_id=station_id, quantity=amount, accepted_by=actor)
    db.session.add(acceptance)
    db.session.flush()
    lot_ids = db.session.scalars(
        select(Lot.id)
        .where(Lot.order_id == order.id, Lot.station_id.is_(None))
        .order_by(Lot.index)
        .limit(valid.index(amount) + 1)
    ).all()
    result = db.session.execute(
        update(Lot)
        .where(Lot.id.in_(lot_ids), Lot.station_id.is_(None))
        .values(station_id=station_id, acceptance_id=acceptance.id)
    )
    if result.rowcount != len(lot_ids):  # another station took some of these lots meanwhile
        raise OrderServiceError(
            "conflict", _("Another station took these lots just now. Please try again."), status=409
        )
    db.session.expire(order, ["lots", "acceptances"])
    indexes = db.session.scalars(select(Lot.index).where(Lot.id.in_(lot_ids)).order_by(Lot.index)).all()
    record(
        actor,
        "order.accept",
        acceptance,
        after={"quantity": amount, "lots": f"{indexes[0]}–{indexes[-1]}", "order_id": order.id},
        station_id=station_id,
        enterprise_id=order.enterprise_id,
    )
    if order.status == domain.OrderStatus.POSTED:
        _move(order, domain.OrderStatus.ACCEPTED, actor, "order.accepted")
    db.session.flush()
    return acceptance


def lot_ranges(lots: Sequence[Lot]) -> str:
    """Lot numbers as ranges: 1–3, 7, 9–10."""
    indexes = sorted(lot.index for lot in lots)
    parts: list[str] = []
    start = prev = None
    for i in indexes:
        if start is None:
            start = prev = i
        elif i == prev + 1:  # type: ignore[operator]
            prev = i
        else:
            parts.append(f"{start}–{prev}" if start != prev else str(start))
            start = prev = i
    if start is not None:
        parts.append(f"{start}–{prev}" if start != prev else str(start))
    return ", ".join(parts)


# ------------------------------------------------------------------ progress


@dataclass(frozen=True)
class ProductionCount:
    """Pieces counted by a later feature for one order, station and day (any field may be zero)."""

    order_id: int
    station_id: int
    day: date
    assigned: int = 0
    reported: int = 0
    accepted: int = 0
    rejected: int = 0


ProgressSource = Callable[[Sequence[int]], Iterable[ProductionCount]]

# The extension point for counts this feature does not record itself. A source is a function that takes
# order ids and returns ProductionCount rows (usually one GROUP BY query: order, station, day). Every
# registered source is asked and their counts are added up. Production registers one with
# `register_progress_source` when its module is imported.
PROGRESS_SOURCES: list[ProgressSource] = []


def register_progress_source(source: ProgressSource) -> ProgressSource:
    """Add a source of assigned / reported / inspected counts (usable as a decorator)."""
    if source not in PROGRESS_SOURCES:
        PROGRESS_SOURCES.append(source)
    return source


@dataclass(frozen=True)
class LotCount:
    """Pieces of one lot that passed inspection, counted by a later feature."""

    order_id: int
    lot_id: int
    accepted: int


LotSource = Callable[[Sequence[int]], Iterable[LotCount]]

# Pieces that passed inspection per lot, for what each lot may deliver. Production registers one with
# `register_lot_source`; the counts of every registered source are added up.
LOT_SOURCES: list[LotSource] = []


def register_lot_source(source: LotSource) -> LotSource:
    """Add a source of pieces passed per lot (usable as a decorator)."""
    if source not in LOT_SOURCES:
        LOT_SOURCES.append(source)
    return source


def accepted_by_lot(order_id: int) -> dict[int, int]:
    """Pieces of each lot of the order (by lot id) that passed inspection."""
    out: dict[int, int] = defaultdict(int)
    for source in LOT_SOURCES:
        for row in source([order_id]):
            if row.order_id == order_id:
                out[row.lot_id] += row.accepted
    return dict(out)


@dataclass
class DayCounts:
    reported: int = 0
    accepted: int = 0
    rejected: int = 0
    delivered: int = 0
    received: int = 0  # pieces the enterprise counted on receipt, on the (local) day it confirmed


@dataclass
class Progress:
    """An order's pieces at each step, in total and by day (one station's share when asked per station)."""

    quantity: int = 0
    accepted_by_stations: int = 0
    assigned: int = 0
    reported: int = 0
    accepted: int = 0
    rejected: int = 0
    delivered: int = 0
    received: int = 0  # delivered pieces the enterprise confirmed
    missing: int = 0  # pieces of confirmed deliveries the enterprise did not find (delivered − counted)
    by_day: dict[date, DayCounts] = field(default_factory=dict)

    @property
    def awaiting_receipt(self) -> int:
        """Delivered pieces whose receipt the enterprise has not confirmed yet."""
        return self.delivered - self.received - self.missing

    def day(self, day: date) -> DayCounts:
        return self.by_day.setdefault(day, DayCounts())

    def series(self) -> list[tuple[date, DayCounts]]:
        """The days in order, with the counts of each day (not cumulative)."""
        return sorted(self.by_day.items())

    def as_json(self) -> dict[str, Any]:
        return {
            "quantity": self.quantity,
            "accepted_by_stations": self.accepted_by_stations,
            "assigned": self.assigned,
            "reported": self.reported,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "delivered": self.delivered,
            "received": self.received,
            "missing": self.missing,
            "by_day": [
                {
                    "day": d.isoformat(),
                    "reported": c.reported,
                    "accepted": c.accepted,
                    "rejected": c.rejected,
                    "delivered": c.delivered,
                    "received": c.received,
                }
                for d, c in self.series()
            ],
        }


def order_progress(order_ids: Iterable[int], *, station_id: int | None = None) -> dict[int, Progress]:
    """Count each order's pieces: taken on, assigned, reported, inspected, delivered, in total and by day.

    With `station_id`, only that station's share (its lots, its counts, its deliveries).
    """
    ids = sorted(set(order_ids))
    out: dict[int, Progress] = {i: Progress() for i in ids}
    if not ids:
        return out
    for order_id, quantity in db.session.execute(select(Order.id, Order.quantity).where(Order.id.in_(ids))):
        out[order_id].quantity = quantity
    taken = select(Acceptance.order_id, func.sum(Acceptance.quantity)).where(Acceptance.order_id.in_(ids))
    if station_id is not None:
        taken = taken.where(Acceptance.station_id == station_id)
    for order_id, total in db.session.execute(taken.group_by(Acceptance.order_id)):
        out[order_id].accepted_by_stations = int(total or 0)
    deliveries = select(
        Delivery.order_id,
        Delivery.delivered_on,
        Delivery.pieces,
        Delivery.received_at,
        func.coalesce(Delivery.received_pieces, Delivery.pieces),
    ).where(Delivery.order_id.in_(ids))
    if station_id is not None:
        deliveries = deliveries.where(Delivery.station_id == station_id)
    for order_id, day, pieces, received_at, received in db.session.execute(deliveries):
        progress = out[order_id]
        progress.delivered += pieces
        progress.day(day).delivered += pieces
        if received_at is not None:
            progress.received += received
            progress.missing += pieces - received
            progress.day(received_at.astimezone(LOCAL_TZ).date()).received += received
    for source in PROGRESS_SOURCES:
        for row in source(ids):
            if row.order_id not in out or (station_id is not None and row.station_id != station_id):
                continue
            progress = out[row.order_id]
            progress.assigned += row.assigned
            progress.reported += row.reported
            progress.accepted += row.accepted
            progress.rejected += row.rejected
            if row.reported or row.accepted or row.rejected:
                day = progress.day(row.day)
                day.reported += row.reported
                day.accepted += row.accepted
                day.rejected += row.rejected
    return out


def progress_by_station(order_id: int) -> list[tuple[Station, Progress]]:
    """Each station's share of an order (the stations that took part of it on)."""
    stations = db.session.scalars(
        select(Station)
        .where(Station.id.in_(select(Acceptance.station_id).where(Acceptance.order_id == order_id)))
        .order_by(Station.name)
    ).all()
    return [(s, order_progress([order_id], station_id=s.id)[order_id]) for s in stations]


def pieces_in_production(order_id: int) -> int:
    """Pieces whose material is with workers or further along (what blocks cancelling and editing)."""
    progress = order_progress([order_id])[order_id]
    return max(progress.assigned, progress.reported, progress.accepted + progress.rejected)


ESTIMATE_WINDOW_DAYS = 7
# The furthest a recent pace is carried forward to a date (about three months, thirteen windows).
ESTIMATE_HORIZON_DAYS = 90


@dataclass(frozen=True)
class Estimate:
    """When the pieces of an order (or of one station's share) will all have passed inspection.

    `kind` is one of:
      - "done": every piece of the goal has passed inspection;
      - "inspected": every piece has been inspected, but `remaining` of them failed for good: they will not
        pass, and nothing is left to make (the order can be closed short, or those pieces ordered again);
      - "date": at the recent pace the rest passes by `day`;
      - "too_slow": something passed in the window, but so little that the rest would take more than
        ESTIMATE_HORIZON_DAYS: no date is given (a week's pace says nothing about a day that far away);
      - "no_pace": nothing passed inspection in the window.
    `late` says the goal will not be met by the due date at the recent pace (or the due date has passed);
    `needed_per_day` is how many pieces must pass each day from today to meet the due date (None when the
    due date has passed or nothing is left).
    """

    kind: str
    window: int
    recent: int  # pieces passed inspection in the window
    remaining: int
    day: date | None = None
    late: bool = False
    needed_per_day: int | None = None
    horizon: int = ESTIMATE_HORIZON_DAYS

    @property
    def per_day(self) -> int:
        """The recent pace in whole pieces a day, rounded half up (0: less than half a piece a day)."""
        return (2 * self.recent + self.window) // (2 * self.window)


def estimate_completion(
    progress: Progress,
    *,
    goal: int | None = None,
    due: date | None = None,
    today: date | None = None,
    window: int = ESTIMATE_WINDOW_DAYS,
) -> Estimate:
    """Estimate when the `goal` pieces (the order's quantity unless given, e.g. a station's share) will all
    have passed inspection, at the pace of the last `window` days (today included).

    The rule: the pace is the pieces that passed inspection in the window divided by its days, and the rest
    is carried forward at that pace, rounded up to whole days. A date is given only when it falls within
    ESTIMATE_HORIZON_DAYS (90) of today. When nothing passed in the window there is no pace ("no_pace"); when
    the pace would need longer than the horizon ("too_slow") there was too little recent work to name a
    sensible day, and none is given. Either way, with a `due` date, `late` still says whether the pace falls
    short of it: the projected finish (however far) lies after the due date, or the due date has passed.
    """
    today = today or local_today()
    goal = progress.quantity if goal is None else goal
    # pieces rejected for good are decided too: they will never pass, and nobody makes them again
    remaining = max(0, goal - progress.accepted - progress.rejected)
    since = today - timedelta(days=window - 1)
    recent = sum(c.accepted for d, c in progress.by_day.items() if since <= d <= today)
    if progress.accepted >= goal:
        return Estimate("done", window, recent, 0, day=today)
    if remaining == 0:
        return Estimate("inspected", window, recent, goal - progress.accepted, day=today)
    needed = None
    if due is not None and due >= today:
        needed = -(-remaining // ((due - today).days + 1))
    overdue = due is not None and due < today
    if recent <= 0:
        return Estimate("no_pace", window, 0, remaining, late=overdue, needed_per_day=needed)
    days = -(-remaining * window // recent)  # whole days, rounded up, in integers (no float, no overflow)
    late = due is not None and days > (due - today).days
    if days > ESTIMATE_HORIZON_DAYS:
        return Estimate("too_slow", window, recent, remaining, late=late, needed_per_day=needed)
    finish = today + timedelta(days=days)
    return Estimate("date", window, recent, remaining, day=finish, late=late, needed_per_day=needed)


# ------------------------------------------------------------------ helpers for the views


def rate_yuan_text(units: int) -> str:
    """A piece rate as the form shows it (yuan, up to 4 decimals, no sign)."""
    whole, frac = divmod(units, 10_000)
    text = f"{whole}.{frac:04d}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def fen_yuan_text(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def input_from_order(order: Order) -> OrderInput:
    return OrderInput(
        product=order.product,
        skill_code=order.skill.code,
        quantity=order.quantity,
        lot_size=order.lot_size,
        piece_rate_units=order.piece_rate_units,
        standard_minutes=order.standard_minutes,
        due_date=order.due_date,
        service_fee_fen=order.service_fee_fen,
        reference=order.reference,
        description=order.description,
        quality_standard=order.quality_standard,
        note=order.note,
        materials=[Material(x.item, x.quantity_per_piece, x.unit) for x in order.materials],
        open_to_all=order.open_to_all,
        station_ids=order.target_station_ids,
    )


def stations_by_id(ids: Iterable[int]) -> Mapping[int, Station]:
    ids = list(ids)
    if not ids:
        return {}
    return {s.id: s for s in db.session.scalars(select(Station).where(Station.id.in_(ids)))}


# ------------------------------------------------------------------ reading typed text (pages, import)


def order_input_from_text(values: Mapping[str, Any]) -> tuple[OrderInput, dict[str, list[str]]]:
    """Read an order from text fields as a person types them (yuan amounts, a material list a line)."""
    from factory.money import parse_rate_yuan, parse_yuan

    errors: dict[str, list[str]] = {}

    def text(name: str) -> str:
        value = values.get(name)
        return "" if value is None else str(value)

    quantity, problem = parse_int(values.get("quantity"))
    if problem:
        errors["quantity"] = [problem]
    lot_size, problem = parse_int(values.get("lot_size"))
    if problem:
        errors["lot_size"] = [problem]
    rate: int | None = None
    if text("piece_rate").strip():
        try:
            rate = parse_rate_yuan(text("piece_rate"))
        except (TypeError, ValueError):
            errors["piece_rate"] = [
                _("Enter the piece rate in yuan with up to 4 decimals, for example 0.35.")
            ]
    fee = 0
    if text("service_fee").strip():
        try:
            fee = parse_yuan(text("service_fee"))
        except (TypeError, ValueError):
            errors["service_fee"] = [
                _("Enter the service fee in yuan with up to 2 decimals, for example 0.05.")
            ]
    minutes, problem = parse_decimal(values.get("standard_minutes"), 2)
    if problem:
        errors["standard_minutes"] = [problem]
    due, problem = parse_date(values.get("due_date"))
    if problem:
        errors["due_date"] = [problem]
    materials, problem = parse_materials_text(text("materials"))
    if problem:
        errors["materials"] = [problem]
    station_ids = [int(s) for s in values.get("station_ids") or [] if str(s).isdigit()]
    data = OrderInput(
        product=text("product").strip(),
        skill_code=text("skill").strip(),
        quantity=quantity,
        lot_size=lot_size,
        piece_rate_units=rate,
        standard_minutes=minutes,
        due_date=due,
        service_fee_fen=fee,
        reference=text("reference").strip(),
        description=text("description").strip(),
        quality_standard=text("quality_standard").strip(),
        note=text("note").strip(),
        materials=materials,
        open_to_all=bool(values.get("open_to_all", True)),
        station_ids=station_ids,
    )
    return data, errors


def merge_errors(*sources: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Combine problems by field, keeping the first message of a field (the parse error comes first)."""
    out: dict[str, list[str]] = {}
    for source in sources:
        for name, messages in source.items():
            if name not in out:
                out[name] = list(messages)
    return out
