"""Workers: registering and editing, pausing and leaving, skills and trials, hours, reach, availability.

Services take explicit arguments (the acting user, rows, plain values), check them with the worker
rules in `factory.workers.domain`, write and flush; the request edge commits. Refused input raises
`WorkerInputError` with messages per field, already in the user's language, and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from factory.accounts import services as accounts
from factory.accounts.models import Role, Station, User
from factory.audit.services import record
from factory.extensions import db
from factory.orders.services import local_today
from factory.reference.models import Skill
from factory.types import utcnow
from factory.workers import domain, protect
from factory.workers.messages import translate_all
from factory.workers.models import (
    HARDSHIP_CATEGORIES,
    HoursException,
    SkillTrial,
    WeeklyHours,
    WorkerProfile,
    WorkerReach,
    WorkerSkill,
    from_centi,
    to_centi,
)

MAX_TRAVEL_MINUTES = 600
MAX_TRIAL_MINUTES = 24 * 60
MAX_TRIAL_PIECES = 1_000_000


class WorkerInputError(Exception):
    """Refused input: `fields` maps a field name to its messages (in the user's language)."""

    def __init__(self, fields: Mapping[str, list[str]]) -> None:
        self.fields = {k: list(v) for k, v in fields.items() if v}
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in self.fields.items()))


class _Problems:
    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, name: str, *messages: str) -> None:
        self.fields.setdefault(name, []).extend(messages)

    def domain(self, name: str, exc: domain.WorkerFieldError) -> None:
        self.add(name, *translate_all(exc.messages))

    def raise_if_any(self) -> None:
        if self.fields:
            raise WorkerInputError(self.fields)


# ---------------------------------------------------------------- input


def taken_message() -> str:
    return _("This mobile number is already registered.")


@dataclass
class WorkerInput:
    """A worker's fields as given by a form, the API or an import row (checked by `check_input`).

    `None` means "not given" (keep what is stored when editing); `skills` is a {code: speed} mapping
    or the "code:speed;code:speed" text; `weekly_hours` seven values or their text; `reach` maps a
    station id to travel minutes.
    """

    name: str | None = None
    mobile: str | None = None
    id_number: str | None = None
    skills: Mapping[str, object] | str | None = None
    weekly_hours: Sequence[object] | str | None = None
    hard_to_employ: bool | None = None
    hardship_category: str | None = None
    priority: bool | None = None
    reach: Mapping[Any, object] | None = None
    notes: str | None = None


@dataclass
class CheckedWorker:
    name: str | None
    mobile: str | None
    id_number: str | None
    skills: dict[str, Decimal] | None
    weekly_hours: list[Decimal] | None
    hard_to_employ: bool | None
    hardship_category: str | None
    priority: bool | None
    reach: dict[int, int] | None
    notes: str | None


@dataclass
class Lookups:
    """What checking needs from the database; an import fills it once for all rows."""

    skills: dict[str, Skill] = field(default_factory=dict)
    mobiles: dict[str, int] | None = None  # mobile -> user id; None: ask the database row by row
    digests: dict[str, int] | None = None  # ID digest -> worker id

    @classmethod
    def load(cls) -> Lookups:
        return cls(skills={s.code: s for s in db.session.scalars(select(Skill))})

    def mobile_owner(self, mobile: str) -> int | None:
        if self.mobiles is not None:
            return self.mobiles.get(mobile)
        return db.session.scalar(select(User.id).where(User.mobile == mobile))

    def digest_owner(self, digest: str) -> int | None:
        if self.digests is not None:
            return self.digests.get(digest)
        return db.session.scalar(
            select(WorkerProfile.user_id).where(WorkerProfile.id_number_digest == digest)
        )


