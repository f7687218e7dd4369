"""The order paths of the JSON API (see OPENAPI_PATHS); they call the same services as the pages."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from factory.access import allow
from factory.accounts.models import Role
from factory.api.routes import ApiError, bp, error_responses, json_body
from factory.extensions import db
from factory.money import RATE_UNITS_PER_FEN
from factory.orders import deliveries as dl
from factory.orders import domain, services
from factory.orders import models as m
from factory.orders.models import Delivery, Order, OrderRequestKey
from factory.orders.services import OrderServiceError

API_FIELD = {"piece_rate": "piece_rate_fen", "service_fee": "service_fee_fen", "stations": "station_ids"}


def _fail(exc: OrderServiceError) -> ApiError:
    fields = {API_FIELD.get(k, k): v for k, v in exc.fields.items()} or None
    return ApiError(exc.status, exc.code, exc.message, fields)


def _order_or_404(order_id: int) -> Order:
    order = db.session.get(Order, order_id) if order_id <= services.MAX_ID else None
    if order is None or not services.can_see(order, current_user):
        raise ApiError(404, "not_found", _("There is no such order, or it is not yours to see."))
    return order


def _own_order_or_404(order_id: int) -> Order:
    order = _order_or_404(order_id)
    if current_user.role != Role.COORDINATOR or order.enterprise_id != current_user.enterprise_id:
        raise ApiError(404, "not_found", _("There is no such order, or it is not yours to see."))
    return order


# ------------------------------------------------------------------ idempotency


def idempotent(view: Callable[..., tuple[dict[str, Any], int]]) -> Callable[..., Any]:
    """Answer a retried write (same Idempotency-Key, same body) with its first answer."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            return view(*args, **kwargs)
        if len(key) > 100:
            raise ApiError(
                400, "bad_idempotency_key", _("The Idempotency-Key can have at most 100 characters.")
            )
        digest = hashlib.sha256(request.path.encode() + b"\n" + request.get_data()).hexdigest()
        seen = db.session.scalar(
            select(OrderRequestKey).where(
                OrderRequestKey.user_id == current_user.id, OrderRequestKey.key == key
            )
        )
        if seen is not None:
            if seen.body_hash != digest:
                raise ApiError(
                    422, "idempotency_key_reused", _("This Idempotency-Key was used with another request.")
                )
            return seen.response, seen.status_code
        body, status = view(*args, **kwargs)
        db.session.add(
            OrderRequestKey(
                user_id=current_user.id, key=key, body_hash=digest, status_code=status, response=body
            )
        )
        try:
            db.session.flush()
        except IntegrityError:
            raise ApiError(409, "conflict", _("The same request is being handled already.")) from None
        return body, status

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


# ------------------------------------------------------------------ shapes


