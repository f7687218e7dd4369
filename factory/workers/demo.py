"""Demo worker profiles: skills with speeds, weekly hours, hard-to-employ residents, reach, a pastry course,
and a weaving class that taught two residents of 辽源路 the hand-woven flowers their station took on.

Each station's residents can do the work their station holds lots of (the demo orders in
`factory.demo.seed`): a new user who plans a station's coming weeks sees every lot with a worker, and an
unplaced lot only for a reason they can see.

Keyed by the demo workers' mobile numbers: a worker who already has a profile is left alone, so running
the demo seed twice changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from factory.accounts.models import Station, User
from factory.demo.history import at_local, dated
from factory.extensions import db
from factory.orders.services import local_today
from factory.reference.models import Skill
from factory.workers import training
from factory.workers.models import (
    Course,
    HoursException,
    WeeklyHours,
    WorkerProfile,
    WorkerReach,
    WorkerSkill,
)

# Weekly hours, Monday first, for the kinds of residents who work in a micro-factory.
PATTERNS = [
    [6, 6, 6, 6, 6, 0, 0],  # a mother in school hours, 9:00-15:00
    [5.5, 5.5, 5.5, 5.5, 5.5, 0, 0],  # a mother who also fetches a younger child at noon
    [4, 4, 4, 4, 4, 2, 0],  # an older resident, mornings
    [3, 3, 3, 3, 3, 6, 4],  # evenings and weekends, next to another job
    [0, 5, 5, 0, 5, 5, 0],  # a carer with fixed free days
]
# Skills by station (the kinds of work near each), with a typical speed and a spread. The second kind is
# not learnt by everyone; the third (the appliance and souvenir work their stations take on) by everyone.
STATION_SKILLS = [
    [("remote_assembly", 30, 8), ("fridge_magnet", 18, 5)],
    [("knitting", 4, 1.5), ("flower_weaving", 10, 3), ("remote_assembly", 24, 6)],
    [("button_knots", 40, 10), ("straw_weaving", 6, 2), ("fridge_magnet", 15, 4)],
]
# 辽源路's weaving class: who enrolled (by their index among the demo workers) and who finished it.
WEAVING_CLASS = (6, 7, 8)
WEAVING_FINISHED = (7, 8)  # 吴美玲 and 何金凤
CATEGORIES = [
    "older_unemployed",
    "disabled",
    "zero_employment_family",
    "long_term_unemployed",
    "subsistence_family",
]


def seed_workers() -> None:
    from factory.demo.seed import STATIONS, WORKERS_PER_STATION, demo_workers

    skills = {s.code: s for s in db.session.scalars(select(Skill))}
    stations = [db.session.scalar(select(Station).where(Station.name == name)) for name, _d, _a in STATIONS]
    for n, login in enumerate(demo_workers()):
        user = db.session.scalar(select(User).where(User.mobile == login.mobile))
        if user is None or db.session.get(WorkerProfile, user.id) is not None:
            continue
        s = n // WORKERS_PER_STATION
        hard = n % 7 == 3
        profile = WorkerProfile(
            user=user,
            user_id=user.id,
            hard_to_employ=hard,
            hardship_category=CATEGORIES[(n // 7) % len(CATEGORIES)] if hard else None,
            priority=hard,
            notes="",
            created_at=user.created_at,  # registered with the account (months ago in the demo)
        )
        profile.weekly = WeeklyHours(worker_id=user.id)
        profile.weekly.set_centis([to_centi_hours(h) for h in PATTERNS[n % len(PATTERNS)]])
        db.session.add(profile)
        for k, (code, typical, spread) in enumerate(STATION_SKILLS[s]):
            if k == 1 and n % 3 == 0:
                continue  # not everyone has learnt the second kind of work
            offset = ((n * 37 + k * 11) % 21 - 10) / 10  # -1.0 .. 1.0, stable per worker
            speed = max(1.0, round(typical + offset * spread, 1))
            source = "trial" if (n + k) % 4 == 0 else "estimated"
            db.session.add(
                WorkerSkill(
                    worker=profile, skill=skills[code], speed_centi=int(round(speed * 100)), source=source
                )
            )
        if n % 6 == 1 and stations[(s + 1) % len(stations)] is not None:
            profile.reach.append(
                WorkerReach(station_id=stations[(s + 1) % len(stations)].id, minutes=20 + (n % 4) * 5)
            )
        if n % 9 == 4:  # a sick child or a family day next week
            db.session.flush()
            today = local_today()
            day = today + timedelta(days=7 - today.weekday() + (n % 3))
            db.session.add(HoursException(worker_id=user.id, day=day, hours_centi=0, reason="孩子生病"))
    db.session.flush()
    _pastry_course(stations[0], skills)
    _weaving_class(stations[0])


def to_centi_hours(hours: float) -> int:
    return int(round(hours * 100))


def _pastry_course(station: Station | None, skills: dict[str, Skill]) -> None:
    """The station's 12-hour pastry course: four evenings of three hours, most participants finished."""
    if station is None:
        return
    name = "面点培训班（12学时）"
    if db.session.scalar(select(Course.id).where(Course.station_id == station.id, Course.name == name)):
        return
    organiser = db.session.scalar(select(User).where(User.station_id == station.id, User.role == "organiser"))
    if organiser is None:
        return
    start = local_today() - timedelta(days=40)
    set_up = at_local(start - timedelta(days=14), 10)
    with dated(set_up):  # set up and enrolled two weeks before
        course = training.create_course(organiser, station, name, "steamed_buns", 15)
        course.created_at = set_up
        for i, topic in enumerate(["和面与发面", "花样馒头造型", "蒸制与火候", "卫生与包装"]):
            training.add_session(organiser, course, start + timedelta(days=7 * i), 3, topic)
        workers = db.session.scalars(
            select(WorkerProfile)
            .join(User, User.id == WorkerProfile.user_id)
            .where(User.station_id == station.id)
        ).all()[:6]
        for w in workers:
            training.enrol(organiser, course, w)
    for i, session in enumerate(course.sessions):
        with dated(at_local(session.day, 21)):  # attendance noted after each evening
            training.set_attendance(
                organiser, session, {w.user_id for j, w in enumerate(workers) if j < 4 or i < 2}
            )
    with dated(at_local(course.sessions[-1].day, 21, 30)):
        for w in workers[:4]:
            training.complete(organiser, course, w)