def check_input(
    data: WorkerInput,
    *,
    home_station_id: int,
    worker_id: int | None = None,
    creating: bool,
    lookups: Lookups | None = None,
) -> CheckedWorker:
    """Check every field of `data`; raise WorkerInputError listing every problem, or return clean values."""
    lookups = lookups or Lookups.load()
    problems = _Problems()
    name = None
    if data.name is not None or creating:
        name = (data.name or "").strip()
        if not name:
            problems.add("name", _("Enter the worker's name."))
        elif len(name) > 50:
            problems.add("name", _("A name can have at most 50 characters."))
    mobile = None
    if data.mobile is not None or creating:
        try:
            mobile = domain.normalise_mobile(data.mobile or "")
        except domain.WorkerFieldError as exc:
            problems.domain("mobile", exc)
        else:
            owner = lookups.mobile_owner(mobile)
            if owner is not None and owner != worker_id:
                problems.add("mobile", taken_message())
    id_number = None
    if data.id_number is not None and data.id_number.strip():
        try:
            id_number = domain.validate_id_number(data.id_number, today=local_today())
        except domain.WorkerFieldError as exc:
            problems.domain("id_number", exc)
        else:
            owner = lookups.digest_owner(protect.digest(id_number))
            if owner is not None and owner != worker_id:
                problems.add("id_number", _("This ID number is already registered for another worker."))
    skills = None
    if data.skills is not None:
        skills = _check_skills(data.skills, lookups, problems)
    weekly = None
    if data.weekly_hours is not None and not (
        isinstance(data.weekly_hours, str) and not data.weekly_hours.strip()
    ):
        try:
            weekly = (
                domain.parse_weekly_hours(data.weekly_hours)
                if isinstance(data.weekly_hours, str)
                else domain.validate_weekly_hours(list(data.weekly_hours))
            )
        except domain.WorkerFieldError as exc:
            problems.domain("weekly_hours", exc)
    category = None
    if data.hardship_category:
        category = data.hardship_category.strip()
        if category not in HARDSHIP_CATEGORIES:
            problems.add("hardship_category", _("Unknown category of hard-to-employ resident."))
    if category and data.hard_to_employ is False:
        category = None
    reach = None
    if data.reach is not None:
        reach = _check_reach(data.reach, home_station_id, problems)
    notes = None
    if data.notes is not None:
        notes = data.notes.strip()
        if len(notes) > 2000:
            problems.add("notes", _("Notes can have at most 2000 characters."))
    problems.raise_if_any()
    return CheckedWorker(
        name=name,
        mobile=mobile,
        id_number=id_number,
        skills=skills,
        weekly_hours=weekly,
        hard_to_employ=data.hard_to_employ,
        hardship_category=category,
        priority=data.priority,
        reach=reach,
        notes=notes,
    )


def _check_skills(
    value: Mapping[str, object] | str, lookups: Lookups, problems: _Problems
) -> dict[str, Decimal]:
    if isinstance(value, str):
        try:
            return domain.parse_skills_field(value, known=lookups.skills.keys())
        except domain.WorkerFieldError as exc:
            problems.domain("skills", exc)
            return {}
    out: dict[str, Decimal] = {}
    for code, speed in value.items():
        if code not in lookups.skills:
            problems.add("skills", _("Unknown skill: %(code)s.", code=code))
            continue
        try:
            out[code] = domain.validate_speed(speed)
        except domain.WorkerFieldError as exc:
            problems.add("skills", *(f"{code}: {m}" for m in translate_all(exc.messages)))
    return out


def _check_reach(value: Mapping[Any, object], home_station_id: int, problems: _Problems) -> dict[int, int]:
    out: dict[int, int] = {}
    ids: dict[int, object] = {}
    for key, minutes in value.items():
        try:
            ids[int(str(key))] = minutes
        except ValueError:
            problems.add("reach", _("Unknown station: %(station)s.", station=key))
    known = set(db.session.scalars(select(Station.id).where(Station.id.in_(ids)))) if ids else set()
    for station_id, minutes in ids.items():
        if station_id not in known:
            problems.add("reach", _("Unknown station: %(station)s.", station=station_id))
            continue
        if station_id == home_station_id:
            continue  # the home station is always reachable, at 0 minutes
        if isinstance(minutes, bool) or not isinstance(minutes, int | str):
            problems.add("reach", _("Travel minutes must be a whole number from 0 to 600."))
            continue
        try:
            number = int(str(minutes).strip())
        except ValueError:
            number = -1
        if not 0 <= number <= MAX_TRAVEL_MINUTES:
            problems.add("reach", _("Travel minutes must be a whole number from 0 to 600."))
            continue
        out[station_id] = number
    return out


