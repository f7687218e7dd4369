"""Training: courses with sessions and attendance; completing a course grants its skill at a starting speed."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from factory.accounts.models import Station, User
from factory.audit.services import record
from factory.extensions import db
from factory.reference.models import Skill
from factory.types import utcnow
from factory.workers import domain
from factory.workers.messages import translate_all
from factory.workers.models import (
    Attendance,
    Course,
    CourseParticipant,
    CourseSession,
    WorkerProfile,
    WorkerSkill,
    from_centi,
    to_centi,
)
from factory.workers.services import WorkerInputError


def create_course(
    actor: User, station: Station, name: str, skill_code: str, starting_speed: object
) -> Course:
    problems: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name or len(name) > 100:
        problems["name"] = [_("Give the course a name of at most 100 characters.")]
    skill = db.session.scalar(select(Skill).where(Skill.code == skill_code))
    if skill is None:
        problems["skill"] = [_("Unknown skill: %(code)s.", code=skill_code)]
    speed = None
    try:
        speed = domain.validate_speed(starting_speed)
    except domain.WorkerFieldError as exc:
        problems["starting_speed"] = translate_all(exc.messages)
    if problems:
        raise WorkerInputError(problems)
    if speed is None or skill is None:  # refused above; this keeps the type checker sure
        raise RuntimeError("checked input lost a value")
    course = Course(station_id=station.id, name=name, skill=skill, starting_speed_centi=to_centi(speed))
    db.session.add(course)
    record(
        actor,
        "course.create",
        course,
        after={"name": name, "skill": skill.code, "starting_speed": str(speed)},
    )
    db.session.flush()
    return course


def add_session(
    actor: User, course: Course, day: date | None, hours: object, topic: str = ""
) -> CourseSession:
    problems: dict[str, list[str]] = {}
    if day is None:
        problems["day"] = [_("Enter the date of the session.")]
    value = None
    try:
        value = domain.validate_hours(hours)
        if value <= 0:
            problems["hours"] = [_("A session lasts more than 0 hours.")]
    except domain.WorkerFieldError as exc:
        problems["hours"] = translate_all(exc.messages)
    if problems:
        raise WorkerInputError(problems)
    if value is None or day is None:  # refused above; this keeps the type checker sure
        raise RuntimeError("checked input lost a value")
    session = CourseSession(
        course=course, day=day, hours_centi=to_centi(value), topic=(topic or "").strip()[:100]
    )
    db.session.add(session)
    record(
        actor,
        "course.session",
        course,
        after={"day": day.isoformat(), "hours": str(value), "topic": session.topic},
    )
    db.session.flush()
    return session


def enrol(actor: User, course: Course, worker: WorkerProfile) -> CourseParticipant:
    row = participant(course, worker.user_id)
    if row is not None:
        return row
    row = CourseParticipant(course=course, worker_id=worker.user_id)
    db.session.add(row)
    record(actor, "course.enrol", course, after={"worker_id": worker.user_id})
    db.session.flush()
    return row


def participant(course: Course, worker_id: int) -> CourseParticipant | None:
    return next((p for p in course.participants if p.worker_id == worker_id), None)


def set_attendance(actor: User, session: CourseSession, present: Collection[int]) -> None:
    """Record who came to `session` (enrolled workers only)."""
    enrolled = {p.worker_id for p in session.course.participants}
    wanted = set(present) & enrolled
    current = {a.worker_id: a for a in session.attendance}
    if set(current) == wanted:
        return
    for worker_id, row in current.items():
        if worker_id not in wanted:
            session.attendance.remove(row)
    for worker_id in wanted - set(current):
        session.attendance.append(Attendance(worker_id=worker_id))
    record(
        actor,
        "course.attendance",
        session.course,
        before={"session": session.id, "present": sorted(current)},
        after={"session": session.id, "present": sorted(wanted)},
    )
    db.session.flush()


def complete(actor: User, course: Course, worker: WorkerProfile) -> bool:
    """Mark the worker's course completed and grant its skill at the starting speed.

    A worker who already holds the skill keeps their speed (a trial or earlier work measured it better).
    Returns whether the skill was granted.
    """
    row = participant(course, worker.user_id) or enrol(actor, course, worker)
    if row.completed_at is not None:
        return False
    row.completed_at = utcnow()
    granted = not any(s.skill_id == course.skill_id for s in worker.skills)
    if granted:
        db.session.add(
            WorkerSkill(
                worker=worker, skill=course.skill, speed_centi=course.starting_speed_centi, source="course"
            )
        )
    record(
        actor,
        "course.complete",
        worker,
        after={
            "course": course.name,
            "skill": course.skill.code,
            "granted": granted,
            "speed": str(course.starting_speed),
        },
    )
    db.session.flush()
    return granted


@dataclass(frozen=True)
class Progress:
    participant: CourseParticipant
    attended_hours: Decimal
    sessions_attended: int


def progress(course: Course) -> list[Progress]:
    """Each participant's attended hours and sessions."""
    out = []
    for p in sorted(course.participants, key=lambda p: p.worker.user.name):
        attended = [s for s in course.sessions if any(a.worker_id == p.worker_id for a in s.attendance)]
        out.append(Progress(p, from_centi(sum(s.hours_centi for s in attended)), len(attended)))
    return out


def station_courses(station_id: int) -> list[Course]:
    return list(
        db.session.scalars(select(Course).where(Course.station_id == station_id).order_by(Course.id.desc()))
    )


def worker_courses(worker_id: int) -> list[CourseParticipant]:
    return list(
        db.session.scalars(
            select(CourseParticipant)
            .where(CourseParticipant.worker_id == worker_id)
            .order_by(CourseParticipant.id)
        )
    )
