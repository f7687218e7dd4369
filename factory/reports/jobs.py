"""After a pay period closes, store the months it settled, so the next look at the dashboard is quick.

The figures of a settled month are stored the first time they are computed (factory/reports/stored.py);
a close changes the month it ends in, so this job computes the last 13 months for the city, the station's
district and the station in the background, right after the close commits.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from factory.accounts.models import Station, User
from factory.extensions import db
from factory.jobs import services as jobs
from factory.jobs.models import Job
from factory.jobs.queue import Report, handler
from factory.jobs.routes import describe
from factory.orders.services import local_today
from factory.payroll.models import PayPeriod
from factory.payroll.services import after_close
from factory.reports import domain, services
from factory.reports.services import Scope

KIND = "reports_store_months"

describe(KIND, lambda job: _("Updating the employment figures after a settlement"))


@after_close
def _store_after_close(period: PayPeriod, actor: User | None) -> None:
    if actor is not None:  # a job belongs to someone; a close from the command line stores on first look
        jobs.start(KIND, actor, {"station_id": period.station_id}, station_id=period.station_id)


@handler(KIND)
def store_months(job: Job, report: Report) -> None:
    params: dict[str, Any] = job.params or {}
    station = db.session.get(Station, int(params["station_id"]))
    if station is None:
        return
    months = domain.last_months(local_today(), 13)
    scopes = [
        Scope(months[-1]),
        Scope(months[-1], district_id=station.district_id),
        Scope(months[-1], station_id=station.id),
    ]
    for done, scope in enumerate(scopes):
        report(done * 100 // len(scopes), "")
        services.by_month(scope, months)
    job.result = {"scopes": len(scopes)}