def _number(value: Decimal) -> int | float:
    """An exact decimal as a JSON number (an int when whole)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _pay_per_hour_fen(order: Order) -> Decimal:
    """What the worker earns an hour at the standard pace (a draft has no wage check yet), as the page shows
    it: to the cent of a fen."""
    pay = domain.pay_per_hour_at_standard_pace(order.piece_rate_units, order.standard_minutes)
    return (Decimal(pay.numerator) / Decimal(pay.denominator)).quantize(Decimal("0.01"))


def order_json(
    order: Order, progress: services.Progress | None = None, follow_ups: list[Order] | None = None
) -> dict[str, Any]:
    progress = progress or services.order_progress([order.id])[order.id]
    if follow_ups is None:
        follow_ups = services.follow_ups([order.id], current_user)[order.id]
    check = order.wage_check or {}
    return {
        "id": order.id,
        "reference": order.reference,
        "product": order.product,
        "description": order.description,
        "skill": order.skill.code,
        "quantity": order.quantity,
        "lot_size": order.lot_size,
        "lots": len(order.lots),
        "piece_rate_fen": _number(Decimal(order.piece_rate_units) / RATE_UNITS_PER_FEN),
        "standard_minutes": _number(order.standard_minutes),
        "service_fee_fen": order.service_fee_fen,
        "due_date": order.due_date.isoformat(),
        "quality_standard": order.quality_standard,
        "note": order.note,
        "materials": [
            {"item": x.item, "quantity_per_piece": _number(x.quantity_per_piece), "unit": x.unit}
            for x in order.materials
        ],
        "status": order.status,
        "open_to_all": order.open_to_all,
        "station_ids": order.target_station_ids,
        "pay_per_hour_fen": _number(Decimal(check["pay_per_hour_fen"]))
        if check.get("pay_per_hour_fen")
        else _number(_pay_per_hour_fen(order)),
        "below_minimum_reason": order.below_minimum_reason,
        "acceptances": [
            {
                "station_id": a.station_id,
                "station": a.station.name,
                "quantity": a.quantity,
                "accepted_at": a.accepted_at.isoformat(),
            }
            for a in order.acceptances
        ],
        "created_at": order.created_at.isoformat(),
        "posted_at": order.posted_at.isoformat() if order.posted_at else None,
        "progress": {k: v for k, v in progress.as_json().items()},
        "follows_order_id": order.follows_order_id,
        "for_missing_pieces": order.for_missing_pieces,
        "follow_up_order_ids": [f.id for f in follow_ups],
    }


def delivery_json(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "number": delivery.number,
        "order_id": delivery.order_id,
        "station_id": delivery.station_id,
        "delivered_on": delivery.delivered_on.isoformat(),
        "pieces": delivery.pieces,
        "lines": [{"lot": line.lot.index, "pieces": line.pieces} for line in delivery.lines],
        "note": delivery.note,
        "received_at": delivery.received_at.isoformat() if delivery.received_at else None,
        "received": delivery.pieces_received if delivery.received_at else None,
        "receipt_note": delivery.receipt_note,
    }


# ------------------------------------------------------------------ reading a body


def _text(body: dict[str, Any], name: str, errors: dict[str, list[str]]) -> str:
    value = body.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.setdefault(name, []).append(_("Send text."))
        return ""
    return value


def _order_input(body: dict[str, Any]) -> tuple[services.OrderInput, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    texts = {
        name: _text(body, name, errors)
        for name in ("product", "skill", "reference", "description", "quality_standard", "note", "due_date")
    }
    ints: dict[str, int | None] = {}
    for name in ("quantity", "lot_size", "service_fee_fen"):
        value = body.get(name)
        if value is not None and not isinstance(value, int | float) or isinstance(value, bool):
            errors.setdefault(name, []).append(_("Send a whole number."))
            ints[name] = None
            continue
        number, problem = services.parse_int(value)
        if problem:
            errors.setdefault(name, []).append(problem)
        ints[name] = number
    rate: int | None = None
    raw_rate = body.get("piece_rate_fen")
    if raw_rate is not None:
        if isinstance(raw_rate, bool) or not isinstance(raw_rate, int | float):
            errors["piece_rate_fen"] = [_("Send the piece rate in fen as a number, e.g. 35 or 35.5.")]
        else:
            fen, problem = services.parse_decimal(raw_rate, 2)
            if problem or fen is None:
                errors["piece_rate_fen"] = [problem or _("Send a number.")]
            else:
                rate = int(fen * RATE_UNITS_PER_FEN)
    minutes: Decimal | None = None
    raw_minutes = body.get("standard_minutes")
    if raw_minutes is not None:
        if isinstance(raw_minutes, bool) or not isinstance(raw_minutes, int | float | str):
            errors["standard_minutes"] = [_("Send a number.")]
        else:
            minutes, problem = services.parse_decimal(raw_minutes, 2)
            if problem:
                errors["standard_minutes"] = [problem]
    due = None
    if texts["due_date"]:
        due, problem = services.parse_date(texts["due_date"])
        if problem or len(texts["due_date"]) != 10:
            errors["due_date"] = [_("Send the date as YYYY-MM-DD.")]
            due = None
    materials: list[services.Material] = []
    raw_materials = body.get("materials")
    if raw_materials is not None:
        if not isinstance(raw_materials, list) or len(raw_materials) > services.MAX_MATERIALS:
            errors["materials"] = [_("Send a list of at most %(max)s materials.", max=services.MAX_MATERIALS)]
        else:
            for item in raw_materials:
                if not isinstance(item, dict) or not isinstance(item.get("item"), str):
                    errors["materials"] = [_("Each material needs an item (text) and a quantity_per_piece.")]
                    break
                qty_raw = item.get("quantity_per_piece")
                unit = item.get("unit", "")
                if (
                    isinstance(qty_raw, bool)
                    or not isinstance(qty_raw, int | float)
                    or not isinstance(unit, str)
                ):
                    errors["materials"] = [_("Each material needs an item (text) and a quantity_per_piece.")]
                    break
                qty, problem = services.parse_decimal(qty_raw, 3)
                if problem or qty is None:
                    errors["materials"] = [problem or _("Send a number.")]
                    break
                materials.append(services.Material(item["item"], qty, unit))
    station_ids: list[int] = []
    raw_stations = body.get("station_ids")
    if raw_stations is not None:
        if (
            not isinstance(raw_stations, list)
            or not all(isinstance(s, int) and not isinstance(s, bool) for s in raw_stations)
            or len(raw_stations) > services.MAX_STATIONS
        ):
            errors["station_ids"] = [_("Send a list of station ids.")]
        else:
            station_ids = sorted(set(raw_stations))
    data = services.OrderInput(
        product=texts["product"],
        skill_code=texts["skill"],
        quantity=ints["quantity"],
        lot_size=ints["lot_size"],
        piece_rate_units=rate,
        standard_minutes=minutes,
        due_date=due,
        service_fee_fen=ints["service_fee_fen"] or 0,
        reference=texts["reference"],
        description=texts["description"],
        quality_standard=texts["quality_standard"],
        note=texts["note"],
        materials=materials,
        open_to_all=raw_stations is None or not station_ids and not errors.get("station_ids"),
        station_ids=station_ids,
    )
    if raw_stations is not None and isinstance(raw_stations, list) and raw_stations:
        data.open_to_all = False
    return data, errors


# ------------------------------------------------------------------ views


@bp.route("/orders", methods=["POST"])
@allow("coordinator")
@idempotent
def create_order() -> tuple[dict[str, Any], int]:
    body = json_body()
    data, problems = _order_input(body)
    errors = services.merge_errors(problems, services.check_input(data))
    reason = body.get("below_minimum_reason")
    if reason is not None and not isinstance(reason, str):
        errors["below_minimum_reason"] = [_("Send text.")]
        reason = None
    post = body.get("post", True)
    if not isinstance(post, bool):
        errors["post"] = [_("Send true or false.")]
    if errors:
        fields = {API_FIELD.get(k, k): v for k, v in errors.items()}
        raise ApiError(422, "invalid", _("Some of what you sent is not valid."), fields)
    try:
        order = services.create_order(current_user.enterprise_id, data, current_user)
        if post:
            services.post_order(order, current_user, reason=reason)
    except OrderServiceError as exc:
        raise _fail(exc) from None
    return order_json(order), 201


@bp.route("/orders", methods=["GET"])
@allow("coordinator", "organiser", "admin")
def list_orders() -> Any:
    stmt = services.visible_orders_query(current_user)
    status = request.args.get("status")
    if status:
        if status not in {s.value for s in services.domain.OrderStatus}:
            raise ApiError(422, "invalid", _("Unknown status."), {"status": [_("Unknown status.")]})
        stmt = stmt.where(Order.status == status)
    try:
        limit = min(max(int(request.args.get("limit", 100)), 1), 500)
        offset = max(int(request.args.get("offset", 0)), 0)
    except ValueError:
        raise ApiError(400, "bad_request", _("limit and offset are whole numbers.")) from None
    if offset > 10**9:
        offset = 10**9
    orders = db.session.scalars(stmt.limit(limit).offset(offset)).all()
    station_id = current_user.station_id if current_user.role == Role.ORGANISER else None
    progress = services.order_progress([o.id for o in orders], station_id=station_id)
    follow_ups = services.follow_ups([o.id for o in orders], current_user)
    return {"orders": [order_json(o, progress[o.id], follow_ups[o.id]) for o in orders]}


@bp.route("/orders/<int:order_id>", methods=["GET"])
@allow("coordinator", "organiser", "admin")
def get_order(order_id: int) -> Any:
    order = _order_or_404(order_id)
    station_id = current_user.station_id if current_user.role == Role.ORGANISER else None
    return order_json(order, services.order_progress([order.id], station_id=station_id)[order.id])


@bp.route("/orders/<int:order_id>/cancel", methods=["POST"])
@allow("coordinator")
@idempotent
def cancel_order(order_id: int) -> tuple[dict[str, Any], int]:
    order = _own_order_or_404(order_id)
    try:
        services.cancel_order(order, current_user)
    except OrderServiceError as exc:
        raise _fail(exc) from None
    return order_json(order), 200


@bp.route("/orders/<int:order_id>/accept", methods=["POST"])
@allow("organiser")
@idempotent
def accept_order(order_id: int) -> tuple[dict[str, Any], int]:
    order = _order_or_404(order_id)
    body = json_body()
    quantity = body.get("quantity")
    if quantity is None or isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ApiError(
            422,
            "invalid",
            _("Send the quantity as a whole number."),
            {"quantity": [_("Send a whole number.")]},
        )
    try:
        services.accept_order(order, current_user.station_id, quantity, current_user)
    except OrderServiceError as exc:
        raise _fail(exc) from None
    return order_json(
        order, services.order_progress([order.id], station_id=current_user.station_id)[order.id]
    ), 200


@bp.route("/orders/<int:order_id>/deliveries", methods=["GET"])
@allow("coordinator", "organiser", "admin")
def list_deliveries(order_id: int) -> Any:
    order = _order_or_404(order_id)
    station_id = current_user.station_id if current_user.role == Role.ORGANISER else None
    return {"deliveries": [delivery_json(d) for d in dl.deliveries_for(order.id, station_id)]}


@bp.route("/orders/<int:order_id>/deliveries", methods=["POST"])
@allow("organiser")
@idempotent
def create_delivery(order_id: int) -> tuple[dict[str, Any], int]:
    order = _order_or_404(order_id)
    body = json_body()
    lines = None
    raw_lines = body.get("lines")
    if raw_lines is not None:
        if (
            not isinstance(raw_lines, list)
            or not raw_lines
            or len(raw_lines) > services.MAX_LOTS
            or not all(
                isinstance(x, dict)
                and all(
                    isinstance(x.get(k), int) and not isinstance(x.get(k), bool) for k in ("lot", "pieces")
                )
                for x in raw_lines
            )
        ):
            raise ApiError(
                422,
                "invalid",
                _("Send lines as a list of {lot, pieces}."),
                {"lines": [_("Send a list of {lot, pieces}.")]},
            )
        lines = {}
        for x in raw_lines:
            lines[x["lot"]] = lines.get(x["lot"], 0) + x["pieces"]
    pieces = body.get("pieces")
    if lines is None and (pieces is None or isinstance(pieces, bool) or not isinstance(pieces, int)):
        raise ApiError(422, "invalid", _("Send pieces or lines."), {"pieces": [_("Send a whole number.")]})
    for name in ("delivered_on", "note"):
        if body.get(name) is not None and not isinstance(body.get(name), str):
            raise ApiError(422, "invalid", _("Send text."), {name: [_("Send text.")]})
    if body.get("delivered_on") and len(body["delivered_on"]) != 10:
        raise ApiError(
            422,
            "invalid",
            _("Send the date as YYYY-MM-DD."),
            {"delivered_on": [_("Send the date as YYYY-MM-DD.")]},
        )
    try:
        delivery = dl.record_delivery(
            order,
            current_user.station_id,
            current_user,
            pieces=pieces,
            lines=lines,
            delivered_on=body.get("delivered_on"),
            note=body.get("note") or "",
        )
    except OrderServiceError as exc:
        raise _fail(exc) from None
    return delivery_json(delivery), 201


@bp.route("/deliveries/<int:delivery_id>/receive", methods=["POST"])
@allow("coordinator")
def receive_delivery(delivery_id: int) -> Any:
    delivery = db.session.get(Delivery, delivery_id) if delivery_id <= services.MAX_ID else None
    if delivery is None or delivery.order.enterprise_id != current_user.enterprise_id:
        raise ApiError(404, "not_found", _("There is no such delivery, or it is not yours to see."))
    data = json_body() if request.get_data() else {}
    try:
        dl.confirm_receipt(
            delivery, current_user, received=data.get("received"), note=str(data.get("note") or "")
        )
    except OrderServiceError as exc:
        raise _fail(exc) from None
    return delivery_json(delivery)


# ------------------------------------------------------------------ OpenAPI


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ORDER_ID = {"name": "order_id", "in": "path", "required": True, "schema": {"type": "integer"}}
IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": 100},
    "description": "Retrying with the same key and body returns the first answer and changes nothing more.",
}

_nullable_str = {"type": "string", "nullable": True}

OPENAPI_SCHEMAS: dict[str, Any] = {
    "Material": {
        "type": "object",
        "required": ["item", "quantity_per_piece"],
        "properties": {
            "item": {"type": "string", "maxLength": m.MATERIAL_ITEM_MAX},
            "quantity_per_piece": {"type": "number", "exclusiveMinimum": True, "minimum": 0},
            "unit": {"type": "string", "maxLength": m.MATERIAL_UNIT_MAX},
        },
    },
    "OrderInput": {
        "type": "object",
        "required": [
            "product",
            "skill",
            "quantity",
            "lot_size",
            "piece_rate_fen",
            "standard_minutes",
            "due_date",
        ],
        "properties": {
            "product": {"type": "string", "minLength": 1, "maxLength": m.PRODUCT_MAX},
            "skill": {"type": "string", "description": "a skill code, e.g. remote_assembly"},
            "quantity": {"type": "integer", "minimum": 1, "maximum": services.domain.MAX_QUANTITY},
            "lot_size": {
                "type": "integer",
                "minimum": 1,
                "description": "pieces per material kit, at most quantity",
            },
            "piece_rate_fen": {
                "type": "number",
                "exclusiveMinimum": True,
                "minimum": 0,
                "description": "paid to the worker per piece, in fen, up to 2 decimals (35.5 = ¥0.355)",
            },
            "standard_minutes": {"type": "number", "exclusiveMinimum": True, "minimum": 0, "maximum": 10000},
            "service_fee_fen": {
                "type": "integer",
                "minimum": 0,
                "description": "paid to the station per piece",
            },
            "due_date": {"type": "string", "format": "date"},
            "reference": {"type": "string", "maxLength": m.REFERENCE_MAX},
            "description": {"type": "string", "maxLength": m.DESCRIPTION_MAX},
            "quality_standard": {"type": "string", "maxLength": m.QUALITY_MAX},
            "note": {"type": "string", "maxLength": m.NOTE_MAX},
            "materials": {"type": "array", "items": _ref("Material"), "maxItems": services.MAX_MATERIALS},
            "station_ids": {
                "type": "array",
                "items": {"type": "integer"},
                "description": "offer only to these stations (absent: all stations)",
            },
            "below_minimum_reason": {"type": "string", "maxLength": m.REASON_MAX},
            "post": {"type": "boolean", "default": True, "description": "false keeps the order as a draft"},
        },
    },
    "Progress": {
        "type": "object",
        "required": [
            "quantity",
            "accepted_by_stations",
            "assigned",
            "reported",
            "accepted",
            "rejected",
            "delivered",
        ],
        "properties": {
            **{
                k: {"type": "integer"}
                for k in (
                    "quantity",
                    "accepted_by_stations",
                    "assigned",
                    "reported",
                    "accepted",
                    "rejected",
                    "delivered",
                    "received",
                )
            },
            "missing": {
                "type": "integer",
                "description": "pieces of confirmed deliveries the enterprise did not find on receipt",
            },
            "by_day": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["day"],
                    "properties": {
                        "day": {"type": "string", "format": "date"},
                        "reported": {"type": "integer"},
                        "accepted": {"type": "integer"},
                        "rejected": {"type": "integer"},
                        "delivered": {"type": "integer"},
                        "received": {"type": "integer", "description": "pieces counted on receipt that day"},
                    },
                },
            },
        },
    },
    "Order": {
        "type": "object",
        "required": [
            "id",
            "status",
            "product",
            "skill",
            "quantity",
            "lot_size",
            "piece_rate_fen",
            "progress",
        ],
        "properties": {
            "id": {"type": "integer"},
            "reference": {"type": "string"},
            "product": {"type": "string"},
            "description": {"type": "string"},
            "skill": {"type": "string"},
            "quantity": {"type": "integer"},
            "lot_size": {"type": "integer"},
            "lots": {"type": "integer"},
            "piece_rate_fen": {"type": "number"},
            "standard_minutes": {"type": "number"},
            "service_fee_fen": {"type": "integer"},
            "due_date": {"type": "string", "format": "date"},
            "quality_standard": {"type": "string"},
            "note": {"type": "string"},
            "materials": {"type": "array", "items": _ref("Material")},
            "status": {
                "type": "string",
                "enum": ["draft", "posted", "accepted", "in_production", "delivered", "closed", "cancelled"],
            },
            "open_to_all": {"type": "boolean"},
            "station_ids": {"type": "array", "items": {"type": "integer"}},
            "pay_per_hour_fen": {"type": "number", "nullable": True},
            "below_minimum_reason": _nullable_str,
            "acceptances": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["station_id", "quantity"],
                    "properties": {
                        "station_id": {"type": "integer"},
                        "station": {"type": "string"},
                        "quantity": {"type": "integer"},
                        "accepted_at": {"type": "string", "format": "date-time"},
                    },
                },
            },
            "created_at": {"type": "string", "format": "date-time"},
            "posted_at": {"type": "string", "format": "date-time", "nullable": True},
            "progress": _ref("Progress"),
            "follows_order_id": {
                "type": "integer",
                "nullable": True,
                "readOnly": True,
                "description": 'the order this one was made from with "order again" on the pages',
            },
            "for_missing_pieces": {
                "type": "boolean",
                "readOnly": True,
                "description": "made for the pieces the order it follows missed on receipt",
            },
            "follow_up_order_ids": {
                "type": "array",
                "items": {"type": "integer"},
                "readOnly": True,
                "description": "the orders made from this one that you may see, oldest first",
            },
        },
    },
    "OrderList": {
        "type": "object",
        "required": ["orders"],
        "properties": {"orders": {"type": "array", "items": _ref("Order")}},
    },
    "AcceptInput": {
        "type": "object",
        "required": ["quantity"],
        "properties": {
            "quantity": {"type": "integer", "minimum": 1, "description": "whole lots, up to what is left"}
        },
    },
    "DeliveryInput": {
        "type": "object",
        "properties": {
            "pieces": {
                "type": "integer",
                "minimum": 1,
                "description": "filled into the station's lots in order",
            },
            "lines": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["lot", "pieces"],
                    "properties": {"lot": {"type": "integer"}, "pieces": {"type": "integer", "minimum": 1}},
                },
            },
            "delivered_on": {"type": "string", "format": "date"},
            "note": {"type": "string", "maxLength": m.NOTE_MAX},
        },
    },
    "Delivery": {
        "type": "object",
        "required": ["id", "number", "order_id", "station_id", "delivered_on", "pieces", "lines"],
        "properties": {
            "id": {"type": "integer"},
            "number": {"type": "string"},
            "order_id": {"type": "integer"},
            "station_id": {"type": "integer"},
            "delivered_on": {"type": "string", "format": "date"},
            "pieces": {"type": "integer"},
            "lines": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["lot", "pieces"],
                    "properties": {"lot": {"type": "integer"}, "pieces": {"type": "integer"}},
                },
            },
            "note": {"type": "string"},
            "received_at": {"type": "string", "format": "date-time", "nullable": True},
            "received": {"type": "integer", "nullable": True, "description": "pieces counted on receipt"},
            "receipt_note": {"type": "string"},
        },
    },
    "DeliveryList": {
        "type": "object",
        "required": ["deliveries"],
        "properties": {"deliveries": {"type": "array", "items": _ref("Delivery")}},
    },
}


def _body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


OPENAPI_PATHS: dict[str, Any] = {
    "/orders": {
        "post": {
            "summary": "Create and post an order (coordinator)",
            "description": "422 with code below_minimum_wage when the pay at the standard pace is below the "
            "hourly minimum wage where the order may be made, unless below_minimum_reason is given.",
            "parameters": [IDEMPOTENCY],
            "requestBody": _body("OrderInput"),
            "responses": {
                "201": _json(_ref("Order"), "the order"),
                **error_responses(400, 401, 403, 409, 415, 422),
            },
        },
        "get": {
            "summary": "Orders you may see",
            "parameters": [
                {"name": "status", "in": "query", "required": False, "schema": {"type": "string"}},
                {
                    "name": "limit",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "integer", "minimum": 1},
                },
                {
                    "name": "offset",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "integer", "minimum": 0},
                },
            ],
            "responses": {
                "200": _json(_ref("OrderList"), "orders, newest first"),
                **error_responses(400, 401, 403, 422),
            },
        },
    },
    "/orders/{order_id}": {
        "get": {
            "summary": "One order with its progress",
            "parameters": [ORDER_ID],
            "responses": {"200": _json(_ref("Order"), "the order"), **error_responses(401, 403, 404)},
        }
    },
    "/orders/{order_id}/cancel": {
        "post": {
            "summary": "Cancel an order while nothing of it is in production (coordinator)",
            "parameters": [ORDER_ID, IDEMPOTENCY],
            "responses": {
                "200": _json(_ref("Order"), "the cancelled order"),
                **error_responses(400, 401, 403, 404, 409),
            },
        }
    },
    "/orders/{order_id}/accept": {
        "post": {
            "summary": "Take on pieces of a posted order for your station (organiser)",
            "parameters": [ORDER_ID, IDEMPOTENCY],
            "requestBody": _body("AcceptInput"),
            "responses": {
                "200": _json(_ref("Order"), "the order, progress of your station"),
                **error_responses(400, 401, 403, 404, 409, 415, 422),
            },
        }
    },
    "/orders/{order_id}/deliveries": {
        "get": {
            "summary": "Deliveries of an order (an organiser sees the station's)",
            "parameters": [ORDER_ID],
            "responses": {"200": _json(_ref("DeliveryList"), "deliveries"), **error_responses(401, 403, 404)},
        },
        "post": {
            "summary": "Record a delivery of pieces that passed inspection (organiser)",
            "parameters": [ORDER_ID, IDEMPOTENCY],
            "requestBody": _body("DeliveryInput"),
            "responses": {
                "201": _json(_ref("Delivery"), "the delivery"),
                **error_responses(400, 401, 403, 404, 409, 415, 422),
            },
        },
    },
    "/deliveries/{delivery_id}/receive": {
        "post": {
            "summary": "Confirm receipt of a delivery (coordinator)",
            "description": "Without a body every piece of the delivery counts as received. To record a short "
            "delivery send `received` (fewer pieces than delivered) with a `note`; only received pieces are "
            "owed.",
            "parameters": [
                {"name": "delivery_id", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "requestBody": {
                "required": False,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "received": {"type": "integer", "minimum": 0},
                                "note": {"type": "string"},
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": _json(_ref("Delivery"), "the delivery"),
                **error_responses(401, 403, 404, 409),
            },
        }
    },
}
