"""Stored figures of past months: the 12-month trend reads them instead of recomputing a year.

A past month's work figures (earners, pay, medians, pieces, first-time earners, orders served) are stored
per scope (the city, a district, a station) the first time they are computed, with a note of what they
depended on. They are used again only while nothing they depend on has changed, so an answer from the
store is always the answer `services.compute` would give:

* **No open work.** A month is stored only when it is over and every inspection in it (in the scope) lies
  in a closed pay period, so its pay comes from frozen slips; rates, standard minutes and reported times,
  which price open work, cannot move it.
* **Closed periods.** The number of closed pay periods ending in the month (their slips count in it).
* **New inspections.** Any inspection recorded since the figures were computed and dated on or before the
  month's last day (an inspection may be dated back; earlier ones decide who earned for the first time)
  makes them stale. "Since" allows a margin for transactions still open at the time.
* **Who is who.** A change to the worker profile (hard to employ, category) of anyone paid in the month
  since the figures were computed; a digest of each station's district.

Stale rows are recomputed and replaced. Delivery figures (orders due, on time) are always counted afresh:
a delivery may be recorded after the fact.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from factory.accounts.models import Station
from factory.extensions import db
from factory.payroll.models import PayPeriod, PaySlip
from factory.production.models import Inspection
from factory.reports import domain
from factory.reports.domain import Figures, Span
from factory.reports.models import MonthFigures
from factory.workers.models import WorkerProfile

# Longer than any request or job holding an inspection uncommitted.
IN_FLIGHT = timedelta(minutes=5)
# How old a row's last check may grow before it is brought forward.
RECHECK = timedelta(hours=1)


def scope_key(station_id: int | None, district_id: int | None, enterprise_id: int | None) -> str | None:
    """The store's name for a scope; None for scopes it does not keep (an enterprise's)."""
    if enterprise_id is not None:
        return None
    if station_id is not None:
        return f"s{station_id}" + (f"d{district_id}" if district_id is not None else "")
    if district_id is not None:
        return f"d{district_id}"
    return "city"


@dataclass(frozen=True)
class Inputs:
    """What the stored figures of one month depended on, beyond the inspections."""

    closed: int
    stations: str

    def to_json(self) -> str:
        return json.dumps({"closed": self.closed, "stations": self.stations}, sort_keys=True)


class MonthStore:
    """The stored months of one scope, checked against the records as they are now."""

    def __init__(self, key: str, months: Sequence[Span]) -> None:
        self.key = key
        self.months = list(months)
        first, last = self.months[0].start, self.months[-1].end
        self._closed = _closed_by_month(first, last)
        self._stations = _stations_digest()
        self._rows = {
            row.month: row
            for row in db.session.scalars(
                select(MonthFigures).where(
                    MonthFigures.scope == key,
                    MonthFigures.month.in_([domain.month_index(m.start) for m in self.months]),
                )
            )
        }

    def inputs(self, month: Span) -> Inputs:
        return Inputs(self._closed.get(domain.month_index(month.start), 0), self._stations)

    def load(self, started: datetime) -> dict[int, Figures]:
        """The stored figures still valid, by month index.

        Rows found valid that were last checked long ago are marked as checked at `started` (the start of
        this request's reading), so the inspections asked about stay a short list.
        """
        if not self._rows:
            return {}
        since = min(row.computed_at for row in self._rows.values()) - IN_FLIGHT
        latest_by_day = dict(
            db.session.execute(
                select(Inspection.inspected_on, func.max(Inspection.created_at))
                .where(Inspection.created_at >= since)
                .group_by(Inspection.inspected_on)
            ).all()
        )
        profiles = self._profiles_changed(since)
        out: dict[int, Figures] = {}
        for month in self.months:
            index = domain.month_index(month.start)
            row = self._rows.get(index)
            if row is None or row.inputs != self.inputs(month).to_json():
                continue
            checked_from = row.computed_at - IN_FLIGHT
            if any(day <= month.end and made >= checked_from for day, made in latest_by_day.items()):
                continue
            changed = profiles.get(index)
            if changed is not None and changed >= checked_from:
                continue
            out[index] = domain.work_from_json(json.loads(row.figures))
            if started - row.computed_at > RECHECK:
                self._touch(row, started)
        return out

    def _profiles_changed(self, since: datetime) -> dict[int, datetime]:
        """Per month: the last change since `since` to the profile of a worker paid in it (on a slip)."""
        first, last = self.months[0].start, self.months[-1].end
        out: dict[int, datetime] = {}
        for end, changed in db.session.execute(
            select(PayPeriod.end, func.max(WorkerProfile.updated_at))
            .join(PaySlip, PaySlip.period_id == PayPeriod.id)
            .join(WorkerProfile, WorkerProfile.user_id == PaySlip.worker_id)
            .where(
                WorkerProfile.updated_at >= since,
                PayPeriod.status == "closed",
                PayPeriod.end >= first,
                PayPeriod.end <= last,
            )
            .group_by(PayPeriod.end)
        ):
            index = domain.month_index(end)
            out[index] = max(out.get(index, changed), changed)
        return out

    def _touch(self, row: MonthFigures, started: datetime) -> None:
        try:
            with db.session.begin_nested():
                row.computed_at = started
        except DBAPIError:
            pass

    def save(self, figures: dict[int, Figures], months: Iterable[Span], started: datetime) -> None:
        """Store the figures of `months` (computed from records read after `started`).

        A best effort: when another request stores the same month at the same moment, or the database
        is busy, the figures are simply not stored this time.
        """
        for month in months:
            index = domain.month_index(month.start)
            if index not in figures:
                continue
            values = {
                "computed_at": started,
                "inputs": self.inputs(month).to_json(),
                "figures": json.dumps(domain.work_to_json(figures[index]), sort_keys=True),
            }
            try:
                with db.session.begin_nested():
                    row = self._rows.get(index)
                    if row is None:
                        row = MonthFigures(scope=self.key, month=index, **values)
                        db.session.add(row)
                        self._rows[index] = row
                    else:
                        for name, value in values.items():
                            setattr(row, name, value)
            except (IntegrityError, DBAPIError):
                self._rows.pop(index, None)


def storable(months: Iterable[Span], open_months: set[int], today: date) -> list[Span]:
    """The months whose figures can be stored: over, with no open work in them."""
    return [m for m in months if m.end < today and domain.month_index(m.start) not in open_months]


def _closed_by_month(first: date, last: date) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for end, count in db.session.execute(
        select(PayPeriod.end, func.count())
        .where(PayPeriod.status == "closed", PayPeriod.end >= first, PayPeriod.end <= last)
        .group_by(PayPeriod.end)
    ):
        counts[domain.month_index(end)] += int(count)
    return dict(counts)


def _stations_digest() -> str:
    """A digest of each station's district (a district's figures are its stations')."""
    digest = hashlib.sha256()
    for station_id, district_id in db.session.execute(
        select(Station.id, Station.district_id).order_by(Station.id)
    ):
        digest.update(f"{station_id}:{district_id};".encode())
    return digest.hexdigest()
