"""Error pages in the user's language, and the JSON error shape for the API."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from factory.extensions import db


class ServiceError(Exception):
    """A refused operation of a feature's services: nothing was changed.

    `code` names the reason for the API, `message` says it to people, `fields` lists the problems by form
    field, `status` is the HTTP status a page or the API answers with, `details` carries figures to show.
    """

    def __init__(
        self,
        code: str,
        message: str,
        fields: dict[str, list[str]] | None = None,
        *,
        status: int = 422,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.status = status
        self.details = details or {}


def api_error(status: int, code: str, message: str, fields: dict[str, list[str]] | None = None) -> Any:
    """The API's error answer: {"error": {"code", "message", "fields"}}."""
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    response = jsonify({"error": body})
    response.status_code = status
    return response


CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    500: "server_error",
}


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood. Please check what you entered and try again."),
        401: _("Please log in first."),
        403: _("You do not have permission to see this page."),
        404: _("This page does not exist, or it is not yours to see."),
        405: _("This action is not allowed here."),
        409: _("This conflicts with the current state. Reload the page and try again."),
        413: _("The file is too large."),
        415: _("This kind of content is not accepted."),
        422: _("Some of what you entered is not valid."),
        429: _("Too many attempts. Please wait and try again."),
        500: _("Something went wrong on our side. Nothing was changed; please try again later."),
    }


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Any:
        message = _(
            "The form has expired or was not sent from this site. Please go back, reload the page and try again."
        )
        if request.accept_mimetypes.best == "application/json":  # the phone's outbox keeps the report
            return api_error(400, "csrf", message)
        return _render(400, message)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        message = _messages().get(status, exc.description or "")
        return _render(status, message)

    @app.errorhandler(Exception)
    def server_error(exc: Exception) -> Any:
        if app.testing and not app.config.get("RENDER_ERRORS_IN_TESTS"):
            raise exc  # let the test see the traceback
        app.logger.exception("unhandled error on %s", request.path)
        # A write the database refused leaves the session unusable until rolled back, and the error page
        # itself reads the database (the logged-in user's navigation): drop the request's work first.
        db.session.rollback()
        return _render(500, _messages()[500])


def _api_messages() -> dict[int, str]:
    """Where the page wording speaks of pages, the API's speaks of what was asked."""
    return {
        403: _("Your account may not do this."),
        404: _("This does not exist, or it is not yours to see."),
    }


def _render(status: int, message: str) -> Any:
    if request.path.startswith("/api/"):
        message = _api_messages().get(status, message) if message == _messages().get(status) else message
        return api_error(status, CODES.get(status, "error"), message)
    template = f"errors/{status}.html" if status in (403, 404, 500) else "errors/error.html"
    return render_template(template, status=status, message=message), status
