"""Export the audit log as a CSV file, in the background (it can be long).

The file reads like the audit page: headers in the reader's language, local time, the person's name, the
action and the object in words, and the changes as the page shows them. The codes and the recorded values
(as JSON) follow, for whoever needs the exact figures. Entries are read and named in batches, so the number
of queries grows with the size of the log divided by the batch, not with each entry.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from factory.accounts.models import User
from factory.audit.models import AuditEntry
from factory.audit.present import Change, EntryView, Ref, present
from factory.audit.services import filtered
from factory.extensions import db
from factory.jobs.models import Job
from factory.jobs.queue import Report, handler
from factory.types import LOCAL_TZ

BATCH = 500


@handler("audit_export")
def export_audit(job: Job, report: Report) -> None:
    params: dict[str, Any] = job.params or {}
    filters = _filters(params)
    total = db.session.scalar(filtered(select(func.count(AuditEntry.id)), **filters)) or 0
    out = io.StringIO()
    out.write("\ufeff")  # spreadsheet programs then read the file as UTF-8
    writer = csv.writer(out, lineterminator="\r\n")
    with force_locale(_locale(params, job)):
        writer.writerow(_header())
        last_id, done = 0, 0
        while True:
            stmt = (
                filtered(select(AuditEntry), **filters)
                .where(AuditEntry.id > last_id)
                .options(joinedload(AuditEntry.user))
                .order_by(AuditEntry.id)
                .limit(BATCH)
            )
            rows = db.session.scalars(stmt).all()
            if not rows:
                break
            for view in present(rows):
                writer.writerow([_safe(cell) for cell in _row(view)])
            last_id, done = rows[-1].id, done + len(rows)
            if total:
                report(int(done * 100 / total), f"{done}/{total}")
    job.result_file = out.getvalue().encode("utf-8")
    job.result_filename = f"audit-{job.id}.csv"
    job.result_mimetype = "text/csv; charset=utf-8"
    job.result = {"rows": done}


def _locale(params: dict[str, Any], job: Job) -> str:
    """The language of the person who asked for the file (as their page was shown), Chinese by default."""
    languages = list(current_app.config["LANGUAGES"])
    for choice in (params.get("locale"), getattr(db.session.get(User, job.user_id), "locale", None)):
        if choice in languages:
            return str(choice)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def _header() -> list[str]:
    return [
        _("Time (Beijing time, UTC+8)"),
        _("Who"),
        _("Role"),
        _("Action"),
        _("Object"),
        _("What changed"),
        _("Entry number"),
        _("Action code"),
        _("Object type"),
        _("Object number"),
        _("Person's account number"),
        _("Before (JSON)"),
        _("After (JSON)"),
    ]


def _row(view: EntryView) -> list[Any]:
    from factory.app import role_label

    entry = view.entry
    user = entry.user
    refs = " · ".join(r.text for r in view.object_refs)
    return [
        entry.at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S"),
        user.name if user is not None else _("system"),
        role_label(user.role) if user is not None else "",
        view.action,
        f"{view.object_kind} {refs}".strip() if view.show_kind else refs,
        "\n".join(_change(c) for c in view.changes),
        entry.id,
        entry.action,
        entry.object_type,
        entry.object_id if entry.object_id is not None else "",
        entry.user_id if entry.user_id is not None else "",
        _json(entry.before),
        _json(entry.after),
    ]


def _change(change: Change) -> str:
    """One change as the page shows it: "field: before → after"."""
    label = _("%(label)s: ", label=change.label)
    if change.before is None:
        return label + _refs(change.after or [])
    if change.after is None and change.removed:
        return label + _("%(value)s (removed)", value=_refs(change.before))
    if change.after is None:
        return label + _refs(change.before) + " " + _("(before)")
    if change.changed:
        return label + _refs(change.before) + " → " + _refs(change.after)
    return label + _refs(change.after)


def _refs(items: list[Ref]) -> str:
    return "、".join(r.text for r in items)


def _json(value: dict[str, Any] | None) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=False)


def _filters(params: dict[str, Any]) -> dict[str, Any]:
    return {
        "action": params.get("action") or None,
        "user_id": params.get("user_id"),
        "object_type": params.get("object_type"),
        "since": date.fromisoformat(params["since"]) if params.get("since") else None,
        "until": date.fromisoformat(params["until"]) if params.get("until") else None,
    }


def _safe(value: Any) -> str:
    """A cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
