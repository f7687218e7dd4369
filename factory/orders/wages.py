"""The administrator's upkeep of the minimum-wage table and the districts' tiers.

Rows are never overwritten silently: every change is audited with the figures before and after. A new
standard is a new row with its own "in force from" date, so orders posted under the old one keep the
figures they were checked against (`Order.wage_check`).
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from factory.accounts.models import User
from factory.audit.services import record
from factory.extensions import db
from factory.orders.services import OrderServiceError
from factory.reference.models import District, MinimumWage


def _wage_dict(row: MinimumWage) -> dict[str, object]:
    return {
        "tier": row.tier,
        "hourly_fen": row.hourly_fen,
        "monthly_fen": row.monthly_fen,
        "effective_from": row.effective_from.isoformat(),
        "source": row.source,
        "confirmed": row.confirmed,
    }


def _check(
    tier: int, hourly_fen: int, monthly_fen: int, source: str, exclude_id: int | None, day: date
) -> None:
    errors: dict[str, list[str]] = {}
    if not 1 <= tier <= 9:
        errors["tier"] = [_("The tier is a number from 1 to 9.")]
    if not 0 < hourly_fen <= 100_000:
        errors["hourly"] = [_("Enter an hourly amount above zero and at most ¥1,000.")]
    if not 0 < monthly_fen <= 10_000_000:
        errors["monthly"] = [_("Enter a monthly amount above zero and at most ¥100,000.")]
    if not source.strip() or len(source) > 300:
        errors["source"] = [_("Say where the figures come from (at most 300 characters).")]
    clash = db.session.scalar(
        select(MinimumWage.id).where(
            MinimumWage.tier == tier, MinimumWage.effective_from == day, MinimumWage.id != (exclude_id or -1)
        )
    )
    if clash:
        errors["effective_from"] = [_("Tier %(tier)s already has figures from this date.", tier=tier)]
    if errors:
        raise OrderServiceError("invalid", _("Some of what you entered is not valid."), errors)


def add_minimum_wage(
    actor: User | None,
    *,
    tier: int,
    hourly_fen: int,
    monthly_fen: int,
    effective_from: date,
    source: str,
    confirmed: bool = False,
) -> MinimumWage:
    _check(tier, hourly_fen, monthly_fen, source, None, effective_from)
    row = MinimumWage(
        tier=tier,
        hourly_fen=hourly_fen,
        monthly_fen=monthly_fen,
        effective_from=effective_from,
        source=source.strip(),
        confirmed=confirmed,
    )
    db.session.add(row)
    db.session.flush()
    record(actor, "minimum_wage.create", row, after=_wage_dict(row))
    return row


def update_minimum_wage(
    row: MinimumWage,
    actor: User | None,
    *,
    tier: int,
    hourly_fen: int,
    monthly_fen: int,
    effective_from: date,
    source: str,
    confirmed: bool,
) -> MinimumWage:
    _check(tier, hourly_fen, monthly_fen, source, row.id, effective_from)
    before = _wage_dict(row)
    row.tier, row.hourly_fen, row.monthly_fen = tier, hourly_fen, monthly_fen
    row.effective_from, row.source, row.confirmed = effective_from, source.strip(), confirmed
    db.session.flush()
    record(actor, "minimum_wage.update", row, before=before, after=_wage_dict(row))
    return row


def set_district_tier(district: District, tier: int, actor: User | None) -> District:
    if not 1 <= tier <= 9:
        raise OrderServiceError(
            "invalid",
            _("The tier is a number from 1 to 9."),
            {"tier": [_("The tier is a number from 1 to 9.")]},
        )
    before = district.tier
    district.tier = tier
    db.session.flush()
    record(
        actor, "district.tier", district, before={"tier": before}, after={"tier": tier, "name": district.name}
    )
    return district