# ---------------------------------------------------------------- registry


def register_worker(
    actor: User | None,
    station: Station,
    data: WorkerInput,
    *,
    lookups: Lookups | None = None,
    issue_code: bool = True,
) -> tuple[WorkerProfile, str | None]:
    """Register a worker at `station`; return the profile and the one-time activation code.

    `issue_code=False` (imports) leaves the account without a code until one is handed over.
    """
    lookups = lookups or Lookups.load()
    checked = check_input(data, home_station_id=station.id, creating=True, lookups=lookups)
    if checked.name is None or checked.mobile is None:  # refused above; this keeps the type checker sure
        raise RuntimeError("checked input lost a value")
    code: str | None = None
    if issue_code:
        try:
            user, code = accounts.create_user(
                Role.WORKER, checked.mobile, checked.name, station=station, actor=actor
            )
        except accounts.AccountError as exc:  # a race with another registration
            raise WorkerInputError(
                {exc.field or "mobile": [_("This mobile number is already registered.")]}
            ) from None
    else:
        user = User(role=Role.WORKER, mobile=checked.mobile, name=checked.name, station=station)
        db.session.add(user)
        record(
            actor,
            "user.create",
            user,
            after={"role": Role.WORKER.value, "name": user.name, "mobile": user.mobile},
        )
    db.session.flush()
    profile = WorkerProfile(
        user=user,
        user_id=user.id,
        hard_to_employ=bool(checked.hard_to_employ),
        hardship_category=checked.hardship_category if checked.hard_to_employ else None,
        priority=bool(checked.hard_to_employ) if checked.priority is None else checked.priority,
        notes=checked.notes or "",
    )
    if checked.id_number:
        _set_id_number(profile, checked.id_number)
    db.session.add(profile)
    db.session.flush()
    for code_, speed in (checked.skills or {}).items():
        db.session.add(
            WorkerSkill(
                worker=profile, skill=lookups.skills[code_], speed_centi=to_centi(speed), source="estimated"
            )
        )
    profile.weekly = WeeklyHours(worker_id=profile.user_id)
    profile.weekly.set_centis(
        [to_centi(h) for h in checked.weekly_hours] if checked.weekly_hours else [0] * 7
    )
    for station_id, minutes in (checked.reach or {}).items():
        profile.reach.append(WorkerReach(station_id=station_id, minutes=minutes))
    if lookups.mobiles is not None:
        lookups.mobiles[user.mobile] = user.id
    if lookups.digests is not None and profile.id_number_digest:
        lookups.digests[profile.id_number_digest] = user.id
    record(
        actor,
        "worker.register",
        profile,
        after={
            "name": user.name,
            "mobile": domain.mask_mobile(user.mobile),
            "id_number": profile.id_number_masked,
            "skills": {k: str(v) for k, v in (checked.skills or {}).items()},
            "weekly_hours": [str(h) for h in profile.weekly.hours()],
            "hard_to_employ": profile.hard_to_employ,
            "hardship_category": profile.hardship_category,
            "priority": profile.priority,
            "reach": {str(k): v for k, v in (checked.reach or {}).items()},
        },
        station_id=station.id,
    )
    db.session.flush()
    return profile, code


def _set_id_number(profile: WorkerProfile, id_number: str) -> None:
    profile.id_number_cipher = protect.encrypt(id_number)
    profile.id_number_masked = domain.mask_id_number(id_number)
    profile.id_number_digest = protect.digest(id_number)


