"""Write audit entries in the caller's transaction."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select

from factory.accounts.models import User
from factory.audit.models import AuditEntry
from factory.extensions import db
from factory.types import local_day_start


def record(
    actor: User | None,
    action: str,
    obj: Any,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    station_id: int | None = None,
    enterprise_id: int | None = None,
) -> AuditEntry:
    """Add an audit entry for `action` on `obj` to the current session (flushed with the change)."""
    if hasattr(obj, "id") and obj.id is None:
        db.session.flush()  # the entry names the object by id
    entry = AuditEntry(
        user_id=actor.id if actor is not None else None,
        action=action,
        object_type=getattr(obj, "__tablename__", type(obj).__name__.lower()),
        object_id=getattr(obj, "id", None),
        before=_plain(before),
        after=_plain(after),
        station_id=station_id if station_id is not None else getattr(obj, "station_id", None),
        enterprise_id=enterprise_id if enterprise_id is not None else getattr(obj, "enterprise_id", None),
    )
    db.session.add(entry)
    return entry


def _plain(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """Make values JSON-safe (dates and decimals as strings)."""
    if values is None:
        return None
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None or isinstance(value, bool | int | str | float | list | dict):
            out[key] = value
        else:
            out[key] = str(value)
    return out


def filtered(
    stmt: Select[Any],
    *,
    action: str | None = None,
    user_id: int | None = None,
    object_type: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> Select[Any]:
    """Narrow an audit query by action, user, object type and range of local days.

    An action ending in a dot is a group ("order." is every order action); otherwise the one action.
    """
    if action and action.endswith("."):
        stmt = stmt.where(AuditEntry.action.startswith(action, autoescape=True))
    elif action:
        stmt = stmt.where(AuditEntry.action == action)
    if user_id:
        stmt = stmt.where(AuditEntry.user_id == user_id)
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if since:
        stmt = stmt.where(AuditEntry.at >= local_day_start(since))
    if until:
        stmt = stmt.where(AuditEntry.at < local_day_start(until + timedelta(days=1)))
    return stmt
