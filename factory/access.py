"""Access control in one place.

Every view declares who may use it with `@allow(...)` (roles) or `@public`; `check_access`, run before
every request, refuses a request to a view that declares nothing, so a forgotten declaration fails closed
(and a test walks the URL map to catch it before it ships). Tenant checks live in the per-feature
`get_<object>_or_404(id, user)` helpers, which answer 404 for objects that are not the user's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from factory.accounts.models import Role

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC = "public"
ALL_ROLES = frozenset(r.value for r in Role)


def allow(*roles: str) -> Callable[[F], F]:
    """Let users with one of `roles` use the view (any logged-in user when called with no roles)."""
    unknown = set(roles) - ALL_ROLES
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")

    def decorate(view: F) -> F:
        view.allowed_roles = frozenset(roles) or ALL_ROLES  # type: ignore[attr-defined]
        return view

    return decorate


def public(view: F) -> F:
    """Let anyone, logged in or not, use the view."""
    view.allowed_roles = PUBLIC  # type: ignore[attr-defined]
    return view


def declared_roles(endpoint: str) -> frozenset[str] | str | None:
    """Return what the view behind `endpoint` declares, or None when it declares nothing."""
    if endpoint == "static":
        return PUBLIC
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "allowed_roles", None)


def check_access() -> Any:
    """Refuse the request unless the view's declaration lets the current user in."""
    if request.endpoint is None:
        return None  # 404 / 405 follow
    roles = declared_roles(request.endpoint)
    if roles is None:
        current_app.logger.error("view %s declares no roles; refused", request.endpoint)
        abort(403)
    if roles == PUBLIC:
        return None
    if not current_user.is_authenticated:
        if request.path.startswith("/api/"):
            abort(401)
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    if current_user.role not in roles:
        abort(403)
    return None
