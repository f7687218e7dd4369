"""Forms of the worker pages. Field checks beyond presence and length live in the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from factory.workers.models import HARDSHIP_CATEGORIES


def category_labels() -> dict[str, str]:
    return {
        "older_unemployed": _l("Older unemployed resident (大龄失业人员)"),
        "disabled": _l("Person with a disability (残疾人)"),
        "zero_employment_family": _l("Member of a zero-employment family (零就业家庭成员)"),
        "long_term_unemployed": _l("Long-term unemployed (长期失业人员)"),
        "subsistence_family": _l("Member of a subsistence-allowance family (低保家庭成员)"),
        "land_lost_farmer": _l("Farmer who lost their land (失地农民)"),
        "other": _l("Other hard-to-employ resident"),
    }


def category_choices() -> list[SelectChoice]:
    labels = category_labels()
    return [SelectChoice("", _l("— none —"))] + [SelectChoice(c, labels[c]) for c in HARDSHIP_CATEGORIES]


class WorkerForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=50)])
    mobile = StringField(_l("Mobile number"), validators=[DataRequired(), Length(max=20)])
    id_number = StringField(_l("Resident ID number (optional)"), validators=[Optional(), Length(max=30)])
    clear_id_number = BooleanField(_l("Remove the stored ID number"))
    skills = StringField(_l("Skills with pieces per hour"), validators=[Optional(), Length(max=500)])
    weekly_hours = StringField(_l("Hours Monday to Sunday"), validators=[Optional(), Length(max=100)])
    hard_to_employ = BooleanField(_l("Hard-to-employ resident (就业困难人员)"))
    hardship_category = SelectField(_l("Category"), validators=[Optional()])
    priority = BooleanField(_l("Reach first when planning work"))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.hardship_category.choices = category_choices()


class SelfForm(FlaskForm):
    """What a worker can correct about themselves."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=50)])
    mobile = StringField(_l("Mobile number"), validators=[DataRequired(), Length(max=20)])
    id_number = StringField(_l("Resident ID number"), validators=[Optional(), Length(max=30)])


class SkillForm(FlaskForm):
    skill = SelectField(_l("Skill"), validators=[DataRequired()])
    speed = StringField(_l("Pieces per hour"), validators=[DataRequired(), Length(max=20)])


class TrialForm(FlaskForm):
    skill = SelectField(_l("Skill"), validators=[DataRequired()])
    pieces = StringField(_l("Pieces made"), validators=[DataRequired(), Length(max=10)])
    minutes = StringField(_l("Minutes measured"), validators=[DataRequired(), Length(max=10)])


class ImportForm(FlaskForm):
    file = FileField(_l("Spreadsheet (.xlsx or .csv)"), validators=[FileRequired(_l("Choose a file."))])


class CourseForm(FlaskForm):
    name = StringField(_l("Course name"), validators=[DataRequired(), Length(max=100)])
    skill = SelectField(_l("Skill it teaches"), validators=[DataRequired()])
    starting_speed = StringField(
        _l("Starting speed after the course (pieces per hour)"), validators=[DataRequired(), Length(max=20)]
    )


class SessionForm(FlaskForm):
    day = DateField(_l("Date"), validators=[DataRequired()])
    hours = StringField(_l("Hours"), validators=[DataRequired(), Length(max=10)])
    topic = StringField(_l("Topic"), validators=[Optional(), Length(max=100)])


class SkillAdminForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name_zh = StringField(_l("Name in Chinese"), validators=[DataRequired(), Length(max=60)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=60)])
    unit_zh = StringField(_l("Unit in Chinese"), validators=[DataRequired(), Length(max=20)])
    unit_en = StringField(_l("Unit in English"), validators=[DataRequired(), Length(max=20)])


class ExceptionForm(FlaskForm):
    day = DateField(_l("Date"), validators=[DataRequired()])
    hours = StringField(_l("Hours that day"), validators=[DataRequired(), Length(max=10)])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=100)])


class StepForm(FlaskForm):
    """Only the CSRF token; the hours pages read their day fields directly."""
