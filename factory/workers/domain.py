"""Worker rules: mobile numbers, resident ID numbers, skills, speeds and available hours.

Pure: no Flask, no database. Hours and speeds are ``Decimal`` with at most two decimals (a quarter hour is
0.25); text, ``int`` and ``Decimal`` are accepted, and a ``float`` (as JSON gives) is read through its
shortest text form, so 4.5 stays exactly 4.5. Messages are plain English source strings in `MESSAGES`
with ``%(name)s`` placeholders, ready for gettext.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from factory.money import round_half_up

MAX_SPEED = Decimal(10_000)
MAX_DAY_HOURS = Decimal(24)
DECIMALS = 2
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

MESSAGES: dict[str, str] = {
    "mobile_required": "Enter a mobile number.",
    "mobile_characters": "A mobile number may hold only digits, spaces, dashes and a leading +86.",
    "mobile_length": "A mainland mobile number has 11 digits; this one has %(count)s.",
    "mobile_prefix": "A mainland mobile number starts with 13 to 19.",
    "id_length": "A resident ID number has 18 characters; this one has %(count)s.",
    "id_characters": "A resident ID number is 17 digits followed by a digit or X.",
    "id_birth_date": "The birth date in the ID number (%(digits)s) is not a valid date.",
    "id_birth_date_range": "The birth date in the ID number (%(birth)s) must be after 1900 and not in the future.",
    "id_check_digit": "The ID number's last character does not match the others; check for a typing error.",
    "number_invalid": "%(what)s must be a number, not %(value)s.",
    "number_decimals": "%(what)s can have at most 2 decimals.",
    "speed_range": "Pieces per hour must be more than 0 and at most 10,000.",
    "hours_range": "Hours in a day must be between 0 and 24.",
    "skill_item": "Write each skill as code:pieces per hour, e.g. knitting:4.5 (not %(item)s).",
    "skill_code": "A skill code is lower-case letters, digits and _ (not %(code)s).",
    "skill_unknown": "Unknown skill: %(code)s.",
    "skill_duplicate": "The skill %(code)s is listed twice.",
    "skill_speed": "%(code)s: %(message)s",
    "weekly_count": "Enter 7 numbers of hours, Monday first; found %(count)s.",
    "weekly_day": "%(day)s: %(message)s",
    "trial_pieces": "The trial must have made at least 1 piece.",
    "trial_minutes": "The trial must have lasted more than 0 minutes.",
}


class WorkerFieldError(ValueError):
    """One or more problems with a worker's field; `messages` lists them all."""

    def __init__(self, messages: str | Sequence[str]) -> None:
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__(" ".join(self.messages))


def _message(key: str, **params: object) -> str:
    return MESSAGES[key] % params if params else MESSAGES[key]


# --- mobile numbers ---------------------------------------------------------------------------------

_MOBILE_SEPARATORS = re.compile(r"[\s\-\u3000()（）]+")


def normalise_mobile(text: str) -> str:
    """Return a mainland mobile number as 11 digits, accepting +86/86/0086, spaces and dashes."""
    cleaned = _MOBILE_SEPARATORS.sub("", text or "")
    if not cleaned:
        raise WorkerFieldError(_message("mobile_required"))
    if cleaned.startswith("+86"):
        cleaned = cleaned[3:]
    elif cleaned.startswith("0086"):
        cleaned = cleaned[4:]
    elif cleaned.startswith("86") and len(cleaned) == 13:
        cleaned = cleaned[2:]
    if not cleaned.isascii() or not cleaned.isdigit():
        raise WorkerFieldError(_message("mobile_characters"))
    if len(cleaned) != 11:
        raise WorkerFieldError(_message("mobile_length", count=len(cleaned)))
    if cleaned[0] != "1" or cleaned[1] not in "3456789":
        raise WorkerFieldError(_message("mobile_prefix"))
    return cleaned


def mask_mobile(text: str) -> str:
    """Show a mobile number with the middle four digits hidden: 138****1234."""
    try:
        mobile = normalise_mobile(text)
    except WorkerFieldError:
        mobile = text or ""
    if len(mobile) < 8:
        return "*" * len(mobile)
    return mobile[:3] + "*" * (len(mobile) - 7) + mobile[-4:]


