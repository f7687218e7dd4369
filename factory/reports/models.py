"""Stored figures of past months, so the 12-month trend does not rank a year of per-worker rows each time.

A row is only a cache: it holds what `services.compute` answered for one month and one scope, with what its
answer depended on, and it is used only while those inputs are unchanged (see `factory/reports/stored.py`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from factory.extensions import db
from factory.types import UTCDateTime, utcnow


class MonthFigures(db.Model):
    __tablename__ = "report_month_figures"
    __table_args__ = (UniqueConstraint("scope", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(40))  # "city", "d<district id>" or "s<station id>"
    month: Mapped[int] = mapped_column()  # year * 12 + month - 1
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    inputs: Mapped[str] = mapped_column(Text)  # JSON: what the figures were computed from
    figures: Mapped[str] = mapped_column(Text)  # JSON: the figures
