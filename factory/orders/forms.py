"""Forms of the order pages.

The order form only carries text: `factory.orders.services` parses and checks every field, so the page,
the API and the import refuse the same input with the same messages.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from factory.orders import models as m


class OrderForm(FlaskForm):
    product = StringField(_l("Product"))
    reference = StringField(_l("Your order number (optional)"))
    description = TextAreaField(_l("Description"))
    skill = SelectField(_l("Skill"))
    quantity = StringField(_l("Quantity (pieces)"))
    lot_size = StringField(_l("Lot size (pieces per material kit)"))
    piece_rate = StringField(_l("Piece rate paid to the worker (yuan)"))
    standard_minutes = StringField(_l("Standard minutes per piece"))
    service_fee = StringField(_l("Service fee per piece paid to the station (yuan)"))
    due_date = StringField(_l("Due date"))
    quality_standard = TextAreaField(_l("Quality standard"))
    materials = TextAreaField(_l("Materials per piece"))
    note = TextAreaField(_l("Note"))
    offer = SelectField(_l("Offer to"))
    stations = SelectMultipleField(_l("Stations"), coerce=int)
    below_minimum_reason = TextAreaField(_l("Reason to post below the minimum wage"))


class PostForm(FlaskForm):
    below_minimum_reason = TextAreaField(
        _l("Reason to post below the minimum wage"), validators=[Optional(), Length(max=m.REASON_MAX)]
    )


class AcceptForm(FlaskForm):
    quantity = StringField(_l("Pieces to take on"))


class DeliveryForm(FlaskForm):
    pieces = StringField(_l("Pieces delivered"))
    delivered_on = StringField(_l("Delivery date"))
    note = TextAreaField(_l("Note"))


class ReceiptForm(FlaskForm):
    received = StringField(_l("Pieces received"))
    receipt_note = TextAreaField(_l("What was missing or damaged"))


class ImportForm(FlaskForm):
    file = FileField(_l("Spreadsheet (.xlsx or .csv)"))
    post = BooleanField(_l("Post the orders at once"))


class MinimumWageForm(FlaskForm):
    tier = IntegerField(_l("Tier"), validators=[InputRequired(), NumberRange(min=1, max=9)])
    hourly = StringField(_l("Hourly minimum (yuan)"), validators=[DataRequired(), Length(max=20)])
    monthly = StringField(_l("Monthly minimum (yuan)"), validators=[DataRequired(), Length(max=20)])
    effective_from = DateField(_l("In force from"), validators=[InputRequired()])
    source = StringField(_l("Source"), validators=[DataRequired(), Length(max=300)])
    confirmed = BooleanField(_l("Confirmed with the human resources bureau"))


class DistrictTierForm(FlaskForm):
    tier = IntegerField(_l("Tier"), validators=[InputRequired(), NumberRange(min=1, max=9)])
