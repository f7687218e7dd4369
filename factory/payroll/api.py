"""The pay-period and payslip paths of the JSON API; they call the same services as the pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask import Response
from flask_babel import gettext as _
from flask_login import current_user

from factory.access import allow
from factory.accounts.models import Role
from factory.api.routes import ApiError, bp, error_responses, json_body
from factory.extensions import db
from factory.money import RATE_UNITS_PER_FEN
from factory.payroll import printing, services
from factory.payroll.models import Adjustment, PayPeriod, PaySlip
from factory.payroll.services import PayrollError

API_FIELD = {"amount": "amount_fen"}


def _fail(exc: PayrollError) -> ApiError:
    fields = {API_FIELD.get(k, k): v for k, v in exc.fields.items()} or None
    if exc.code == "uninspected_lots":
        fields = {
            "lots": [
                _(
                    "Order %(order)s lot %(lot)s (%(worker)s): %(count)s pieces not inspected",
                    order=w["order_id"],
                    lot=w["lot"],
                    worker=w["worker_name"],
                    count=w["reported"] - w["inspected"],
                )
                for w in exc.details.get("lots", [])
            ]
        }
    return ApiError(exc.status, exc.code, exc.message, fields)


def _period_or_404(period_id: int) -> PayPeriod:
    period = db.session.get(PayPeriod, period_id) if period_id < 2**31 else None
    if period is None or current_user.role != Role.ORGANISER or period.station_id != current_user.station_id:
        raise ApiError(404, "not_found", _("There is no such pay period, or it is not your station's."))
    return period


def _slip_or_404(slip_id: int) -> PaySlip:
    slip = db.session.get(PaySlip, slip_id) if slip_id < 2**31 else None
    user = current_user
    if slip is None or not (
        (user.role == Role.WORKER and slip.worker_id == user.id)
        or (user.role == Role.ORGANISER and slip.station_id == user.station_id)
    ):
        raise ApiError(404, "not_found", _("There is no such pay slip, or it is not yours to see."))
    return slip


def _rate_fen(units: int) -> int | float:
    """A rate in fen as a JSON number: whole fen as an int, else the exact decimal (0.355 yuan -> 35.5)."""
    value = Decimal(units) / RATE_UNITS_PER_FEN
    return int(value) if value == value.to_integral_value() else float(value)


def period_json(period: PayPeriod) -> dict[str, Any]:
    return {
        "id": period.id,
        "station_id": period.station_id,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "status": period.status,
        "closed_at": period.closed_at.isoformat() if period.closed_at else None,
        "closed_by": period.closed_by_id,
        "workers_paid": period.workers_paid,
        "total_fen": period.total_fen,
    }


def _adjustment_json(a: Adjustment) -> dict[str, Any]:
    return {
        "id": a.id,
        "kind": a.kind,
        "amount_fen": a.amount_fen,
        "reason": a.reason,
        "made_by": a.made_by_id,
        "corrects_slip_id": a.corrects_slip_id,
        "corrects_line_id": a.corrects_line_id,
    }


def slip_json(view: printing.SlipView) -> dict[str, Any]:
    s = view.slip
    check = None
    if s.hourly_minimum_fen is not None:
        check = {
            "hours": view.hours_text,
            "hours_source": s.hours_source,
            "hourly_minimum_fen": s.hourly_minimum_fen,
            "required_fen": s.required_fen,
            "earnings_fen": s.lines_fen,
            "earnings_per_hour_fen": s.earnings_per_hour_fen,
            "shortfall_fen": s.shortfall_fen,
            "shortfall_left_fen": view.shortfall_left_fen,
            "passed": view.shortfall_left_fen == 0,
        }
    return {
        "id": s.id,
        "number": s.number,
        "period_id": s.period_id,
        "period": {"start": s.period.start.isoformat(), "end": s.period.end.isoformat()},
        "station": {"id": s.station_id, "name": s.period.station.name},
        "worker_id": s.worker_id,
        "worker_name": s.worker_name,
        "id_number": view.id_number_masked,
        "lines": [
            {
                "id": lv.line.id,
                "order_id": lv.line.order_id,
                "product": lv.line.product,
                "accepted_pieces": lv.line.accepted_pieces,
                "rejected_pieces": lv.line.rejected_pieces,
                "piece_rate_fen": _rate_fen(lv.line.rate_units),
                "prior_pieces": lv.line.prior_pieces,
                "amount_fen": lv.line.amount_fen,
            }
            for lv in view.lines
        ],
        "lines_fen": s.lines_fen,
        "adjustments": [_adjustment_json(a) for a in view.adjustments],
        "adjustments_fen": s.adjustments_fen,
        "total_fen": s.total_fen,
        "minimum_wage_check": check,
        "corrected_by": [_adjustment_json(a) for a in view.corrections],
    }


def _day(body: dict[str, Any], name: str) -> date | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ApiError(
            422, "invalid", _("Some of what you entered is not valid."), {name: [_("Use YYYY-MM-DD.")]}
        )
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ApiError(
            422, "invalid", _("Some of what you entered is not valid."), {name: [_("Use YYYY-MM-DD.")]}
        ) from None


@bp.route("/pay-periods", methods=["POST"])
@allow("organiser")
def create_pay_period() -> tuple[dict[str, Any], int]:
    body = json_body()
    start, end = _day(body, "start"), _day(body, "end")
    try:
        period = services.create_period(current_user.station_id, start, end, current_user)
    except PayrollError as exc:
        raise _fail(exc) from None
    return period_json(period), 201


@bp.route("/pay-periods", methods=["GET"])
@allow("organiser")
def list_pay_periods() -> Any:
    return {"pay_periods": [period_json(p) for p in services.station_periods(current_user.station_id)]}


@bp.route("/pay-periods/<int:period_id>", methods=["GET"])
@allow("organiser")
def get_pay_period(period_id: int) -> Any:
    return period_json(_period_or_404(period_id))


@bp.route("/pay-periods/<int:period_id>/close", methods=["POST"])
@allow("organiser")
def close_pay_period(period_id: int) -> Any:
    period = _period_or_404(period_id)
    body = json_body() if _has_body() else {}
    flags = {name: body.get(name, False) for name in ("top_up", "leave_uninspected")}
    for name, value in flags.items():
        if not isinstance(value, bool):
            raise ApiError(
                422, "invalid", _("Some of what you entered is not valid."), {name: ["true or false"]}
            )
    try:
        result = services.close_period(period.id, current_user, **flags)
    except PayrollError as exc:
        raise _fail(exc) from None
    out = period_json(result.period)
    out.update(
        slips=result.slips,
        top_ups_made_at_close=result.top_ups_made_at_close,
        top_ups_total=result.top_ups_total,
        top_ups_fen=result.top_ups_fen,
        topped_up=result.top_ups_made_at_close,  # the earlier name of top_ups_made_at_close
        left_uninspected=[services._waiting_json(w) for w in result.left_uninspected],
    )
    return out


def _has_body() -> bool:
    from flask import request

    return bool(request.get_data())


@bp.route("/pay-periods/<int:period_id>/payslips", methods=["GET"])
@allow("organiser")
def period_payslips(period_id: int) -> Any:
    period = _period_or_404(period_id)
    if period.is_open:
        raise ApiError(409, "open", _("The period is still open; its slips are made when it closes."))
    return {
        "period": period_json(period),
        "payslips": [slip_json(v) for v in printing.slip_views(services.period_slips(period.id))],
    }


@bp.route("/pay-periods/<int:period_id>/adjustments", methods=["POST"])
@allow("organiser")
def create_adjustment(period_id: int) -> tuple[dict[str, Any], int]:
    period = _period_or_404(period_id)
    body = json_body()
    amount = body.get("amount_fen")
    worker_id = body.get("worker_id")
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise ApiError(
            422,
            "invalid",
            _("Some of what you entered is not valid."),
            {"amount_fen": [_("A whole number of fen.")]},
        )
    if not isinstance(worker_id, int) or isinstance(worker_id, bool):
        raise ApiError(
            422,
            "invalid",
            _("Some of what you entered is not valid."),
            {"worker_id": [_("Choose a worker.")]},
        )
    kind = body.get("kind")
    corrects = body.get("corrects_slip_id")
    try:
        row = services.add_adjustment(
            period.id,
            worker_id,
            kind if isinstance(kind, str) else "",
            -amount if kind == "deduction" and amount < 0 else amount,
            body.get("reason") if isinstance(body.get("reason"), str) else "",
            current_user,
            corrects_slip_id=corrects if isinstance(corrects, int) else None,
        )
    except PayrollError as exc:
        raise _fail(exc) from None
    return _adjustment_json(row), 201


@bp.route("/payslips/<int:slip_id>", methods=["GET"])
@allow("worker", "organiser")
def get_payslip(slip_id: int) -> Any:
    return slip_json(printing.slip_views([_slip_or_404(slip_id)])[0])


@bp.route("/payslips/<int:slip_id>.pdf", methods=["GET"])
@allow("worker", "organiser")
def get_payslip_pdf(slip_id: int) -> Any:
    slip = _slip_or_404(slip_id)
    return Response(
        printing.slip_pdf(slip),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="payslip-{slip.number}.pdf"'},
    )


# ------------------------------------------------------------------ OpenAPI


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


PERIOD_ID = {"name": "period_id", "in": "path", "required": True, "schema": {"type": "integer"}}
SLIP_ID = {"name": "slip_id", "in": "path", "required": True, "schema": {"type": "integer"}}

OPENAPI_PATHS: dict[str, Any] = {
    "/pay-periods": {
        "post": {
            "summary": "Open a pay period for your station (organiser)",
            "description": "422 when the end is before the start or the span is longer than 16 days; "
            "409 when it overlaps another period of the station.",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("PayPeriodInput")}},
            },
            "responses": {
                "201": _json(_ref("PayPeriod"), "the period"),
                **error_responses(400, 401, 403, 409, 415, 422),
            },
        },
        "get": {
            "summary": "Your station's pay periods, newest first",
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {"pay_periods": {"type": "array", "items": _ref("PayPeriod")}},
                    },
                    "the periods",
                ),
                **error_responses(401, 403),
            },
        },
    },
    "/pay-periods/{period_id}": {
        "get": {
            "summary": "One pay period",
            "parameters": [PERIOD_ID],
            "responses": {"200": _json(_ref("PayPeriod"), "the period"), **error_responses(401, 403, 404)},
        }
    },
    "/pay-periods/{period_id}/close": {
        "post": {
            "summary": "Compute and freeze every worker's slip of the period",
            "description": "409 when the period is closed already (closing twice changes nothing), has not "
            "ended, or has lots with reported pieces not inspected yet (code uninspected_lots, listed in "
            "fields.lots) unless leave_uninspected is true. With top_up, every shortfall against the minimum "
            "wage is topped up.",
            "parameters": [PERIOD_ID],
            "requestBody": {
                "required": False,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "top_up": {"type": "boolean", "default": False},
                                "leave_uninspected": {"type": "boolean", "default": False},
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": _json(
                    {
                        "allOf": [
                            _ref("PayPeriod"),
                            {
                                "type": "object",
                                "properties": {
                                    "slips": {"type": "integer"},
                                    "top_ups_made_at_close": {
                                        "type": "integer",
                                        "description": "minimum-wage top-ups this close added (top_up: true)",
                                    },
                                    "top_ups_total": {
                                        "type": "integer",
                                        "description": "minimum-wage top-ups the closed slips carry, made "
                                        "before closing or at closing",
                                    },
                                    "top_ups_fen": {"type": "integer", "description": "what they come to"},
                                    "topped_up": {
                                        "type": "integer",
                                        "deprecated": True,
                                        "description": "the same as top_ups_made_at_close",
                                    },
                                    "left_uninspected": {"type": "array", "items": {"type": "object"}},
                                },
                            },
                        ]
                    },
                    "the closed period",
                ),
                **error_responses(401, 403, 404, 409),
            },
        }
    },
    "/pay-periods/{period_id}/payslips": {
        "get": {
            "summary": "Every slip of a closed period",
            "parameters": [PERIOD_ID],
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {"payslips": {"type": "array", "items": _ref("PaySlip")}},
                    },
                    "the slips",
                ),
                **error_responses(401, 403, 404, 409),
            },
        }
    },
    "/pay-periods/{period_id}/adjustments": {
        "post": {
            "summary": "Add a bonus, deduction, correction or minimum-wage top-up in an open period",
            "description": "kind: bonus, deduction, correction, minimum_wage_top_up; amount_fen positive "
            "(a correction may be negative); reason required; corrects_slip_id names the closed slip a "
            "correction fixes. 422 for a deduction larger than the slip; 409 for a closed period.",
            "parameters": [PERIOD_ID],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("AdjustmentInput")}},
            },
            "responses": {
                "201": _json(_ref("Adjustment"), "the adjustment"),
                **error_responses(400, 401, 403, 404, 409, 415, 422),
            },
        }
    },
    "/payslips/{slip_id}": {
        "get": {
            "summary": "One pay slip (the worker's own, or of the organiser's station)",
            "parameters": [SLIP_ID],
            "responses": {"200": _json(_ref("PaySlip"), "the slip"), **error_responses(401, 403, 404)},
        }
    },
    "/payslips/{slip_id}.pdf": {
        "get": {
            "summary": "One pay slip as a printable PDF (Chinese)",
            "parameters": [SLIP_ID],
            "responses": {
                "200": {"description": "the PDF", "content": {"application/pdf": {}}},
                **error_responses(401, 403, 404),
            },
        }
    },
}

_ADJ = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string", "enum": list(services.KINDS)},
        "amount_fen": {"type": "integer", "description": "signed effect on the total"},
        "reason": {"type": "string"},
        "made_by": {"type": "integer", "nullable": True},
        "corrects_slip_id": {"type": "integer", "nullable": True},
        "corrects_line_id": {"type": "integer", "nullable": True},
    },
}

OPENAPI_SCHEMAS: dict[str, Any] = {
    "PayPeriodInput": {
        "type": "object",
        "required": ["start", "end"],
        "properties": {
            "start": {"type": "string", "format": "date"},
            "end": {"type": "string", "format": "date"},
        },
    },
    "PayPeriod": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "station_id": {"type": "integer"},
            "start": {"type": "string", "format": "date"},
            "end": {"type": "string", "format": "date"},
            "status": {"type": "string", "enum": ["open", "closed"]},
            "closed_at": {"type": "string", "format": "date-time", "nullable": True},
            "closed_by": {"type": "integer", "nullable": True},
            "workers_paid": {"type": "integer"},
            "total_fen": {"type": "integer"},
        },
    },
    "AdjustmentInput": {
        "type": "object",
        "required": ["worker_id", "kind", "amount_fen", "reason"],
        "properties": {
            "worker_id": {"type": "integer"},
            "kind": {"type": "string", "enum": list(services.KINDS)},
            "amount_fen": {"type": "integer"},
            "reason": {"type": "string"},
            "corrects_slip_id": {"type": "integer"},
        },
    },
    "Adjustment": _ADJ,
    "PaySlip": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "number": {"type": "string"},
            "period_id": {"type": "integer"},
            "worker_id": {"type": "integer"},
            "worker_name": {"type": "string"},
            "id_number": {"type": "string", "nullable": True, "description": "masked"},
            "lines": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "order_id": {"type": "integer"},
                        "product": {"type": "string"},
                        "accepted_pieces": {"type": "integer"},
                        "rejected_pieces": {
                            "type": "integer",
                            "description": "rejected for good in the period; shown, not paid (pieces sent "
                            "back for rework are counted when they are inspected again)",
                        },
                        "piece_rate_fen": {
                            "type": "number",
                            "description": "exact, may have two decimals of a fen",
                        },
                        "prior_pieces": {
                            "type": "integer",
                            "description": "paid before at this rate (cumulative rounding)",
                        },
                        "amount_fen": {"type": "integer"},
                    },
                },
            },
            "adjustments": {"type": "array", "items": _ADJ},
            "total_fen": {"type": "integer"},
            "minimum_wage_check": {"type": "object", "nullable": True},
        },
    },
}