def update_worker(
    actor: User, worker: WorkerProfile, data: WorkerInput, *, clear_id_number: bool = False
) -> None:
    """Change the given fields of `worker` (fields left None stay as they are)."""
    checked = check_input(
        data, home_station_id=worker.user.station_id or 0, worker_id=worker.user_id, creating=False
    )
    user = worker.user
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}

    def change(key: str, old: Any, new: Any) -> bool:
        if new is None or old == new:
            return False
        before[key], after[key] = old, new
        return True

    if change("name", user.name, checked.name):
        user.name = checked.name  # type: ignore[assignment]
    if checked.mobile and checked.mobile != user.mobile:
        before["mobile"], after["mobile"] = (
            domain.mask_mobile(user.mobile),
            domain.mask_mobile(checked.mobile),
        )
        user.mobile = checked.mobile
    if checked.id_number:
        old_masked = worker.id_number_masked
        old_cipher = worker.id_number_cipher
        if old_cipher is None or protect.decrypt(old_cipher) != checked.id_number:
            _set_id_number(worker, checked.id_number)
            before["id_number"], after["id_number"] = old_masked, worker.id_number_masked
    elif clear_id_number and worker.id_number_cipher:
        before["id_number"], after["id_number"] = worker.id_number_masked, None
        worker.id_number_cipher = worker.id_number_masked = worker.id_number_digest = None
    if checked.hard_to_employ is not None:
        category = checked.hardship_category if checked.hard_to_employ else None
        if change("hard_to_employ", worker.hard_to_employ, checked.hard_to_employ):
            worker.hard_to_employ = checked.hard_to_employ
        if data.hardship_category is not None and change(
            "hardship_category", worker.hardship_category, category
        ):
            worker.hardship_category = category
        if not checked.hard_to_employ and worker.hardship_category:
            change("hardship_category", worker.hardship_category, None)
            worker.hardship_category = None
    if change("priority", worker.priority, checked.priority):
        worker.priority = bool(checked.priority)
    if change("notes", worker.notes, checked.notes):
        worker.notes = checked.notes or ""
    if checked.reach is not None:
        old = {r.station_id: r.minutes for r in worker.reach}
        if old != checked.reach:
            before["reach"], after["reach"] = (
                {str(k): v for k, v in old.items()},
                {str(k): v for k, v in checked.reach.items()},
            )
            _replace_reach(worker, checked.reach)
    if checked.weekly_hours is not None:
        set_weekly_hours(actor, worker, checked.weekly_hours)
    if checked.skills is not None:
        for code, speed in checked.skills.items():
            set_skill(actor, worker, code, speed, source="estimated")
    if after:
        record(actor, "worker.update", worker, before=before, after=after)
    db.session.flush()


def _replace_reach(worker: WorkerProfile, reach: Mapping[int, int]) -> None:
    existing = {r.station_id: r for r in worker.reach}
    for station_id, row in existing.items():
        if station_id not in reach:
            worker.reach.remove(row)
    for station_id, minutes in reach.items():
        if station_id in existing:
            existing[station_id].minutes = minutes
        else:
            worker.reach.append(WorkerReach(station_id=station_id, minutes=minutes))


def set_paused(actor: User, worker: WorkerProfile, paused: bool) -> None:
    """Pause a worker (no new work is planned for them) or take them back."""
    if worker.paused == paused:
        return
    record(
        actor,
        "worker.pause" if paused else "worker.resume",
        worker,
        before={"paused": worker.paused},
        after={"paused": paused},
    )
    worker.paused = paused
    db.session.flush()


def leave(actor: User, worker: WorkerProfile) -> None:
    """The worker leaves: the account is disabled, everything they did stays."""
    if worker.left_at is not None:
        return
    worker.left_at = utcnow()
    accounts.set_disabled(worker.user, True, actor)
    record(actor, "worker.leave", worker, after={"left_at": worker.left_at.isoformat()})
    db.session.flush()


def rejoin(actor: User, worker: WorkerProfile) -> None:
    """Undo leaving: the account works again (with its old password)."""
    if worker.left_at is None:
        return
    record(actor, "worker.rejoin", worker, before={"left_at": worker.left_at.isoformat()})
    worker.left_at = None
    accounts.set_disabled(worker.user, False, actor)
    db.session.flush()


def new_activation_code(actor: User, worker: WorkerProfile) -> str:
    """Issue a fresh one-time activation code (the old one stops working); for a worker who lost theirs."""
    code = accounts.issue_activation_code(worker.user)
    record(actor, "worker.activation_code", worker)
    db.session.flush()
    return code


def reveal_id_number(actor: User, worker: WorkerProfile) -> str | None:
    """Return the worker's ID number in clear and log who looked; organisers and administrators only."""
    if actor.role not in (Role.ORGANISER, Role.ADMIN):
        raise PermissionError("only organisers and administrators may unmask an ID number")
    if worker.id_number_cipher is None:
        return None
    record(actor, "worker.id_number.reveal", worker, after={"id_number": worker.id_number_masked})
    db.session.flush()
    return protect.decrypt(worker.id_number_cipher)


