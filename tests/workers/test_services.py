"""Worker services against the database: registry, privacy, skills, trials, hours, availability, training."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from factory.audit.models import AuditEntry
from factory.extensions import db
from factory.workers import services, training
from factory.workers.models import HoursException, WorkerProfile, WorkerSkill
from tests.workers.conftest import id_number


def audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_register_issues_a_code_and_stores_the_profile(register: Any, organiser: Any) -> None:
    worker, code = register(
        name="王秀英",
        mobile="+86 138-1234-5678",
        skills="remote_assembly:30;knitting:4.5",
        weekly_hours="6 6 6 6 6 0 0",
        hard_to_employ=True,
        hardship_category="older_unemployed",
    )
    assert code is not None
    assert len(code) == 8
    assert code.isdigit()
    assert worker.user.mobile == "13812345678"
    assert worker.user.role == "worker"
    assert worker.user.station_id == organiser.station_id
    assert {s.skill.code: s.speed for s in worker.skills} == {
        "remote_assembly": Decimal(30),
        "knitting": Decimal("4.5"),
    }
    assert all(s.source == "estimated" for s in worker.skills)
    assert services.weekly_hours(worker) == [Decimal(6)] * 5 + [Decimal(0)] * 2
    assert worker.priority is True  # a hard-to-employ resident is reached first unless said otherwise
    entry = audit("worker.register")[-1]
    assert entry.after["mobile"] == "138****5678"  # the audit log does not spread the number either


def test_id_number_is_encrypted_masked_and_revealed_only_with_a_log(register: Any, organiser: Any) -> None:
    number = id_number(17)
    worker, _code = register(id_number=number)
    db.session.flush()
    raw = db.session.execute(
        select(WorkerProfile.id_number_cipher, WorkerProfile.id_number_masked).where(
            WorkerProfile.user_id == worker.user_id
        )
    ).one()
    assert number not in raw.id_number_cipher
    assert raw.id_number_masked == number[:4] + "*" * 10 + number[-4:]
    before = len(audit("worker.id_number.reveal"))
    assert services.reveal_id_number(organiser, worker) == number
    entries = audit("worker.id_number.reveal")
    assert len(entries) == before + 1
    assert entries[-1].user_id == organiser.id


def test_a_worker_cannot_unmask(register: Any) -> None:
    worker, _code = register(id_number=id_number(18))
    with pytest.raises(PermissionError):
        services.reveal_id_number(worker.user, worker)


@pytest.mark.parametrize(
    ("fields", "field", "fragment"),
    [
        ({"mobile": "1381234567"}, "mobile", "11"),
        ({"mobile": "12812345678"}, "mobile", "13"),
        ({"id_number": "370203198001010010"}, "id_number", ""),  # wrong check digit
        ({"skills": "remote_assembly:0"}, "skills", ""),
        ({"skills": "remote_assembly:10001"}, "skills", ""),
        ({"skills": "weaving_baskets:3"}, "skills", "weaving_baskets"),
        ({"weekly_hours": "6 6 6 6 25 0 0"}, "weekly_hours", ""),
        ({"weekly_hours": "6 6 6 -1 6 0 0"}, "weekly_hours", ""),
        ({"weekly_hours": "6 6 6"}, "weekly_hours", "3"),
        ({"name": "  "}, "name", ""),
    ],
)
def test_bad_input_is_refused_with_a_message_and_saves_nothing(
    register: Any, fields: dict[str, Any], field: str, fragment: str
) -> None:
    count = db.session.scalar(select(db.func.count(WorkerProfile.user_id)))
    with pytest.raises(services.WorkerInputError) as caught:
        register(**fields)
    assert field in caught.value.fields
    assert all(m.strip() for m in caught.value.fields[field])
    assert fragment in " ".join(caught.value.fields[field])
    assert db.session.scalar(select(db.func.count(WorkerProfile.user_id))) == count


def test_a_registered_mobile_or_id_number_is_refused(register: Any, make_user: Any) -> None:
    make_user("organiser", mobile="13900001111")
    with pytest.raises(services.WorkerInputError) as caught:
        register(mobile="139 0000 1111")
    assert "mobile" in caught.value.fields
    register(id_number=id_number(5))
    with pytest.raises(services.WorkerInputError) as caught:
        register(id_number=id_number(5))
    assert "id_number" in caught.value.fields


def test_update_changes_fields_and_keeps_the_id_number_when_blank(register: Any, organiser: Any) -> None:
    worker, _ = register(id_number=id_number(7))
    masked = worker.id_number_masked
    services.update_worker(organiser, worker, services.WorkerInput(name="李玉兰", id_number=""))
    assert worker.user.name == "李玉兰"
    assert worker.id_number_masked == masked
    services.update_worker(organiser, worker, services.WorkerInput(), clear_id_number=True)
    assert worker.id_number_cipher is None
    assert worker.id_number_masked is None
    assert audit("worker.update")[-1].after == {"id_number": None}


def test_pause_and_leave_take_the_worker_out_of_planning(register: Any, organiser: Any) -> None:
    a, _ = register(weekly_hours="4 4 4 4 4 0 0", skills="knitting:4")
    b, _ = register(weekly_hours="4 4 4 4 4 0 0", skills="knitting:5")
    c, _ = register(weekly_hours="4 4 4 4 4 0 0")
    services.set_paused(organiser, a, True)
    services.leave(organiser, b)
    ids = [w.worker_id for w in services.availability(organiser.station_id, date(2026, 12, 7), 7)]
    assert ids == [c.user_id]
    assert b.user.is_disabled is True
    assert b.left_at is not None
    assert db.session.get(WorkerProfile, b.user_id) is not None  # history kept
    services.rejoin(organiser, b)
    services.set_paused(organiser, a, False)
    ids = {w.worker_id for w in services.availability(organiser.station_id, date(2026, 12, 7), 7)}
    assert ids == {a.user_id, b.user_id, c.user_id}
    assert b.user.is_disabled is False


def test_availability_combines_pattern_exceptions_speeds_reach(
    register: Any, organiser: Any, make_station: Any
) -> None:
    other = make_station()
    worker, _ = register(
        skills={"remote_assembly": "30", "knitting": 4.5},
        weekly_hours=[3, 3, 3, 3, 3, 0, 0],
        reach={other.id: 25},
        hard_to_employ=True,
        hardship_category="disabled",
    )
    monday = date(2026, 12, 7)
    services.set_day_hours(organiser, worker, monday + timedelta(days=1), "0", "孩子生病")
    services.set_day_hours(organiser, worker, monday + timedelta(days=5), 2.5)
    (row,) = services.availability(organiser.station_id, monday, 14)
    assert row.worker_id == worker.user_id
    assert row.speeds == {"remote_assembly": Decimal(30), "knitting": Decimal("4.5")}
    assert row.hours[:7] == [Decimal(x) for x in ("3", "0", "3", "3", "3", "2.5", "0")]
    assert row.hours[7:] == [Decimal(3)] * 5 + [Decimal(0)] * 2
    assert row.reach == {other.id: 25}
    assert row.priority is True
    visitors = services.availability(other.id, monday, 1, include_visitors=True)
    assert [v.worker_id for v in visitors] == [worker.user_id]
    assert services.availability(other.id, monday, 1) == []


def test_setting_a_day_back_to_the_usual_hours_removes_the_exception(register: Any, organiser: Any) -> None:
    worker, _ = register(weekly_hours="6 6 6 6 6 0 0")
    monday = date(2026, 12, 7)
    services.set_days(organiser, worker, {monday: "2", monday + timedelta(days=1): "6"})
    assert [e.day for e in services.exceptions_between(worker.user_id, monday, 7).values()] == [monday]
    services.set_days(organiser, worker, {monday: "6"})
    assert db.session.scalar(select(HoursException).where(HoursException.worker_id == worker.user_id)) is None


def test_a_bad_day_among_many_saves_none_of_them(register: Any, organiser: Any) -> None:
    worker, _ = register(weekly_hours="6 6 6 6 6 0 0")
    monday = date(2026, 12, 7)
    with pytest.raises(services.WorkerInputError) as caught:
        services.set_days(organiser, worker, {monday: "2", monday + timedelta(days=1): "25"})
    assert (monday + timedelta(days=1)).isoformat() in caught.value.fields
    assert services.exceptions_between(worker.user_id, monday, 7) == {}


def test_a_timed_trial_sets_the_speed_and_is_kept(register: Any, organiser: Any) -> None:
    worker, _ = register(skills="remote_assembly:20")
    trial = services.record_trial(organiser, worker, "remote_assembly", "70", "120")
    assert trial.speed == Decimal(35)
    (skill,) = worker.skills
    assert skill.speed == Decimal(35)
    assert skill.source == "trial"
    services.record_trial(organiser, worker, "knitting", 3, 45)
    assert {s.skill.code: s.speed for s in worker.skills}["knitting"] == Decimal(4)
    assert len(services.trials(worker)) == 2


@pytest.mark.parametrize(("pieces", "minutes"), [("0", "60"), ("5", "0"), ("abc", "60"), ("5", "2000")])
def test_a_bad_trial_changes_nothing(register: Any, organiser: Any, pieces: str, minutes: str) -> None:
    worker, _ = register(skills="remote_assembly:20")
    with pytest.raises(services.WorkerInputError):
        services.record_trial(organiser, worker, "remote_assembly", pieces, minutes)
    assert worker.skills[0].speed == Decimal(20)
    assert services.trials(worker) == []


def test_course_completion_grants_the_skill_once(register: Any, organiser: Any) -> None:
    course = training.create_course(organiser, organiser.station, "面点培训班", "steamed_buns", "12")
    for day in range(4):
        training.add_session(organiser, course, date(2026, 11, 2 + day), 3, "和面")
    assert course.hours == Decimal(12)
    new, _ = register()
    skilled, _ = register(skills="steamed_buns:20")
    for w in (new, skilled):
        training.enrol(organiser, course, w)
    training.set_attendance(organiser, course.sessions[0], {new.user_id})
    (p_new, p_skilled) = sorted(training.progress(course), key=lambda p: p.participant.worker_id)
    assert p_new.attended_hours == Decimal(3)
    assert p_skilled.attended_hours == 0
    assert training.complete(organiser, course, new) is True
    assert training.complete(organiser, course, skilled) is False  # keeps the speed they had
    speeds = {
        w.user_id: (s.speed, s.source)
        for w in (new, skilled)
        for s in db.session.scalars(select(WorkerSkill).where(WorkerSkill.worker_id == w.user_id))
    }
    assert speeds[new.user_id] == (Decimal(12), "course")
    assert speeds[skilled.user_id] == (Decimal(20), "estimated")
    assert training.complete(organiser, course, new) is False


def test_a_worker_made_on_the_command_line_gets_a_profile(make_user: Any, organiser: Any) -> None:
    user = make_user("worker", station=organiser.station)
    (worker,) = [w for w in services.station_workers(organiser.station_id) if w.user_id == user.id]
    assert services.weekly_hours(worker) == [Decimal(0)] * 7


def test_mobile_is_whole_only_for_the_worker_and_their_organiser(
    register: Any, organiser: Any, make_user: Any
) -> None:
    worker, _ = register(mobile="13812345678")
    assert services.mobile_for(worker.user, worker) == "13812345678"
    assert services.mobile_for(organiser, worker) == "13812345678"
    assert services.mobile_for(make_user("organiser"), worker) == "138****5678"
    assert services.mobile_for(make_user("admin"), worker) == "138****5678"


def test_demo_profiles_are_believable_and_seeding_twice_changes_nothing(app: Any) -> None:
    from factory.demo.seed import seed
    from factory.workers.models import Course

    seed()
    profiles = db.session.scalars(select(WorkerProfile)).all()
    assert len(profiles) >= 60
    school_hours = [p for p in profiles if services.weekly_hours(p) == [Decimal(6)] * 5 + [Decimal(0)] * 2]
    assert len(school_hours) >= 10
    hard = [p for p in profiles if p.hard_to_employ]
    assert hard
    assert all(p.hardship_category for p in hard)
    assert any(p.reach for p in profiles)
    assert all(p.skills for p in profiles)
    course = db.session.scalar(select(Course).where(Course.name.contains("面点")))
    assert course.hours == Decimal(12)
    assert sum(1 for p in course.participants if p.completed_at) >= 3
    counts = (len(profiles), db.session.scalar(select(db.func.count(WorkerSkill.id))))
    seed()
    assert (
        len(db.session.scalars(select(WorkerProfile)).all()),
        db.session.scalar(select(db.func.count(WorkerSkill.id))),
    ) == counts
