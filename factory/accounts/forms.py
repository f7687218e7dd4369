"""Forms of the account pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from factory.workers.domain import normalise_mobile  # noqa: F401  (the one rule, used by the account views)

MOBILE = Regexp(
    r"^\s*(\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}\s*$", message=_l("Enter an 11-digit mobile number.")
)


class LoginForm(FlaskForm):
    mobile = StringField(_l("Mobile number"), validators=[DataRequired(), Length(max=20), MOBILE])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)])


class ActivateForm(FlaskForm):
    mobile = StringField(_l("Mobile number"), validators=[DataRequired(), Length(max=20), MOBILE])
    code = StringField(_l("Activation code"), validators=[DataRequired(), Length(max=20)])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=128)])
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=128)])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=128)])
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new", message=_l("The two passwords differ."))],
    )


class TokenForm(FlaskForm):
    name = StringField(_l("What the token is for"), validators=[DataRequired(), Length(max=60)])


class LanguageForm(FlaskForm):
    locale = SelectField(
        _l("Language"), choices=[SelectChoice("zh_CN", "中文"), SelectChoice("en", "English")]
    )