def is_activated(worker: WorkerProfile) -> bool:
    return worker.user.password_hash is not None


def has_valid_code(worker: WorkerProfile) -> bool:
    user = worker.user
    return user.activation_code_hash is not None and (
        user.activation_expires_at is not None and user.activation_expires_at > utcnow()
    )


def issue_codes(actor: User, workers: Sequence[WorkerProfile]) -> list[tuple[WorkerProfile, str]]:
    """Fresh activation codes for the workers who have not activated their account yet (printed slips)."""
    out = []
    for worker in workers:
        if is_activated(worker) or worker.left_at is not None:
            continue
        out.append((worker, new_activation_code(actor, worker)))
    return out


def mobile_for(viewer: User, worker: WorkerProfile) -> str:
    """The mobile number as `viewer` may see it: whole for the worker and their organiser, masked otherwise."""
    if viewer.id == worker.user_id or (
        viewer.role == Role.ORGANISER and viewer.station_id == worker.user.station_id
    ):
        return worker.user.mobile
    return domain.mask_mobile(worker.user.mobile)


# ---------------------------------------------------------------- skills and trials


def _skill(code: str) -> Skill:
    skill = db.session.scalar(select(Skill).where(Skill.code == code))
    if skill is None:
        raise WorkerInputError({"skill": [_("Unknown skill: %(code)s.", code=code)]})
    return skill


def set_skill(
    actor: User, worker: WorkerProfile, code: str, speed: object, *, source: str = "estimated"
) -> WorkerSkill:
    """Give `worker` the skill `code` at `speed` pieces per hour (or change the speed)."""
    skill = _skill(code)
    try:
        value = domain.validate_speed(speed)
    except domain.WorkerFieldError as exc:
        raise WorkerInputError({"speed": translate_all(exc.messages)}) from None
    row = next((s for s in worker.skills if s.skill_id == skill.id), None)
    before = {"speed": str(row.speed), "source": row.source} if row else None
    if row is None:
        row = WorkerSkill(worker=worker, skill=skill, speed_centi=to_centi(value), source=source)
        db.session.add(row)
    else:
        row.speed_centi, row.source = to_centi(value), source
        row.updated_at = utcnow()
    record(
        actor,
        "worker.skill",
        worker,
        before=before,
        after={"skill": code, "speed": str(value), "source": source},
    )
    db.session.flush()
    return row


def remove_skill(actor: User, worker: WorkerProfile, code: str) -> None:
    row = next((s for s in worker.skills if s.skill.code == code), None)
    if row is None:
        return
    record(
        actor,
        "worker.skill_remove",
        worker,
        before={"skill": code, "speed": str(row.speed), "source": row.source},
    )
    worker.skills.remove(row)
    db.session.flush()


def record_trial(
    actor: User, worker: WorkerProfile, code: str, pieces: object, minutes: object
) -> SkillTrial:
    """Record a timed trial and set the worker's speed for the skill from it."""
    skill = _skill(code)
    problems = _Problems()
    n_pieces = _whole(
        pieces,
        "pieces",
        1,
        MAX_TRIAL_PIECES,
        problems,
        _("Pieces made must be a whole number from 1 to 1,000,000."),
    )
    n_minutes = _whole(
        minutes,
        "minutes",
        1,
        MAX_TRIAL_MINUTES,
        problems,
        _("Minutes must be a whole number from 1 to 1440."),
    )
    problems.raise_if_any()
    try:
        speed = domain.speed_from_trial(n_pieces, n_minutes)
    except domain.WorkerFieldError as exc:
        raise WorkerInputError({"pieces": translate_all(exc.messages)}) from None
    trial = SkillTrial(
        worker_id=worker.user_id,
        skill=skill,
        pieces=n_pieces,
        minutes=n_minutes,
        speed_centi=to_centi(speed),
        recorded_by_id=actor.id,
    )
    db.session.add(trial)
    record(
        actor,
        "worker.trial",
        worker,
        after={"skill": code, "pieces": n_pieces, "minutes": n_minutes, "speed": str(speed)},
    )
    set_skill(actor, worker, code, speed, source="trial")
    return trial


