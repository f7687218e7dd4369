"""Export the audit log as a CSV file, in the background (it can be long)."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from sqlalchemy import func, select

from factory.audit.models import AuditEntry
from factory.audit.services import filtered
from factory.extensions import db
from factory.jobs.models import Job
from factory.jobs.queue import Report, handler


@handler("audit_export")
def export_audit(job: Job, report: Report) -> None:
    params: dict[str, Any] = job.params or {}
    stmt = filtered(select(AuditEntry), **_filters(params)).order_by(AuditEntry.id)
    total = db.session.scalar(filtered(select(func.count(AuditEntry.id)), **_filters(params))) or 0
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["id", "at_utc", "user_id", "action", "object_type", "object_id", "before", "after"])
    for n, entry in enumerate(db.session.scalars(stmt.execution_options(yield_per=1000)), start=1):
        writer.writerow(
            [
                entry.id,
                entry.at.isoformat(),
                entry.user_id,
                entry.action,
                entry.object_type,
                entry.object_id,
                _safe(entry.before),
                _safe(entry.after),
            ]
        )
        if n % 1000 == 0 and total:
            report(int(n * 100 / total), f"{n}/{total}")
    job.result_file = out.getvalue().encode("utf-8")
    job.result_filename = f"audit-{job.id}.csv"
    job.result_mimetype = "text/csv; charset=utf-8"
    job.result = {"rows": total}


def _filters(params: dict[str, Any]) -> dict[str, Any]:
    return {
        "action": params.get("action") or None,
        "user_id": params.get("user_id"),
        "object_type": params.get("object_type"),
        "since": date.fromisoformat(params["since"]) if params.get("since") else None,
        "until": date.fromisoformat(params["until"]) if params.get("until") else None,
    }


def _safe(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
