"""Dates for the demo's past: when its people registered, and an audit trail that follows the business days.

The demo's history (pay half-months, inspected lots, courses) goes back a few months; the seed writes it
today through the ordinary services, which date their rows and audit entries now. The helpers here date
what a step writes at the moment the event it describes happened, so that the figures that depend on
registration (residents who offered hours but had no work) and the audit log read like a real floor's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import event

from factory.extensions import db
from factory.orders.services import local_today
from factory.types import LOCAL_TZ

# The staff registered first, about five months ago; the residents in the weeks after, all before the
# demo's first pieces (its pay history starts at most about two and a half months back).
STAFF_DAYS_AGO = 150
WORKERS_DAYS_AGO = 120
WORKER_SPREAD_DAYS = 20


def at_local(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """An instant (UTC) at a local hour of a local day."""
    return datetime.combine(day, time(hour, minute), LOCAL_TZ).astimezone(UTC)


def staff_registered(n: int, today: date | None = None) -> datetime:
    today = today or local_today()
    return at_local(today - timedelta(days=STAFF_DAYS_AGO - n), 10)


def worker_registered(n: int, today: date | None = None) -> datetime:
    """The n-th demo resident's registration: spread over three weeks, well before any of their work."""
    today = today or local_today()
    days = WORKERS_DAYS_AGO - (n * 7) % WORKER_SPREAD_DAYS
    return at_local(today - timedelta(days=days), 9 + n % 8, (n * 13) % 60)


def order_posted(today: date | None = None) -> datetime:
    """When the demo orders that stations took on were posted: after the residents registered, before the
    first pieces."""
    today = today or local_today()
    return at_local(today - timedelta(days=WORKERS_DAYS_AGO - WORKER_SPREAD_DAYS - 5), 11)


@contextmanager
def dated(when: datetime) -> Iterator[None]:
    """Audit entries written inside the block are dated `when` (the event's business time) instead of now.

    Entries are append-only once flushed, so they are dated while still new: before each flush, and with
    a flush when the block ends so that none leaves the block undated.
    """
    from factory.audit.models import AuditEntry

    session = db.session()

    def stamp(sess: Any, _context: Any, _instances: Any) -> None:
        for obj in sess.new:
            if isinstance(obj, AuditEntry):
                obj.at = when

    event.listen(session, "before_flush", stamp)
    try:
        yield
        session.flush()
    finally:
        event.remove(session, "before_flush", stamp)
