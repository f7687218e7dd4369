"""The task, report and inspection paths of the JSON API; they call the same services as the pages."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from factory.access import allow
from factory.accounts.models import Role
from factory.api.routes import ApiError, bp, error_responses, json_body
from factory.extensions import db
from factory.orders.services import local_today, parse_date
from factory.production import services
from factory.production.models import Inspection, Report, Task
from factory.production.services import ProductionError


def _fail(exc: ProductionError) -> ApiError:
    return ApiError(exc.status, exc.code, exc.message, exc.fields or None)


def _task_or_404(task_id: int) -> Task:
    task = db.session.get(Task, task_id)
    user = current_user
    if task is not None and (
        (user.role == Role.WORKER and task.worker_id == user.id)
        or (user.role == Role.ORGANISER and task.station_id == user.station_id)
    ):
        return task
    raise ApiError(404, "not_found", _("There is no such task, or it is not yours to see."))


def task_json(task: Task, rejected: int | None = None) -> dict[str, Any]:
    return {
        "id": task.id,
        "order_id": task.order_id,
        "lot": task.lot.index,
        "lot_id": task.lot_id,
        "product": task.order.product,
        "worker_id": task.worker_id,
        "station_id": task.station_id,
        "pieces": task.pieces,
        "days": [{"day": d.day.isoformat(), "pieces": float(d.pieces)} for d in task.days],
        "status": task.status,
        "reported": task.reported,
        "accepted": task.accepted,
        "rejected": task.scrapped if rejected is None else rejected,
        "rework": task.rework,
        "due_date": task.order.due_date.isoformat(),
        "plan_run_id": task.plan_run_id,
    }


def report_json(report: Report, task: Task) -> dict[str, Any]:
    return {
        "id": report.id,
        "task_id": report.task_id,
        "pieces": report.pieces,
        "minutes": report.minutes,
        "reported": report.reported_after,
        "reported_on": report.reported_on.isoformat(),
        "created_at": report.created_at.isoformat(),
    }


def inspection_json(inspection: Inspection) -> dict[str, Any]:
    return {
        "id": inspection.id,
        "task_id": inspection.task_id,
        "accepted": inspection.accepted,
        "rejected": inspection.rejected,
        "reason": inspection.reason,
        "reason_code": inspection.reason_code,
        "rework": inspection.rework,
        "inspected_on": inspection.inspected_on.isoformat(),
    }


@bp.route("/tasks")
@allow("worker", "organiser")
def list_tasks() -> Any:
    """The worker's own tasks, or the organiser's station's tasks, live or planned within `from`..`to`."""
    today = local_today()
    start, problem = parse_date(request.args.get("from") or (today - timedelta(days=14)).isoformat())
    end, problem2 = parse_date(request.args.get("to") or (today + timedelta(days=30)).isoformat())
    if problem or problem2 or start is None or end is None:
        raise ApiError(422, "invalid", _("Enter dates as YYYY-MM-DD."), {"from": [problem or problem2 or ""]})
    if current_user.role == Role.WORKER:
        tasks = services.worker_tasks(current_user.id, start, end)
    else:
        tasks = services.station_tasks(current_user.station_id, start, end)
    return {"tasks": [task_json(t) for t in tasks]}


@bp.route("/tasks/<int:task_id>")
@allow("worker", "organiser")
def get_task(task_id: int) -> Any:
    return task_json(_task_or_404(task_id))


@bp.route("/tasks/<int:task_id>/reports", methods=["POST"])
@allow("worker")
def create_report(task_id: int) -> Any:
    """Count finished pieces; the same Idempotency-Key with the same body answers the first answer again."""
    task = _task_or_404(task_id)
    data = json_body()
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        raise ApiError(400, "idempotency_key_required", _("Send an Idempotency-Key header with each report."))
    if len(key) > 100:
        raise ApiError(400, "bad_idempotency_key", _("The Idempotency-Key can have at most 100 characters."))
    unknown = sorted(set(data) - {"pieces", "minutes"})
    if unknown:
        raise ApiError(
            422,
            "invalid",
            _("Unknown fields: %(names)s.", names=", ".join(unknown)),
            {name: [_("Unknown field.")] for name in unknown},
        )
    digest = hashlib.sha256(
        json.dumps(
            {"task": task.id, "pieces": data.get("pieces"), "minutes": data.get("minutes")}, sort_keys=True
        ).encode()
    ).hexdigest()
    try:
        report, created = services.record_report(
            task.id, current_user, data.get("pieces"), key, digest, data.get("minutes")
        )
    except ProductionError as exc:
        raise _fail(exc) from None
    return report_json(report, task), 201 if created else 200


@bp.route("/tasks/<int:task_id>/inspections", methods=["POST"])
@allow("organiser")
def create_inspection(task_id: int) -> Any:
    task = _task_or_404(task_id)
    data = json_body()
    on, problem = parse_date(data.get("inspected_on") or local_today().isoformat())
    if problem or on is None:
        raise ApiError(422, "invalid", problem or "", {"inspected_on": [problem or ""]})
    rework = data.get("rework", False)
    if not isinstance(rework, bool):
        raise ApiError(
            422, "invalid", _("rework is true or false."), {"rework": [_("rework is true or false.")]}
        )
    reason = data.get("reason") or ""
    if not isinstance(reason, str):
        raise ApiError(
            422, "invalid", _("Give the reason as text."), {"reason": [_("Give the reason as text.")]}
        )
    try:
        inspection = services.record_inspection(
            task.id,
            current_user,
            data.get("accepted"),
            data.get("rejected"),
            reason,
            on,
            rework,
            reason_code=data.get("reason_code") or None,
        )
    except ProductionError as exc:
        raise _fail(exc) from None
    db.session.refresh(task)
    return {"inspection": inspection_json(inspection), "task": task_json(task)}, 201


