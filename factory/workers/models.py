"""Workers: the profile beside the account, skills with speeds, hours, reach, trials and training.

A worker is a `User` with role `worker`; `WorkerProfile` shares its primary key (`user_id`), so a
worker's id is the same number everywhere. Speeds and hours are stored exactly as integer hundredths
(`speed_centi` = pieces per hour × 100, `*_centi` hours × 100): the worker rules allow two decimals.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from factory.accounts.models import Station, User
from factory.extensions import db
from factory.reference.models import Skill
from factory.types import UTCDateTime, utcnow

CENTI = Decimal(100)

# Where a speed comes from.
SOURCES = ("estimated", "trial", "course")

# Categories of residents the employment service counts as hard to employ (就业困难人员).
HARDSHIP_CATEGORIES = (
    "older_unemployed",
    "disabled",
    "zero_employment_family",
    "long_term_unemployed",
    "subsistence_family",
    "land_lost_farmer",
    "other",
)


def to_centi(value: Decimal) -> int:
    """Hundredths of `value` as an integer (the rules guarantee at most two decimals)."""
    return int((value * CENTI).to_integral_exact())


def from_centi(value: int) -> Decimal:
    return (Decimal(value) / CENTI).normalize() if value % 100 else Decimal(value // 100)


class WorkerProfile(db.Model):
    __tablename__ = "worker_profile"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    id_number_cipher: Mapped[str | None] = mapped_column(Text)  # Fernet token; key outside the database
    id_number_masked: Mapped[str | None] = mapped_column(String(18))
    id_number_digest: Mapped[str | None] = mapped_column(
        String(64), unique=True
    )  # keyed hash: one person once
    hard_to_employ: Mapped[bool] = mapped_column(default=False)
    hardship_category: Mapped[str | None] = mapped_column(String(40))
    priority: Mapped[bool] = mapped_column(default=False)
    paused: Mapped[bool] = mapped_column(default=False)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(lazy="joined")
    skills: Mapped[list[WorkerSkill]] = relationship(
        back_populates="worker", cascade="all, delete-orphan", order_by="WorkerSkill.skill_id"
    )
    weekly: Mapped[WeeklyHours | None] = relationship(cascade="all, delete-orphan")
    reach: Mapped[list[WorkerReach]] = relationship(
        cascade="all, delete-orphan", order_by="WorkerReach.minutes"
    )

    @property
    def id(self) -> int:
        return self.user_id

    @property
    def station_id(self) -> int | None:
        return self.user.station_id

    @property
    def active(self) -> bool:
        return not self.paused and self.left_at is None


class WorkerSkill(db.Model):
    __tablename__ = "worker_skill"
    __table_args__ = (
        UniqueConstraint("worker_id", "skill_id"),
        CheckConstraint("speed_centi > 0 AND speed_centi <= 1000000", name="speed_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(
        ForeignKey("worker_profile.user_id", ondelete="CASCADE"), index=True
    )
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id"))
    speed_centi: Mapped[int] = mapped_column()
    source: Mapped[str] = mapped_column(String(10), default="estimated")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    worker: Mapped[WorkerProfile] = relationship(back_populates="skills")
    skill: Mapped[Skill] = relationship(lazy="joined")

    @property
    def speed(self) -> Decimal:
        return from_centi(self.speed_centi)


class WeeklyHours(db.Model):
    """Hours a worker can give on each weekday, Monday first, in hundredths of an hour."""

    __tablename__ = "weekly_hours"
    __table_args__ = tuple(
        CheckConstraint(f"d{i} >= 0 AND d{i} <= 2400", name=f"d{i}_range") for i in range(7)
    )

    worker_id: Mapped[int] = mapped_column(
        ForeignKey("worker_profile.user_id", ondelete="CASCADE"), primary_key=True
    )
    d0: Mapped[int] = mapped_column(default=0)
    d1: Mapped[int] = mapped_column(default=0)
    d2: Mapped[int] = mapped_column(default=0)
    d3: Mapped[int] = mapped_column(default=0)
    d4: Mapped[int] = mapped_column(default=0)
    d5: Mapped[int] = mapped_column(default=0)
    d6: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def centis(self) -> list[int]:
        return [self.d0, self.d1, self.d2, self.d3, self.d4, self.d5, self.d6]

    def set_centis(self, values: list[int]) -> None:
        (self.d0, self.d1, self.d2, self.d3, self.d4, self.d5, self.d6) = values

    def hours(self) -> list[Decimal]:
        return [from_centi(v) for v in self.centis()]


class HoursException(db.Model):
    """Different hours on one date: a sick child, a holiday, extra hours."""

    __tablename__ = "hours_exception"
    __table_args__ = (
        UniqueConstraint("worker_id", "day"),
        CheckConstraint("hours_centi >= 0 AND hours_centi <= 2400", name="hours_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(
        ForeignKey("worker_profile.user_id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column()
    hours_centi: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def hours(self) -> Decimal:
        return from_centi(self.hours_centi)


class WorkerReach(db.Model):
    """Another station the worker is willing to fetch material from, with the one-way travel minutes."""

    __tablename__ = "worker_reach"
    __table_args__ = (
        UniqueConstraint("worker_id", "station_id"),
        CheckConstraint("minutes >= 0 AND minutes <= 600", name="minutes_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(
        ForeignKey("worker_profile.user_id", ondelete="CASCADE"), index=True
    )
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    minutes: Mapped[int] = mapped_column()

    station: Mapped[Station] = relationship(lazy="joined")


class SkillTrial(db.Model):
    """A timed trial: pieces made in measured minutes, and the speed it gave."""

    __tablename__ = "skill_trial"

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(
        ForeignKey("worker_profile.user_id", ondelete="CASCADE"), index=True
    )
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id"))
    pieces: Mapped[int] = mapped_column()
    minutes: Mapped[int] = mapped_column()
    speed_centi: Mapped[int] = mapped_column()
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    skill: Mapped[Skill] = relationship(lazy="joined")

    @property
    def speed(self) -> Decimal:
        return from_centi(self.speed_centi)


class Course(db.Model):
    """A training course run by a station; completing it grants `skill` at `starting_speed_centi`."""

    __tablename__ = "course"
    __table_args__ = (CheckConstraint("starting_speed_centi > 0", name="starting_speed_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id"))
    starting_speed_centi: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    skill: Mapped[Skill] = relationship(lazy="joined")
    sessions: Mapped[list[CourseSession]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="CourseSession.day"
    )
    participants: Mapped[list[CourseParticipant]] = relationship(
        back_populates="course", cascade="all, delete-orphan"
    )

    @property
    def starting_speed(self) -> Decimal:
        return from_centi(self.starting_speed_centi)

    @property
    def hours(self) -> Decimal:
        return from_centi(sum(s.hours_centi for s in self.sessions))


class CourseSession(db.Model):
    __tablename__ = "course_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column()
    hours_centi: Mapped[int] = mapped_column(default=300)
    topic: Mapped[str] = mapped_column(String(100), default="")

    course: Mapped[Course] = relationship(back_populates="sessions")
    attendance: Mapped[list[Attendance]] = relationship(cascade="all, delete-orphan")

    @property
    def hours(self) -> Decimal:
        return from_centi(self.hours_centi)


class CourseParticipant(db.Model):
    __tablename__ = "course_participant"
    __table_args__ = (UniqueConstraint("course_id", "worker_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    worker_id: Mapped[int] = mapped_column(
        ForeignKey("worker_profile.user_id", ondelete="CASCADE"), index=True
    )
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    course: Mapped[Course] = relationship(back_populates="participants")
    worker: Mapped[WorkerProfile] = relationship(lazy="joined")


class Attendance(db.Model):
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("session_id", "worker_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("course_session.id", ondelete="CASCADE"), index=True)
    worker_id: Mapped[int] = mapped_column(
        ForeignKey("worker_profile.user_id", ondelete="CASCADE"), index=True
    )
