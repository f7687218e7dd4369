"""Reference data the administrator maintains: districts with their wage tier, minimum wages, skills."""

from __future__ import annotations

from datetime import date

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from factory.extensions import db


class District(db.Model):
    __tablename__ = "district"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    city: Mapped[str] = mapped_column(String(40), default="青岛市")
    tier: Mapped[int] = mapped_column()  # minimum-wage tier (一类 = 1)

    def __repr__(self) -> str:
        return f"<District {self.name} tier {self.tier}>"


class MinimumWage(db.Model):
    """A tier's minimum wage from a date on (the row in force is the latest one not after the day asked)."""

    __tablename__ = "minimum_wage"
    __table_args__ = (UniqueConstraint("tier", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tier: Mapped[int] = mapped_column()
    hourly_fen: Mapped[int] = mapped_column()
    monthly_fen: Mapped[int] = mapped_column()
    effective_from: Mapped[date] = mapped_column()
    source: Mapped[str] = mapped_column(String(300))
    confirmed: Mapped[bool] = mapped_column(default=False)  # False: to confirm with the HR bureau


class Skill(db.Model):
    __tablename__ = "skill"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(60))
    unit_zh: Mapped[str] = mapped_column(String(20), default="件")
    unit_en: Mapped[str] = mapped_column(String(20), default="piece")

    def display_name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") else self.name_zh
