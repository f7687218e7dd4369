"""Importing workers from a spreadsheet (all rows or none) and exporting the roster with masked numbers.

An import registers accounts without activation codes: a code is valid for days, and an organiser who
imports sixty residents meets them over weeks, so each code is issued when it is handed over (one by
one on the worker's page, or as printed slips for a chosen group). That keeps an import of a few hundred
rows to a fraction of a second; the slow, deliberate hashing of a code happens once per hand-over.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from factory import tabular
from factory.accounts.models import Station, User
from factory.audit.services import record
from factory.extensions import db
from factory.workers import domain, protect
from factory.workers.forms import category_labels
from factory.workers.messages import translate
from factory.workers.models import HARDSHIP_CATEGORIES, WorkerProfile
from factory.workers.services import (
    Lookups,
    WorkerInput,
    WorkerInputError,
    check_input,
    register_worker,
    station_workers,
    weekly_hours,
)

MAX_IMPORT_ROWS = 2000  # a station's residents; far above any real roster, far below a denial of service

# Column headings accepted for each field (the field names themselves are accepted too).
ALIASES: dict[str, str] = {
    "姓名": "name",
    "名字": "name",
    "Name": "name",
    "手机号": "mobile",
    "手机": "mobile",
    "手机号码": "mobile",
    "Mobile": "mobile",
    "Mobile number": "mobile",
    "Phone": "mobile",
    "身份证号": "id_number",
    "身份证号码": "id_number",
    "身份证": "id_number",
    "ID number": "id_number",
    "Resident ID": "id_number",
    "技能": "skills",
    "技能及速度": "skills",
    "Skills": "skills",
    "每周工时": "weekly_hours",
    "每周时间": "weekly_hours",
    "工时": "weekly_hours",
    "Weekly hours": "weekly_hours",
    "Hours": "weekly_hours",
    "就业困难人员": "hard_to_employ",
    "就业困难": "hard_to_employ",
    "Hard to employ": "hard_to_employ",
    "Hard-to-employ": "hard_to_employ",
    "困难类别": "hardship_category",
    "类别": "hardship_category",
    "Category": "hardship_category",
    "备注": "notes",
    "Notes": "notes",
}
REQUIRED = ("name", "mobile")

COLUMNS: list[tuple[str, str, str, Any]] = [
    # field, Chinese heading, English heading, what to write
    ("name", "姓名", "Name", _l("Required.")),
    ("mobile", "手机号", "Mobile", _l("Required. 11 digits; +86 is accepted.")),
    ("id_number", "身份证号", "ID number", _l("Optional. 18 characters; checked and stored encrypted.")),
    (
        "skills",
        "技能",
        "Skills",
        _l(
            "Optional. Each skill and its pieces per hour, separated by ;, e.g. "
            "遥控器组装：每小时 30 个；手工编织：4.5 (codes work too: remote_assembly:30)"
        ),
    ),
    (
        "weekly_hours",
        "每周工时",
        "Weekly hours",
        _l("Optional. 7 numbers of hours, Monday first, e.g. 6 6 6 6 6 0 0"),
    ),
    (
        "hard_to_employ",
        "就业困难人员",
        "Hard to employ",
        _l("Optional. 是/否 (yes/no), or the category itself, e.g. 残疾人"),
    ),
    ("hardship_category", "困难类别", "Category", _l("Optional. The category, e.g. 大龄失业人员")),
    ("notes", "备注", "Notes", _l("Optional.")),
]

YES = {"是", "y", "yes", "true", "1", "√", "✓", "有", "x"}
NO = {"", "否", "n", "no", "false", "0", "无", "不是"}

# Chinese words for the categories, as an import file would write them.
CATEGORY_WORDS: dict[str, str] = {
    "大龄失业人员": "older_unemployed",
    "大龄": "older_unemployed",
    "残疾人": "disabled",
    "残疾": "disabled",
    "零就业家庭成员": "zero_employment_family",
    "零就业家庭": "zero_employment_family",
    "长期失业人员": "long_term_unemployed",
    "长期失业": "long_term_unemployed",
    "低保家庭成员": "subsistence_family",
    "低保家庭": "subsistence_family",
    "低保": "subsistence_family",
    "失地农民": "land_lost_farmer",
    "其他": "other",
}


@dataclass(frozen=True)
class Problem:
    row: int | None
    column: str | None
    message: str


class ImportRefused(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


def column_label(field: str) -> str:
    for name, zh, en, _what in COLUMNS:
        if name == field:
            return f"{zh} / {en}"
    return field


def _category(text: str) -> str | None:
    word = text.strip()
    if not word:
        return None
    if word in HARDSHIP_CATEGORIES:
        return word
    if word in CATEGORY_WORDS:
        return CATEGORY_WORDS[word]
    labels = {str(label).casefold(): code for code, label in category_labels().items()}
    return labels.get(word.casefold(), word)  # an unknown word is refused by the checks


def _hard_to_employ(text: str) -> tuple[bool | None, str | None]:
    """Read the hard-to-employ cell: yes/no, or a category (which means yes)."""
    word = text.strip()
    if word.casefold() in YES:
        return True, None
    if word.casefold() in NO:
        return False, None
    category = _category(word)
    if category in HARDSHIP_CATEGORIES:
        return True, category
    return None, None


def _skills_text(text: str, lookups: Lookups) -> str:
    """Let a file name skills in Chinese or English as well as by code (编织:4.5 → knitting:4.5), and write
    the speed as the export does (遥控器组装：每小时 23.6 个 → remote_assembly:23.6)."""
    names: dict[str, str] = {}
    for code, skill in lookups.skills.items():
        names[skill.name_zh] = code
        names[skill.name_en.casefold()] = code
    if not names:
        return text
    pattern = re.compile(
        "(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")\s*(?=[:：=])",
        re.IGNORECASE,
    )
    text = pattern.sub(lambda m: names.get(m.group(1), names.get(m.group(1).casefold(), m.group(1))), text)
    return _SPEED_WORDS.sub("", _unit_pattern(lookups).sub("", text))


# The words around a speed, as the export writes it: "每小时 23.6 个", "23.6 pieces per hour".
_SPEED_WORDS = re.compile(
    r"(?<=[:：=])\s*(?:每小时|每个小时)|\s*(?:/\s*小时|/\s*h(?:our)?|(?:an|per) hour)\b", re.I
)


def _unit_pattern(lookups: Lookups) -> re.Pattern[str]:
    """A unit after a speed ("23.6 个", "23.6 flowers"), the skills' own units and the usual ones."""
    units = {"件", "个", "piece", "pieces"}
    for skill in lookups.skills.values():
        units |= {skill.unit_zh, skill.unit_en, _plural(skill.unit_en)}
    words = "|".join(re.escape(u) for u in sorted((u for u in units if u), key=len, reverse=True))
    return re.compile(r"(?<=[0-9])\s*(?:" + words + r")(?![A-Za-z])", re.I)