def _weaving_class(station: Station | None) -> None:
    """辽源路's 8-hour class in hand-woven carnation corsages: two evenings; two of three residents finished
    it and can weave flowers (at a beginner's 8 an hour), so the station could take the flower order on."""
    from factory.demo.seed import demo_workers

    if station is None:
        return
    name = "手工编花培训班（康乃馨胸花，8学时）"
    if db.session.scalar(select(Course.id).where(Course.station_id == station.id, Course.name == name)):
        return
    organiser = db.session.scalar(select(User).where(User.station_id == station.id, User.role == "organiser"))
    if organiser is None:
        return
    logins = demo_workers()
    people = []
    for n in WEAVING_CLASS:
        user = db.session.scalar(select(User).where(User.mobile == logins[n].mobile))
        profile = db.session.get(WorkerProfile, user.id) if user is not None else None
        if profile is not None:
            people.append((n, profile))
    start = local_today() - timedelta(days=30)
    set_up = at_local(start - timedelta(days=10), 10)
    with dated(set_up):
        course = training.create_course(organiser, station, name, "flower_weaving", 8)
        course.created_at = set_up
        for i, topic in enumerate(["花瓣与花托", "胸花组合与包装"]):
            training.add_session(organiser, course, start + timedelta(days=7 * i), 4, topic)
        for _n, profile in people:
            training.enrol(organiser, course, profile)
    for i, session in enumerate(course.sessions):
        with dated(at_local(session.day, 21)):
            training.set_attendance(
                organiser, session, {p.user_id for n, p in people if n in WEAVING_FINISHED or i == 0}
            )
    with dated(at_local(course.sessions[-1].day, 21, 30)):
        for n, profile in people:
            if n in WEAVING_FINISHED:
                training.complete(organiser, course, profile)