# --- resident ID numbers (GB 11643-1999) ------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # 2**(17 - i) mod 11
_ID_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character for the first 17 digits of an ID number."""
    return _ID_CHECK[
        sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True)) % 11
    ]


def validate_id_number(text: str, *, today: date) -> str:
    """Return a resident ID number upper-cased, or raise with what is wrong: length, characters, date, check.

    `today` is the stations' date (`local_today()`): a birth date after it is refused.
    """
    number = (text or "").strip().upper()
    if len(number) != 18:
        raise WorkerFieldError(_message("id_length", count=len(number)))
    if not (number[:17].isascii() and number[:17].isdigit() and (number[17].isdigit() or number[17] == "X")):
        raise WorkerFieldError(_message("id_characters"))
    digits = number[6:14]
    try:
        birth = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise WorkerFieldError(_message("id_birth_date", digits=digits)) from None
    if birth <= date(1900, 1, 1) or birth > today:
        raise WorkerFieldError(_message("id_birth_date_range", birth=birth.isoformat()))
    if id_check_digit(number[:17]) != number[17]:
        raise WorkerFieldError(_message("id_check_digit"))
    return number


def mask_id_number(text: str) -> str:
    """Show an ID number with all but the first and last four characters hidden."""
    number = (text or "").strip().upper()
    if len(number) < 9:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


# --- numbers ----------------------------------------------------------------------------------------


def _decimal(value: object, what: str) -> Decimal:
    """Read a number with at most two decimals from text, int, Decimal or float (via its shortest text)."""
    if isinstance(value, bool) or value is None:
        raise WorkerFieldError(_message("number_invalid", what=what, value=repr(value)))
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, float | str):
        text = repr(value) if isinstance(value, float) else value.strip()
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise WorkerFieldError(_message("number_invalid", what=what, value=repr(value))) from None
    else:
        raise WorkerFieldError(_message("number_invalid", what=what, value=repr(value)))
    if not number.is_finite():
        raise WorkerFieldError(_message("number_invalid", what=what, value=repr(value)))
    # Huge numbers are left to the caller's range check (quantize would overflow the context).
    if abs(number) < 10**9 and number != number.quantize(Decimal(1).scaleb(-DECIMALS)):
        raise WorkerFieldError(_message("number_decimals", what=what))
    return number


def validate_speed(pieces_per_hour: object) -> Decimal:
    """Return a speed in pieces per hour: more than 0, at most 10,000, at most 2 decimals."""
    speed = _decimal(pieces_per_hour, "Pieces per hour")
    if not 0 < speed <= MAX_SPEED:
        raise WorkerFieldError(_message("speed_range"))
    return speed


def validate_hours(day_hours: object) -> Decimal:
    """Return hours for one day: 0 to 24, at most 2 decimals (quarter hours are 0.25, 0.5, 0.75)."""
    hours = _decimal(day_hours, "Hours")
    if not 0 <= hours <= MAX_DAY_HOURS:
        raise WorkerFieldError(_message("hours_range"))
    return hours


# --- skills and hours fields ------------------------------------------------------------------------

_ITEM_SEPARATORS = re.compile(r"[;,；，、\n]+")
_LIST_SEPARATORS = re.compile(r"[\s;,；，、]+")
_SKILL_CODE = re.compile(r"[a-z][a-z0-9_]*")


def parse_skills_field(text: str, *, known: Collection[str] | None = None) -> dict[str, Decimal]:
    """Parse "remote_assembly:30;knitting:4.5" into {skill code: pieces per hour}; report every problem."""
    skills: dict[str, Decimal] = {}
    problems: list[str] = []
    for raw in _ITEM_SEPARATORS.split(text or ""):
        item = raw.strip()
        if not item:
            continue
        parts = re.split(r"[:：=]", item)
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            problems.append(_message("skill_item", item=item))
            continue
        code, speed_text = parts[0].strip().lower(), parts[1].strip()
        if not _SKILL_CODE.fullmatch(code):
            problems.append(_message("skill_code", code=code))
            continue
        if known is not None and code not in known:
            problems.append(_message("skill_unknown", code=code))
            continue
        if code in skills:
            problems.append(_message("skill_duplicate", code=code))
            continue
        try:
            skills[code] = validate_speed(speed_text)
        except WorkerFieldError as exc:
            problems.append(_message("skill_speed", code=code, message=str(exc)))
    if problems:
        raise WorkerFieldError(problems)
    return skills


def parse_weekly_hours(text: str) -> list[Decimal]:
    """Parse seven day-hours, Monday first, separated by , ; spaces or ，；、."""
    items = [item for item in _LIST_SEPARATORS.split((text or "").strip()) if item]
    if len(items) != 7:
        raise WorkerFieldError(_message("weekly_count", count=len(items)))
    return validate_weekly_hours(items)


def validate_weekly_hours(values: Sequence[object]) -> list[Decimal]:
    """Check seven day-hours, Monday first (a list from JSON or a form)."""
    if isinstance(values, str) or len(values) != 7:
        raise WorkerFieldError(_message("weekly_count", count=len(values)))
    hours: list[Decimal] = []
    problems: list[str] = []
    for day, value in zip(WEEKDAYS, values, strict=True):
        try:
            hours.append(validate_hours(value))
        except WorkerFieldError as exc:
            problems.append(_message("weekly_day", day=day, message=str(exc)))
    if problems:
        raise WorkerFieldError(problems)
    return hours


def hours_for_dates(
    weekly: Sequence[Decimal | int], exceptions: Mapping[date, Decimal | int], start: date, days: int
) -> list[Decimal]:
    """Return the hours available on each of `days` days from `start`: the exception, else the weekday's."""
    if len(weekly) != 7:
        raise WorkerFieldError(_message("weekly_count", count=len(weekly)))
    if days < 0:
        raise ValueError("days cannot be negative")
    result = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        result.append(Decimal(exceptions[day] if day in exceptions else weekly[day.weekday()]))
    return result


def speed_from_trial(pieces: int, minutes: int | Decimal | Fraction | str) -> Decimal:
    """Return pieces per hour from a timed trial, rounded half up to a sensible precision.

    Two significant decimals below 10 an hour (4.29), one below 100 (42.9), whole pieces above (429).
    """
    if pieces <= 0:
        raise WorkerFieldError(_message("trial_pieces"))
    if isinstance(minutes, float):
        raise TypeError("minutes must be exact (int, Decimal, Fraction or text), not float")
    exact_minutes = Fraction(minutes)
    if exact_minutes <= 0:
        raise WorkerFieldError(_message("trial_minutes"))
    per_hour = pieces * 60 / exact_minutes
    decimals = 0 if per_hour >= 100 else 1 if per_hour >= 10 else DECIMALS
    scaled = round_half_up(per_hour.numerator * 10**decimals, per_hour.denominator)
    return validate_speed(Decimal(scaled).scaleb(-decimals))
