"""Looking up reference data: the minimum wage in force, skills by code."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from factory.extensions import db
from factory.reference import data
from factory.reference.models import District, MinimumWage, Skill


def minimum_wage_on(tier: int, day: date) -> MinimumWage | None:
    """The minimum wage of `tier` in force on `day` (the latest one that started on or before it)."""
    return db.session.scalar(
        select(MinimumWage)
        .where(MinimumWage.tier == tier, MinimumWage.effective_from <= day)
        .order_by(MinimumWage.effective_from.desc())
        .limit(1)
    )


def skill_by_code(code: str) -> Skill | None:
    return db.session.scalar(select(Skill).where(Skill.code == code))


def load_reference_data() -> None:
    """Insert the default reference data where it is missing (tests build the schema without migrations)."""
    if db.session.scalar(select(Skill.id).limit(1)) is None:
        db.session.add_all(Skill(**row) for row in data.SKILLS)
    if db.session.scalar(select(District.id).limit(1)) is None:
        db.session.add_all(District(**row) for row in data.DISTRICTS)
    if db.session.scalar(select(MinimumWage.id).limit(1)) is None:
        db.session.add_all(MinimumWage(**row) for row in data.MINIMUM_WAGES)
    db.session.flush()