def _plural(unit: str) -> str:
    return unit if unit.endswith("s") else unit + "s"


def skills_cell(worker: WorkerProfile, english: bool) -> str:
    """A worker's skills for a person to read: the skill's name and its speed in its unit per hour."""
    parts = []
    for s in worker.skills:
        speed = _speed_text(s.speed)
        if english:
            parts.append(f"{s.skill.name_en}: {speed} {_plural(s.skill.unit_en)} per hour")
        else:
            parts.append(f"{s.skill.name_zh}：每小时 {speed} {s.skill.unit_zh}")
    return ("; " if english else "；").join(parts)


def _speed_text(speed: Decimal) -> str:
    return format(speed.normalize(), "f")  # 23.60 → 23.6, 30.00 → 30


def read_rows(filename: str, data: bytes) -> list[tabular.Row]:
    try:
        return tabular.read_table(
            filename, data, aliases=ALIASES, required=REQUIRED, max_rows=MAX_IMPORT_ROWS
        )
    except tabular.TableError as exc:
        raise ImportRefused(
            [Problem(row, column, translate(message)) for row, column, message in exc.problems]
        ) from None


def check_rows(rows: list[tabular.Row], station: Station, lookups: Lookups) -> list[tuple[int, WorkerInput]]:
    """Check every row; raise ImportRefused listing every problem by row and column."""
    mobiles: dict[str, int] = {}
    for row in rows:
        with contextlib.suppress(domain.WorkerFieldError):
            mobiles[domain.normalise_mobile(row.get("mobile", ""))] = 0
    taken = db.session.execute(select(User.mobile, User.id).where(User.mobile.in_(list(mobiles))))
    lookups.mobiles = {mobile: user_id for mobile, user_id in taken}
    lookups.digests = {}
    problems: list[Problem] = []
    inputs: list[tuple[int, WorkerInput]] = []
    seen_mobile: dict[str, int] = {}
    seen_id: dict[str, int] = {}
    digests: dict[str, str] = {}
    for row in rows:
        hard, category = _hard_to_employ(row.get("hard_to_employ", ""))
        if hard is None:
            problems.append(
                Problem(
                    row.row, column_label("hard_to_employ"), _("Write 是 or 否 (yes or no), or the category.")
                )
            )
        if row.get("hardship_category", "").strip():
            category = _category(row["hardship_category"])
            hard = True if hard is None else hard
        data = WorkerInput(
            name=row.get("name", ""),
            mobile=row.get("mobile", ""),
            id_number=row.get("id_number", "") or None,
            skills=_skills_text(row.get("skills", ""), lookups),
            weekly_hours=row.get("weekly_hours", "") or None,
            hard_to_employ=bool(hard),
            hardship_category=category,
            notes=row.get("notes", ""),
        )
        try:
            checked = check_input(data, home_station_id=station.id, creating=True, lookups=lookups)
        except WorkerInputError as exc:
            for name, messages in exc.fields.items():
                problems.extend(Problem(row.row, column_label(name), m) for m in messages)
            continue
        if checked.mobile in seen_mobile:
            problems.append(
                Problem(
                    row.row,
                    column_label("mobile"),
                    _("The same mobile number as row %(row)s.", row=seen_mobile[checked.mobile]),
                )
            )
        elif checked.mobile:
            seen_mobile[checked.mobile] = row.row
        if checked.id_number:
            digest = digests.setdefault(checked.id_number, protect.digest(checked.id_number))
            if digest in seen_id:
                problems.append(
                    Problem(
                        row.row,
                        column_label("id_number"),
                        _("The same ID number as row %(row)s.", row=seen_id[digest]),
                    )
                )
            seen_id[digest] = row.row
        inputs.append((row.row, data))
    existing_digests = set(digests.values())
    if existing_digests:
        found = db.session.execute(
            select(WorkerProfile.id_number_digest, WorkerProfile.user_id).where(
                WorkerProfile.id_number_digest.in_(existing_digests)
            )
        )
        for digest, _user_id in found:
            problems.append(
                Problem(
                    seen_id[digest],
                    column_label("id_number"),
                    _("This ID number is already registered for another worker."),
                )
            )
    if problems:
        problems.sort(key=lambda p: (p.row or 0, p.column or ""))
        raise ImportRefused(problems)
    return inputs


