"""The plan paths of the JSON API: start a run, poll it, fetch its instance and plan, publish it."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from factory.access import allow
from factory.accounts.models import Role
from factory.api.routes import ApiError, bp, error_responses, json_body
from factory.extensions import db
from factory.jobs.queue import live_progress
from factory.planning import services
from factory.planning.domain import PlanningError
from factory.planning.models import PlanRun


def _run_or_404(plan_id: int) -> PlanRun:
    run = db.session.get(PlanRun, plan_id)
    user = current_user
    if run is not None and (
        user.role == Role.ADMIN
        or (user.role == Role.ORGANISER and run.station_id is not None and run.station_id == user.station_id)
        or (user.role == Role.ORGANISER and run.station_id is None)
    ):
        return run
    raise ApiError(404, "not_found", _("There is no such plan, or it is not yours to see."))


def _own_run_or_404(plan_id: int) -> PlanRun:
    run = _run_or_404(plan_id)
    if (run.station_id is None) != (current_user.role == Role.ADMIN):
        raise ApiError(404, "not_found", _("There is no such plan, or it is not yours to see."))
    return run


def _fail(exc: PlanningError) -> ApiError:
    return ApiError(exc.status, exc.code, exc.message)


def _summary(run: PlanRun) -> dict[str, Any]:
    services.refresh(run)
    state = run.state
    progress = 100 if state == "done" else (live_progress(run.job)[0] if run.job else 0)
    return {
        "id": run.id,
        "station_id": run.station_id,
        "status": state,
        "progress": progress,
        "start": run.start_date.isoformat(),
        "days": run.days,
        "stats": run.stats,
        "message": run.failure or run.message or None,
        "previous_id": run.previous_run_id,
        "published_at": run.published_at.isoformat() if run.published_at else None,
        "publish_result": run.publish_result,
        "changes_since": _changes(run) if state == "done" else None,
    }


def _changes(run: PlanRun) -> dict[str, Any]:
    changes = services.changes_since(run)
    return {
        "total": changes.total,
        "last_id": changes.last_id,
        "latest": [{"at": c.at.isoformat(), "action": c.action, "worker": c.worker} for c in changes.shown],
    }


@bp.route("/plans", methods=["POST"])
@allow("organiser", "admin")
def plans_start() -> Any:
    data = json_body() if request.get_data() else {}
    problems: dict[str, list[str]] = {}
    start = None
    if data.get("start") is not None:
        try:
            start = date.fromisoformat(str(data["start"]))
        except ValueError:
            problems["start"] = [_("Enter a date as YYYY-MM-DD.")]
    days = data.get("days", services.DEFAULT_DAYS)
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= services.MAX_DAYS:
        problems["days"] = [_("Plan between 1 and %(max)s days.", max=services.MAX_DAYS)]
    previous = None
    if data.get("previous_id") is not None:
        if not isinstance(data["previous_id"], int):
            problems["previous_id"] = [_("Give the id of an earlier plan.")]
        else:
            previous = _own_run_or_404(data["previous_id"])
    if problems:
        raise ApiError(422, "invalid", _("Some fields need correcting."), problems)
    station_id = current_user.station_id if current_user.role == Role.ORGANISER else None
    if previous is not None and previous.station_id != station_id:
        raise ApiError(
            422,
            "invalid",
            _("Some fields need correcting."),
            {"previous_id": [_("Give the id of an earlier plan.")]},
        )
    try:
        run = services.start_run(current_user, station_id, start=start, days=days, previous=previous)
    except PlanningError as exc:
        raise _fail(exc) from None
    return {"id": run.id, "status": run.status}, 202


@bp.route("/plans/<int:plan_id>")
@allow("organiser", "admin")
def plans_show(plan_id: int) -> Any:
    return _summary(_run_or_404(plan_id))


@bp.route("/plans/<int:plan_id>/instance")
@allow("organiser", "admin")
def plans_instance(plan_id: int) -> Any:
    return _run_or_404(plan_id).instance


@bp.route("/plans/<int:plan_id>/plan")
@allow("organiser", "admin")
def plans_plan(plan_id: int) -> Any:
    run = _run_or_404(plan_id)
    if run.state != "done" or not run.plan:
        raise ApiError(409, "not_done", _("This plan has not finished yet."))
    return run.plan


@bp.route("/plans/<int:plan_id>/publish", methods=["POST"])
@allow("organiser", "admin")
def plans_publish(plan_id: int) -> Any:
    run = _own_run_or_404(plan_id)
    data = json_body() if request.get_data() else {}
    withdraw = data.get("withdraw_unplaced", False)
    if not isinstance(withdraw, bool):
        raise ApiError(
            422,
            "invalid",
            _("Some fields need correcting."),
            {"withdraw_unplaced": [_("Give true or false.")]},
        )
    seen = data.get("changes_seen")
    if seen is not None and (isinstance(seen, bool) or not isinstance(seen, int)):
        raise ApiError(
            422, "invalid", _("Some fields need correcting."), {"changes_seen": [_("Give a whole number.")]}
        )
    try:
        result = services.publish(current_user, run, withdraw_unplaced=withdraw, changes_seen=seen)
    except PlanningError as exc:
        raise _fail(exc) from None
    return {
        "id": run.id,
        "published_at": run.published_at.isoformat() if run.published_at else None,
        "created": result.created,
        "changed": result.changed,
        "unchanged": result.unchanged,
        "cancelled": result.cancelled,
        "kept_started": result.kept_started,
        "kept_unplaced": result.kept_unplaced,
        "affected_workers": sorted(result.affected_worker_ids),
    }


_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]

OPENAPI_PATHS: dict[str, Any] = {
    "/plans": {
        "post": {
            "summary": "Start an allocation over the station's open work (the administrator: the whole city)",
            "requestBody": {
                "required": False,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PlanStart"}}},
            },
            "responses": {
                "202": {
                    "description": "the run was queued: `id`, `status`",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["id", "status"],
                                "properties": {"id": {"type": "integer"}, "status": {"type": "string"}},
                            }
                        }
                    },
                },
                **error_responses(400, 401, 403, 404, 415, 422),
            },
        }
    },
    "/plans/{id}": {
        "get": {
            "summary": "A run's status (queued, running, done, failed, cancelled), progress 0-100 and stats",
            "parameters": _ID,
            "responses": {
                "200": {
                    "description": "the run",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PlanRun"}}},
                },
                **error_responses(401, 403, 404),
            },
        }
    },
    "/plans/{id}/instance": {
        "get": {
            "summary": "The exact instance the run solves (instances/FORMAT.md)",
            "parameters": _ID,
            "responses": {"200": {"description": "instance JSON"}, **error_responses(401, 403, 404)},
        }
    },
    "/plans/{id}/plan": {
        "get": {
            "summary": "The plan the run produced (instances/FORMAT.md); 409 while it runs. Besides FORMAT.md's "
            "keys, `kept` lists the lots already given out that the plan does not place, with the days they keep "
            "with their worker inside the hours the plan leaves them (`unscheduled`: pieces with no day)",
            "parameters": _ID,
            "responses": {"200": {"description": "plan JSON"}, **error_responses(401, 403, 404, 409)},
        }
    },
    "/plans/{id}/publish": {
        "post": {
            "summary": "Turn the plan's assignments into workers' tasks; only what changed is written. A task "
            "whose lot the plan does not place stays with its worker (kept_unplaced), on the days of the plan's "
            "`kept`, unless `withdraw_unplaced` is true. Refused 409 `past` when the plan's first day has gone by",
            "parameters": _ID,
            "requestBody": {
                "required": False,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PlanPublish"}}},
            },
            "responses": {
                "200": {"description": "counts of created, changed, unchanged, cancelled and kept tasks"},
                **error_responses(400, 401, 403, 404, 409, 415, 422),
            },
        }
    },
}

OPENAPI_SCHEMAS: dict[str, Any] = {
    "PlanPublish": {
        "type": "object",
        "properties": {
            "withdraw_unplaced": {
                "type": "boolean",
                "default": False,
                "description": "also withdraw not-picked-up tasks whose lot the plan does not place",
            },
            "changes_seen": {
                "type": "integer",
                "description": "the plan's changes_since.last_id the caller weighed: refused 409 "
                "(inputs_changed) when a newer change to the workers was made since",
            },
        },
    },
    "PlanStart": {
        "type": "object",
        "properties": {
            "start": {"type": "string", "format": "date", "description": "first day; default tomorrow"},
            "days": {"type": "integer", "minimum": 1, "maximum": services.MAX_DAYS, "default": 14},
            "previous_id": {"type": "integer", "description": "an earlier run to stay close to"},
        },
    },
    "PlanRun": {
        "type": "object",
        "required": ["id", "status", "progress"],
        "properties": {
            "id": {"type": "integer"},
            "station_id": {"type": ["integer", "null"]},
            "status": {"type": "string", "enum": ["queued", "running", "done", "failed", "cancelled"]},
            "progress": {"type": "integer", "minimum": 0, "maximum": 100},
            "start": {"type": "string", "format": "date"},
            "days": {"type": "integer"},
            "stats": {"type": ["object", "null"], "description": "plan.stats of instances/FORMAT.md"},
            "message": {"type": ["string", "null"]},
            "previous_id": {"type": ["integer", "null"]},
            "published_at": {"type": ["string", "null"], "format": "date-time"},
            "changes_since": {
                "type": ["object", "null"],
                "description": "changes to the workers the plan was made from (hours, skills, pauses, leaving, "
                "new workers) made after it: total, last_id (the newest audit entry, 0 for none) and the "
                "latest of them, newest first",
            },
        },
    },
}
