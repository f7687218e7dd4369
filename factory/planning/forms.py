"""Forms of the planning pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField
from wtforms.validators import DataRequired, InputRequired, NumberRange

from factory.planning.services import DEFAULT_DAYS, MAX_DAYS


class RunForm(FlaskForm):
    start = DateField(_l("First day"), validators=[DataRequired(message=_l("Enter the first day to plan."))])
    days = IntegerField(
        _l("Number of days"),
        default=DEFAULT_DAYS,
        validators=[
            InputRequired(message=_l("Enter the number of days.")),
            NumberRange(1, MAX_DAYS, message=_l("Plan between 1 and %(max)s days.", max=MAX_DAYS)),
        ],
    )


class LotWorkerForm(FlaskForm):
    """A lot and a worker: pin it to them, or move it to them."""

    lot_id = IntegerField(validators=[InputRequired()])
    worker_id = IntegerField(validators=[InputRequired(message=_l("Choose a worker."))])