def _whole(value: object, name: str, low: int, high: int, problems: _Problems, message: str) -> int:
    try:
        number = int(str(value).strip()) if not isinstance(value, bool) and value is not None else None
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        problems.add(name, message)
        return 0
    return number


def trials(worker: WorkerProfile) -> list[SkillTrial]:
    return list(
        db.session.scalars(
            select(SkillTrial).where(SkillTrial.worker_id == worker.user_id).order_by(SkillTrial.at.desc())
        )
    )


# ---------------------------------------------------------------- hours


def weekly_hours(worker: WorkerProfile) -> list[Decimal]:
    return worker.weekly.hours() if worker.weekly else [Decimal(0)] * 7


def set_weekly_hours(actor: User, worker: WorkerProfile, values: Sequence[object]) -> None:
    """Set the hours for each weekday, Monday first."""
    try:
        hours = domain.validate_weekly_hours(list(values))
    except domain.WorkerFieldError as exc:
        raise WorkerInputError({"weekly_hours": translate_all(exc.messages)}) from None
    if worker.weekly is None:
        worker.weekly = WeeklyHours(worker_id=worker.user_id)
        worker.weekly.set_centis([0] * 7)
    before = [str(h) for h in worker.weekly.hours()]
    worker.weekly.set_centis([to_centi(h) for h in hours])
    after = [str(h) for h in worker.weekly.hours()]
    if before != after:
        record(actor, "worker.weekly_hours", worker, before={"hours": before}, after={"hours": after})
    db.session.flush()


def exceptions_between(worker_id: int, start: date, days: int) -> dict[date, HoursException]:
    rows = db.session.scalars(
        select(HoursException).where(
            HoursException.worker_id == worker_id,
            HoursException.day >= start,
            HoursException.day < start + timedelta(days=days),
        )
    )
    return {row.day: row for row in rows}


def set_day_hours(actor: User, worker: WorkerProfile, day: date, hours: object, reason: str = "") -> None:
    """Set the hours for one date; a value equal to the weekly pattern removes the exception."""
    try:
        value = domain.validate_hours(hours)
    except domain.WorkerFieldError as exc:
        raise WorkerInputError({"hours": translate_all(exc.messages)}) from None
    reason = (reason or "").strip()[:100]
    row = db.session.scalar(
        select(HoursException).where(HoursException.worker_id == worker.user_id, HoursException.day == day)
    )
    usual = weekly_hours(worker)[day.weekday()]
    before = str(row.hours) if row else None
    if value == usual and not reason:
        if row is None:
            return
        db.session.delete(row)
        after = None
    else:
        if row is None:
            row = HoursException(worker_id=worker.user_id, day=day, hours_centi=0)
            db.session.add(row)
        elif row.hours_centi == to_centi(value) and row.reason == reason:
            return
        row.hours_centi, row.reason = to_centi(value), reason
        after = str(value)
    record(
        actor,
        "worker.day_hours",
        worker,
        before={"day": day.isoformat(), "hours": before},
        after={"day": day.isoformat(), "hours": after, "reason": reason},
    )
    db.session.flush()


def set_days(actor: User, worker: WorkerProfile, values: Mapping[date, object]) -> None:
    """Set the hours of several dates at once: all checked first, then written (or nothing)."""
    problems = _Problems()
    for day, value in values.items():
        try:
            domain.validate_hours(value)
        except domain.WorkerFieldError as exc:
            problems.domain(day.isoformat(), exc)
    problems.raise_if_any()
    for day, value in sorted(values.items()):
        set_day_hours(actor, worker, day, value)


@dataclass(frozen=True)
class DayHours:
    day: date
    hours: Decimal
    usual: Decimal
    reason: str

    @property
    def changed(self) -> bool:
        return self.hours != self.usual or bool(self.reason)


