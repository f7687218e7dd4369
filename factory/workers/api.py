"""The worker paths of the JSON API: register and list a station's workers, one worker, availability."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import request
from flask_login import current_user

from factory.access import allow
from factory.accounts.models import Role, Station
from factory.api.routes import ApiError, bp, error_responses, json_body
from factory.extensions import db
from factory.orders.services import local_today
from factory.workers import services
from factory.workers.models import HARDSHIP_CATEGORIES, WorkerProfile
from factory.workers.routes import get_worker_or_404

FIELDS = {"name", "mobile", "skills", "weekly_hours", "id_number", "priority", "reach", "hard_to_employ",
          "hardship_category", "notes"}  # fmt: skip


def worker_json(worker: WorkerProfile) -> dict[str, Any]:
    """A worker as the API shows them: ID number always masked, mobile as the caller may see it."""
    return {
        "id": worker.user_id,
        "name": worker.user.name,
        "mobile": services.mobile_for(current_user, worker),
        "id_number": worker.id_number_masked,
        "station_id": worker.user.station_id,
        "skills": {s.skill.code: float(s.speed) for s in worker.skills},
        "skill_sources": {s.skill.code: s.source for s in worker.skills},
        "weekly_hours": [float(h) for h in services.weekly_hours(worker)],
        "reach": {str(r.station_id): r.minutes for r in worker.reach},
        "priority": worker.priority,
        "hard_to_employ": worker.hard_to_employ,
        "hardship_category": worker.hardship_category,
        "paused": worker.paused,
        "left": worker.left_at is not None,
        "activated": services.is_activated(worker),
    }


def _station() -> Station:
    if current_user.role != Role.ORGANISER or current_user.station is None:
        raise ApiError(403, "forbidden", "Only a station's organiser manages its workers.")
    return current_user.station


def _bool(body: dict[str, Any], key: str) -> bool | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise ApiError(422, "invalid", f"{key} must be true or false.", {key: ["must be true or false"]})
    return value


@bp.route("/workers", methods=["POST"])
@allow("organiser")
def api_register_worker() -> Any:
    station = _station()
    body = json_body()
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        raise ApiError(422, "invalid", "Unknown fields.", {k: ["unknown field"] for k in unknown})
    for key, kind in (("skills", dict), ("reach", dict), ("weekly_hours", list)):
        if key in body and body[key] is not None and not isinstance(body[key], kind):
            raise ApiError(
                422, "invalid", f"{key} has the wrong type.", {key: [f"must be a JSON {kind.__name__}"]}
            )
    for key in ("name", "mobile", "id_number", "hardship_category", "notes"):
        if body.get(key) is not None and not isinstance(body[key], str):
            raise ApiError(422, "invalid", f"{key} must be text.", {key: ["must be text"]})
    data = services.WorkerInput(
        name=body.get("name") or "",
        mobile=body.get("mobile") or "",
        id_number=body.get("id_number"),
        skills=body.get("skills"),
        weekly_hours=body.get("weekly_hours"),
        hard_to_employ=_bool(body, "hard_to_employ"),
        hardship_category=body.get("hardship_category"),
        priority=_bool(body, "priority"),
        reach=body.get("reach"),
        notes=body.get("notes"),
    )
    try:
        worker, code = services.register_worker(current_user, station, data)
    except services.WorkerInputError as exc:
        taken = any(
            k == "mobile" and m == services.taken_message() for k, ms in exc.fields.items() for m in ms
        )
        raise ApiError(
            409 if taken else 422,
            "mobile_taken" if taken else "invalid",
            "The worker was not registered.",
            exc.fields,
        ) from None
    return {**worker_json(worker), "activation_code": code}, 201


@bp.route("/workers", methods=["GET"])
@allow("organiser", "admin")
def api_list_workers() -> Any:
    if current_user.role == Role.ADMIN:
        station_id = request.args.get("station_id", type=int)
        if station_id is None or db.session.get(Station, station_id) is None:
            raise ApiError(422, "invalid", "Give station_id.", {"station_id": ["required"]})
    else:
        station_id = _station().id
    include_left = request.args.get("include_left") in ("1", "true")
    return {
        "workers": [worker_json(w) for w in services.station_workers(station_id, include_left=include_left)]
    }


@bp.route("/workers/<int:worker_id>", methods=["GET"])
@allow("organiser", "admin", "worker")
def api_worker(worker_id: int) -> Any:
    return worker_json(get_worker_or_404(worker_id, current_user))


@bp.route("/workers/availability", methods=["GET"])
@allow("organiser")
def api_availability() -> Any:
    station = _station()
    try:
        start = date.fromisoformat(request.args.get("start", local_today().isoformat()))
        days = int(request.args.get("days", "14"))
    except ValueError:
        raise ApiError(422, "invalid", "start is YYYY-MM-DD and days a whole number.") from None
    if not 1 <= days <= 62:
        raise ApiError(422, "invalid", "days must be from 1 to 62.", {"days": ["from 1 to 62"]})
    rows = services.availability(station.id, start, days)
    return {
        "horizon": {"start": start.isoformat(), "days": days},
        "workers": [
            {
                "id": a.worker_id,
                "station": a.station_id,
                "speed": {k: float(v) for k, v in a.speeds.items()},
                "hours": [float(h) for h in a.hours],
                "reach": {str(k): v for k, v in a.reach.items()},
                "priority": a.priority,
            }
            for a in rows
        ],
    }


_WORKER_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "mobile": {"type": "string", "description": "whole for the organiser of the station, else masked"},
        "id_number": {"type": "string", "nullable": True, "description": "always masked: 3702**********1234"},
        "station_id": {"type": "integer"},
        "skills": {"type": "object", "additionalProperties": {"type": "number"}},
        "skill_sources": {
            "type": "object",
            "additionalProperties": {"enum": ["estimated", "trial", "course"]},
        },
        "weekly_hours": {"type": "array", "items": {"type": "number"}, "minItems": 7, "maxItems": 7},
        "reach": {"type": "object", "additionalProperties": {"type": "integer"}},
        "priority": {"type": "boolean"},
        "hard_to_employ": {"type": "boolean"},
        "hardship_category": {"type": "string", "nullable": True},
        "paused": {"type": "boolean"},
        "left": {"type": "boolean"},
        "activated": {"type": "boolean"},
    },
}
_NEW_WORKER = {
    "type": "object",
    "required": ["name", "mobile"],
    "properties": {
        "name": {"type": "string", "maxLength": 50},
        "mobile": {"type": "string", "description": "mainland 11 digits; +86 accepted"},
        "id_number": {"type": "string", "description": "18 characters with a valid check digit"},
        "skills": {
            "type": "object",
            "additionalProperties": {"type": "number", "exclusiveMinimum": 0, "maximum": 10000},
        },
        "weekly_hours": {
            "type": "array",
            "items": {"type": "number", "minimum": 0, "maximum": 24},
            "minItems": 7,
            "maxItems": 7,
        },
        "priority": {"type": "boolean"},
        "reach": {
            "type": "object",
            "additionalProperties": {"type": "integer", "minimum": 0, "maximum": 600},
        },
        "hard_to_employ": {"type": "boolean"},
        "hardship_category": {"type": "string", "enum": list(HARDSHIP_CATEGORIES)},
        "notes": {"type": "string"},
    },
}

OPENAPI_SCHEMAS = {"Worker": _WORKER_SCHEMA, "NewWorker": _NEW_WORKER}
OPENAPI_PATHS = {
    "/workers": {
        "post": {
            "summary": "Register a worker at the organiser's station; the answer carries a one-time activation code",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewWorker"}}},
            },
            "responses": {
                "201": {
                    "description": "the worker with `activation_code`",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Worker"}}},
                },
                **error_responses(400, 401, 403, 409, 415, 422),
            },
        },
        "get": {
            "summary": "The station's workers (ID numbers masked); an administrator gives station_id",
            "parameters": [
                {"name": "station_id", "in": "query", "schema": {"type": "integer"}},
                {"name": "include_left", "in": "query", "schema": {"type": "boolean"}},
            ],
            "responses": {
                "200": {"description": "`workers`: list of Worker"},
                **error_responses(401, 403, 422),
            },
        },
    },
    "/workers/{id}": {
        "get": {
            "summary": "One worker (the worker themself, their organiser, an administrator)",
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {
                "200": {
                    "description": "the worker",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Worker"}}},
                },
                **error_responses(401, 403, 404),
            },
        }
    },
    "/workers/availability": {
        "get": {
            "summary": "The station's active workers in the allocation instance's `workers[]` shape",
            "parameters": [
                {"name": "start", "in": "query", "schema": {"type": "string", "format": "date"}},
                {"name": "days", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 62}},
            ],
            "responses": {
                "200": {"description": "`horizon` and `workers`"},
                **error_responses(401, 403, 422),
            },
        }
    },
}
