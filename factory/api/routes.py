"""The JSON API (v1): conventions shared by every feature's API module, the OpenAPI document, /me.

Feature modules add their paths to `bp` (import `bp`, `json_body`, `ApiError` from here)
and describe them in an `OPENAPI_PATHS` dict that `openapi.json` merges. They call the same services
as the pages.
"""

from __future__ import annotations

import importlib
from typing import Any

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_login import current_user

from factory.access import allow, public
from factory.errors import api_error

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Feature modules that register API paths on `bp`; each may define OPENAPI_PATHS and OPENAPI_SCHEMAS.
API_MODULES: list[str] = [
    "factory.orders.api",
    "factory.workers.api",
    "factory.planning.api",
    "factory.production.api",
    "factory.payroll.api",
]


class ApiError(Exception):
    """A refused API request: rendered in the error shape, nothing changed."""

    def __init__(
        self, status: int, code: str, message: str, fields: dict[str, list[str]] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> Any:
    return api_error(exc.status, exc.code, exc.message, exc.fields)


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 415/400 ApiError."""
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", _("Send the body as application/json."))
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "malformed_json", _("The body is not valid JSON."))
    if not isinstance(data, dict):
        raise ApiError(400, "malformed_json", _("The body must be a JSON object."))
    return data


@bp.route("/me")
@allow()
def me() -> Any:
    user = current_user
    return {
        "id": user.id,
        "name": user.name,
        "role": user.role,
        "enterprise_id": user.enterprise_id,
        "station_id": user.station_id,
    }


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    },
}


def error_responses(*statuses: int) -> dict[str, Any]:
    """OpenAPI response entries in the error shape for `statuses`."""
    return {
        str(s): {
            "description": "error",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for s in statuses
    }


def build_spec() -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/me": {
            "get": {
                "summary": "The user behind the token",
                "responses": {"200": {"description": "the user"}, **error_responses(401)},
            }
        }
    }
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    for name in API_MODULES:
        module = importlib.import_module(name)
        paths.update(getattr(module, "OPENAPI_PATHS", {}))
        schemas.update(getattr(module, "OPENAPI_SCHEMAS", {}))
    return {
        "openapi": "3.0.3",
        "info": {"title": "Microfactory API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas,
        },
        "security": [{"bearer": []}],
        "paths": paths,
    }


@bp.route("/openapi.json")
@public
def openapi() -> Any:
    return build_spec()


# The feature modules add their views to `bp` when imported; import them before the blueprint is registered.
for _module in API_MODULES:
    importlib.import_module(_module)
