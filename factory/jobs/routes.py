"""A job's page with its progress bar, its status as JSON for the bar, cancel, and the result file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, url_for
from flask_login import current_user

from factory.access import allow
from factory.accounts.models import User
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


def get_job_or_404(job_id: int, user: User) -> Job:
    """The job, if `user` started it."""
    job = db.session.get(Job, job_id)
    if job is None or job.user_id != user.id:
        abort(404)
    return job


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
