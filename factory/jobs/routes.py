"""The list of one's background jobs; a job's page with its progress bar, its status as JSON for the bar,
cancel, and the result file. The administrator may look at everyone's jobs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from factory.access import allow
from factory.accounts.models import Role, User
from factory.extensions import db
from factory.jobs import services
from factory.jobs.models import Job
from factory.jobs.queue import live_progress

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


@dataclass(frozen=True)
class JobPage:
    """How a kind of job presents itself on its page: what it makes, and where to go back to."""

    title: Callable[[Job], str]
    back: Callable[[Job], tuple[str, str]] | None = None  # (url, link text)


PAGES: dict[str, JobPage] = {}


def describe(
    kind: str, title: Callable[[Job], str], back: Callable[[Job], tuple[str, str]] | None = None
) -> None:
    """Give the page of jobs of `kind` a title and a way back (called by the feature that starts them)."""
    PAGES[kind] = JobPage(title, back)


PAGE = 50


def get_job_or_404(job_id: int, user: User) -> Job:
    """The job, if `user` started it or is an administrator."""
    job = db.session.get(Job, job_id)
    if job is None or (job.user_id != user.id and user.role != Role.ADMIN):
        abort(404)
    return job


def status_labels() -> dict[str, str]:
    return {
        "queued": _("Waiting to start"),
        "running": _("Running"),
        "done": _("Done"),
        "failed": _("Failed"),
        "cancelled": _("Cancelled"),
    }


def title_of(job: Job) -> str:
    page = PAGES.get(job.kind)
    return page.title(job) if page else _("Background job")


@bp.route("/")
@allow()
def index() -> Any:
    """The user's jobs, newest first (the administrator's, or everyone's)."""
    everyone = current_user.role == Role.ADMIN and request.args.get("everyone") == "1"
    page = max(1, request.args.get("page", 1, type=int))
    stmt = (
        select(Job)
        .options(joinedload(Job.user))
        .order_by(Job.created_at.desc(), Job.id.desc())
        .offset((page - 1) * PAGE)
        .limit(PAGE + 1)
    )
    if not everyone:
        stmt = stmt.where(Job.user_id == current_user.id)
    rows = list(db.session.scalars(stmt))
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return render_template(
        "jobs/index.html",
        jobs=[(job, title_of(job), live_progress(job)[0]) for job in rows],
        everyone=everyone,
        can_see_everyone=current_user.role == Role.ADMIN,
        statuses=status_labels(),
        next_page=page + 1 if more else None,
    )


@bp.route("/<int:job_id>")
@allow()
def show(job_id: int) -> Any:
    job = get_job_or_404(job_id, current_user)
    progress, message = live_progress(job)
    page = PAGES.get(job.kind)
    return render_template(
        "jobs/show.html",
        job=job,
        progress=progress,
        message=message,
        title=page.title(job) if page else None,
        back=page.back(job) if page and page.back else None,
        statuses=status_labels(),
    )


@bp.route("/<int:job_id>.json")
@allow()
def status(job_id: int) -> Any:
    job = get_job_or_404(job_id, current_user)
    progress, message = live_progress(job)
    return {
        "id": job.id,
        "status": job.status,
        "progress": progress,
        "message": message,
        "finished": job.finished,
        "has_file": bool(job.result_filename),
    }


@bp.route("/<int:job_id>/cancel", methods=["POST"])
@allow()
def cancel(job_id: int) -> Any:
    services.cancel(get_job_or_404(job_id, current_user))
    return redirect(url_for("jobs.show", job_id=job_id), 303)


@bp.route("/<int:job_id>/download")
@allow()
def download(job_id: int) -> Any:
    job = get_job_or_404(job_id, current_user)
    if job.status != "done" or not job.result_filename:
        abort(404)
    return Response(
        job.result_file or b"",
        content_type=job.result_mimetype or "application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{job.result_filename}"'},
    )
