"""Column types shared by the models: UTC timestamps that stay aware on every database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# The stations' time zone: local days (due dates, pay periods) and the times shown to people.
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(UTC)


def local_day_start(day: date) -> datetime:
    """The first instant of a local day, in UTC: timestamps are stored in UTC, people think in local days."""
    return datetime.combine(day, time.min, LOCAL_TZ).astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Store naive UTC (SQLite has no time zones) and hand back aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use factory.types.utcnow()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)
