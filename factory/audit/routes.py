"""The administrator browses and filters the audit log, and exports it."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import and_, or_, select
from werkzeug.datastructures import MultiDict

from factory.access import allow
from factory.accounts.models import User
from factory.audit.labels import ACTIONS, GROUPS, NAMED_ONLY, OBJECTS, action_label
from factory.audit.models import AuditEntry
from factory.audit.present import present
from factory.audit.services import filtered
from factory.extensions import db
from factory.jobs import services as jobs
from factory.jobs.routes import describe as describe_job

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")

PAGE = 50


def _params(args: MultiDict[str, str]) -> dict[str, Any]:
    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(args.get(name, ""))
        except ValueError:
            return None

    return {
        "action": args.get("action", "").strip()[:60] or None,
        "user_id": args.get("user_id", type=int),
        "object_type": args.get("object_type", "").strip()[:40] or None,
        "since": day("since"),
        "until": day("until"),
    }


@bp.route("/")
@allow("admin")
def index() -> Any:
    params = _params(request.args)
    before_id = request.args.get("before", type=int)
    # Newest first by the time of the event (an entry written later may be dated earlier, as the demo's
    # history is), the id breaking ties; a page goes on after the last entry of the one before.
    stmt = (
        filtered(select(AuditEntry), **params)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(PAGE + 1)
    )
    last = db.session.get(AuditEntry, before_id) if before_id else None
    if last is not None:
        stmt = stmt.where(
            or_(AuditEntry.at < last.at, and_(AuditEntry.at == last.at, AuditEntry.id < last.id))
        )
    rows = db.session.scalars(stmt).all()
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    args = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in params.items() if v}
    next_args = None
    if more and rows:
        next_args = {**args, "before": rows[-1].id}
    return render_template(
        "audit/index.html",
        entries=present(rows),
        params=params,
        next_args=next_args,
        action_groups=_action_groups(params["action"]),
        object_types=_object_types(params["object_type"]),
        filter_user=db.session.get(User, params["user_id"]) if params["user_id"] else None,
        everyone_args={k: v for k, v in args.items() if k != "user_id"},
    )


def _action_groups(current: str | None) -> list[tuple[str, list[tuple[str, str]]]]:
    """The action filter's choices: per group, "all of the group" and then each action, in words."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for code in ACTIONS:
        prefix = code.split(".", 1)[0]
        if prefix not in groups:
            groups[prefix] = [(prefix + ".", _("%(group)s: all", group=GROUPS[prefix]))]
        groups[prefix].append((code, action_label(code) or code))
    out = [(str(GROUPS[prefix]), choices) for prefix, choices in groups.items()]
    known = {value for _group, choices in out for value, _label in choices}
    if current and current not in known:  # a code from an old link or a bookmark: keep it selectable
        out.append((_("Other"), [(current, current)]))
    return out


def _object_types(current: str | None) -> list[tuple[str, str]]:
    out = [(code, str(label)) for code, label in OBJECTS.items() if code not in NAMED_ONLY]
    if current and current not in OBJECTS:
        out.append((current, current))
    return out


FILTERS = ("action", "user_id", "object_type", "since", "until")


def _back(job: Any) -> tuple[str, str]:
    """Back to the log as it was filtered when the export started."""
    params = job.params or {}
    args = {k: params[k] for k in FILTERS if params.get(k)}
    return url_for("audit.index", **args), _("Back to the audit log")


describe_job("audit_export", lambda job: _("Audit log export"), _back)


@bp.route("/export", methods=["POST"])
@allow("admin")
def export() -> Any:
    params = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in _params(request.form).items()}
    params["locale"] = str(get_locale() or "")  # the file speaks the language the page was read in
    job = jobs.start("audit_export", current_user, params)
    return redirect(url_for("jobs.show", job_id=job.id), 303)