def days_ahead(worker: WorkerProfile, start: date, days: int) -> list[DayHours]:
    """Each date's hours (weekly pattern plus exceptions) with the usual hours beside it."""
    weekly = weekly_hours(worker)
    found = exceptions_between(worker.user_id, start, days)
    hours = domain.hours_for_dates(weekly, {d: r.hours for d, r in found.items()}, start, days)
    out = []
    for offset, value in enumerate(hours):
        day = start + timedelta(days=offset)
        out.append(DayHours(day, value, weekly[day.weekday()], found[day].reason if day in found else ""))
    return out


# ---------------------------------------------------------------- availability (for planning)


@dataclass(frozen=True)
class WorkerAvailability:
    """What the allocation needs of one worker: the shape of `workers[]` in the instance format."""

    worker_id: int
    station_id: int
    name: str
    speeds: dict[str, Decimal]
    hours: list[Decimal]
    reach: dict[int, int]
    priority: bool


def availability(
    station_id: int, start: date, days: int, *, include_visitors: bool = False
) -> list[WorkerAvailability]:
    """The station's active workers (not paused, not left) with speeds, hours per day, reach and priority.

    With `include_visitors`, workers of other stations who can fetch material from this one are added.
    """
    _ensure_profiles(station_id)
    stmt = (
        select(WorkerProfile)
        .join(User, User.id == WorkerProfile.user_id)
        .where(WorkerProfile.paused.is_(False), WorkerProfile.left_at.is_(None), User.is_disabled.is_(False))
    )
    if include_visitors:
        visiting = select(WorkerReach.worker_id).where(WorkerReach.station_id == station_id)
        stmt = stmt.where((User.station_id == station_id) | WorkerProfile.user_id.in_(visiting))
    else:
        stmt = stmt.where(User.station_id == station_id)
    workers = list(db.session.scalars(stmt.order_by(WorkerProfile.user_id)).unique())
    ids = [w.user_id for w in workers]
    exceptions: dict[int, dict[date, Decimal]] = {i: {} for i in ids}
    if ids:
        rows = db.session.scalars(
            select(HoursException).where(
                HoursException.worker_id.in_(ids),
                HoursException.day >= start,
                HoursException.day < start + timedelta(days=days),
            )
        )
        for row in rows:
            exceptions[row.worker_id][row.day] = row.hours
    out = []
    for w in workers:
        out.append(
            WorkerAvailability(
                worker_id=w.user_id,
                station_id=w.user.station_id or 0,
                name=w.user.name,
                speeds={s.skill.code: s.speed for s in w.skills},
                hours=domain.hours_for_dates(weekly_hours(w), exceptions[w.user_id], start, days),
                reach={r.station_id: r.minutes for r in w.reach},
                priority=w.priority,
            )
        )
    return out


# ---------------------------------------------------------------- listing


def ensure_profile(user: User) -> WorkerProfile:
    """The worker's profile, created empty for an account made elsewhere (the command line, the admin)."""
    profile = db.session.get(WorkerProfile, user.id)
    if profile is None:
        profile = WorkerProfile(user=user, user_id=user.id, left_at=utcnow() if user.is_disabled else None)
        profile.weekly = WeeklyHours(worker_id=user.id)
        profile.weekly.set_centis([0] * 7)
        db.session.add(profile)
        db.session.flush()
    return profile


def _ensure_profiles(station_id: int) -> None:
    missing = db.session.scalars(
        select(User).where(
            User.role == Role.WORKER,
            User.station_id == station_id,
            ~select(WorkerProfile.user_id).where(WorkerProfile.user_id == User.id).exists(),
        )
    ).all()
    for user in missing:
        ensure_profile(user)


def station_workers(station_id: int, *, include_left: bool = False) -> list[WorkerProfile]:
    _ensure_profiles(station_id)
    stmt = (
        select(WorkerProfile)
        .join(User, User.id == WorkerProfile.user_id)
        .where(User.station_id == station_id)
    )
    if not include_left:
        stmt = stmt.where(WorkerProfile.left_at.is_(None))
    return list(db.session.scalars(stmt.order_by(User.name, User.id)).unique())


def skill_summary(worker: WorkerProfile) -> list[tuple[Skill, Decimal, str]]:
    return [(s.skill, s.speed, s.source) for s in worker.skills]


def hours_total(values: Iterable[Decimal]) -> Decimal:
    return sum(values, Decimal(0))


def centi_text(value: int) -> str:
    return str(from_centi(value))
