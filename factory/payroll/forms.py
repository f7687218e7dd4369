"""Forms of the payroll pages; they carry text, the services parse and check it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired


class PeriodForm(FlaskForm):
    start = StringField(_l("First day"))
    end = StringField(_l("Last day"))


class CloseForm(FlaskForm):
    top_up = BooleanField(_l("Top up every shortfall to the minimum wage"), default=True)
    leave_uninspected = BooleanField(_l("Close anyway and pay the uninspected lots in the next period"))
    confirm = BooleanField(
        _l("I have checked the slips above: once closed, this period cannot be changed"),
        validators=[DataRequired(_l("Tick the box to confirm: closing cannot be undone."))],
    )


class AdjustmentForm(FlaskForm):
    worker_id = SelectField(_l("Worker"))
    kind = SelectField(_l("Kind"))
    amount = StringField(_l("Amount (yuan)"))
    reason = TextAreaField(_l("Reason (the worker sees it on the slip)"))
    corrects_slip_id = HiddenField()


class RateForm(FlaskForm):
    effective_from = StringField(_l("New rate applies to pieces inspected from"))
    rate = StringField(_l("New piece rate (yuan)"))
    reason = TextAreaField(_l("Reason"))


class PayeeForm(FlaskForm):
    holder_name = StringField(_l("Account holder"))
    bank_name = StringField(_l("Bank and branch"))
    account_number = StringField(_l("Bank card or account number"))
