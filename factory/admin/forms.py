"""Forms of the administrator's pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from factory.accounts.forms import MOBILE


class EnterpriseForm(FlaskForm):
    name = StringField(_l("Enterprise name"), validators=[DataRequired(), Length(max=100)])
    contact = StringField(_l("Contact"), validators=[Optional(), Length(max=100)])


class StationForm(FlaskForm):
    name = StringField(_l("Station name"), validators=[DataRequired(), Length(max=100)])
    district_id = SelectField(_l("District"), coerce=int, validators=[DataRequired()])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])


class StaffForm(FlaskForm):
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice("coordinator", _l("Enterprise coordinator")),
            SelectChoice("organiser", _l("Station organiser")),
            SelectChoice("admin", _l("Employment service administrator")),
        ],
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=50)])
    mobile = StringField(_l("Mobile number"), validators=[DataRequired(), Length(max=20), MOBILE])
    enterprise_id = SelectField(_l("Enterprise (for a coordinator)"), coerce=int, validators=[Optional()])
    station_id = SelectField(_l("Station (for an organiser)"), coerce=int, validators=[Optional()])