def import_workers(actor: User, station: Station, filename: str, data: bytes) -> list[WorkerProfile]:
    """Register every row of the file as a worker of `station`, or none (ImportRefused lists why)."""
    rows = read_rows(filename, data)
    lookups = Lookups.load()
    inputs = check_rows(rows, station, lookups)
    created = []
    for _row, worker_input in inputs:
        profile, _code = register_worker(actor, station, worker_input, lookups=lookups, issue_code=False)
        created.append(profile)
    record(
        actor,
        "worker.import",
        station,
        after={"file": filename[:100], "rows": len(created)},
        station_id=station.id,
    )
    db.session.flush()
    return created


# ---------------------------------------------------------------- export


def export_table(station_id: int, locale: str) -> tuple[list[str], list[list[object]]]:
    """The roster as rows, mobile and ID numbers masked, in the import's column layout (skills by name and
    speed in pieces per hour, which the import reads back)."""
    english = locale.startswith("en")
    headers = [en if english else zh for _f, zh, en, _w in COLUMNS] + (["Status"] if english else ["状态"])
    labels = category_labels()
    rows: list[list[object]] = []
    for worker in station_workers(station_id, include_left=True):
        skills = skills_cell(worker, english)
        hours = " ".join(str(h) for h in weekly_hours(worker))
        if worker.left_at is not None:
            status = "Left" if english else "已离开"
        elif worker.paused:
            status = "Paused" if english else "暂停"
        else:
            status = "Active" if english else "在岗"
        rows.append(
            [
                worker.user.name,
                domain.mask_mobile(worker.user.mobile),
                worker.id_number_masked or "",
                skills,
                hours,
                ("yes" if english else "是") if worker.hard_to_employ else ("no" if english else "否"),
                str(labels[worker.hardship_category]) if worker.hardship_category else "",
                worker.notes,
                status,
            ]
        )
    return headers, rows


def template_rows() -> tuple[list[str], list[list[object]]]:
    """A ready-to-fill template: the Chinese headings and one example row."""
    headers = [zh for _f, zh, _en, _w in COLUMNS]
    example: list[object] = [
        "王秀英",
        "13812341234",
        "",
        "遥控器组装：每小时 30 个；手工编织：每小时 4.5 件",
        "6 6 6 6 6 0 0",
        "否",
        "",
        "",
    ]
    return headers, [example]