@bp.route("/tasks/<int:task_id>/inspections")
@allow("worker", "organiser")
def list_inspections(task_id: int) -> Any:
    task = _task_or_404(task_id)
    rows = db.session.scalars(select(Inspection).where(Inspection.task_id == task.id).order_by(Inspection.id))
    return {"inspections": [inspection_json(i) for i in rows]}


_TASK = {"$ref": "#/components/schemas/Task"}
OPENAPI_SCHEMAS: dict[str, Any] = {
    "Task": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "order_id": {"type": "integer"},
            "lot": {"type": "integer", "description": "the lot's number within its order, 1-based"},
            "lot_id": {"type": "integer"},
            "product": {"type": "string"},
            "worker_id": {"type": "integer"},
            "station_id": {"type": "integer", "description": "where the material is fetched"},
            "pieces": {"type": "integer"},
            "days": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"day": {"type": "string", "format": "date"}, "pieces": {"type": "number"}},
                },
            },
            "status": {
                "type": "string",
                "enum": [
                    "assigned",
                    "picked_up",
                    "in_progress",
                    "returned",
                    "inspected",
                    "done",
                    "declined",
                    "cancelled",
                ],
            },
            "reported": {"type": "integer"},
            "accepted": {"type": "integer"},
            "rejected": {"type": "integer", "description": "rejected for good (not counting rework)"},
            "rework": {"type": "integer", "description": "rejected pieces back with the worker"},
            "due_date": {"type": "string", "format": "date"},
        },
    },
    "Report": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "task_id": {"type": "integer"},
            "pieces": {"type": "integer"},
            "minutes": {"type": "integer", "nullable": True},
            "reported": {"type": "integer", "description": "the task's reported pieces with this report"},
            "reported_on": {"type": "string", "format": "date"},
            "created_at": {"type": "string", "format": "date-time"},
        },
    },
    "Inspection": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "task_id": {"type": "integer"},
            "accepted": {"type": "integer"},
            "rejected": {"type": "integer"},
            "reason": {"type": "string"},
            "reason_code": {"type": "string", "nullable": True},
            "rework": {"type": "boolean"},
            "inspected_on": {"type": "string", "format": "date"},
        },
    },
}
_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
OPENAPI_PATHS: dict[str, Any] = {
    "/tasks": {
        "get": {
            "summary": "Tasks: the worker's own, or the organiser's station's",
            "parameters": [
                {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
                {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}},
            ],
            "responses": {
                "200": {
                    "description": "tasks",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"tasks": {"type": "array", "items": _TASK}},
                            }
                        }
                    },
                },
                **error_responses(401, 403, 422),
            },
        }
    },
    "/tasks/{id}": {
        "get": {
            "summary": "One task",
            "parameters": [_ID],
            "responses": {
                "200": {"description": "the task", "content": {"application/json": {"schema": _TASK}}},
                **error_responses(401, 403, 404),
            },
        }
    },
    "/tasks/{id}/reports": {
        "post": {
            "summary": "Report pieces finished since the last report (worker, own task)",
            "parameters": [
                _ID,
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": True,
                    "schema": {"type": "string", "maxLength": 100},
                    "description": "made on the phone; the same key and body answer the first answer again, "
                    "the same key with another body is 422",
                },
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["pieces"],
                            "properties": {
                                "pieces": {"type": "integer", "minimum": 1},
                                "minutes": {"type": "integer", "minimum": 1, "description": "time worked"},
                            },
                        }
                    }
                },
            },
            "responses": {
                "201": {
                    "description": "counted",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Report"}}},
                },
                "200": {
                    "description": "already counted (same key and body)",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Report"}}},
                },
                **error_responses(400, 401, 403, 404, 409, 415, 422),
            },
        }
    },
    "/tasks/{id}/inspections": {
        "post": {
            "summary": "Record accepted and rejected pieces of a returned lot (organiser)",
            "parameters": [_ID],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "accepted": {"type": "integer", "minimum": 0},
                                "rejected": {"type": "integer", "minimum": 0},
                                "reason": {"type": "string", "maxLength": 500},
                                "reason_code": {
                                    "type": "string",
                                    "description": "a code from the station's reason list",
                                },
                                "rework": {
                                    "type": "boolean",
                                    "description": "rejected pieces go back to the worker",
                                },
                                "inspected_on": {
                                    "type": "string",
                                    "format": "date",
                                    "description": "default today",
                                },
                            },
                        }
                    }
                },
            },
            "responses": {
                "201": {
                    "description": "recorded",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "inspection": {"$ref": "#/components/schemas/Inspection"},
                                    "task": _TASK,
                                },
                            }
                        }
                    },
                },
                **error_responses(400, 401, 403, 404, 409, 415, 422),
            },
        },
        "get": {
            "summary": "A task's inspections",
            "parameters": [_ID],
            "responses": {"200": {"description": "inspections"}, **error_responses(401, 403, 404)},
        },
    },
}
